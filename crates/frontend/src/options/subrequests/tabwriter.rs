//! Go's `text/tabwriter` as upstream's printers use it (min width 0, tab width 0, pad
//! character ' ', no flags) for tables whose rows all have the same number of cells: every
//! cell but the last is padded to its column's widest cell (in characters) plus `padding`.

/// Appends `header` and `rows` to `out`, one line each.
pub fn table(out: &mut String, padding: usize, header: &[&str], rows: &[Vec<String>]) {
    let lines: Vec<Vec<&str>> = std::iter::once(header.to_vec())
        .chain(rows.iter().map(|r| r.iter().map(String::as_str).collect()))
        .collect();
    let columns = header.len().saturating_sub(1);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            lines
                .iter()
                .map(|l| l.get(c).map_or(0, |s| s.chars().count()))
                .max()
                .unwrap_or(0)
                + padding
        })
        .collect();
    for line in lines {
        for (c, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if let Some(w) = widths.get(c) {
                let pad = w - cell.chars().count();
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_all_but_the_last_cell() {
        let mut out = String::new();
        let rows = vec![
            vec!["A".to_string(), "1".to_string(), "".to_string()],
            vec!["LONGER".to_string(), "".to_string(), "dé".to_string()],
        ];
        table(&mut out, 3, &["BUILD ARG", "VALUE", "DESCRIPTION"], &rows);
        assert_eq!(
            out,
            "BUILD ARG   VALUE   DESCRIPTION\nA           1       \nLONGER              dé\n"
        );
    }
}
