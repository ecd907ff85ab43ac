//! Parse + convert of a 1,000-line multi-stage Dockerfile (goal: median < 10 ms).

use criterion::{criterion_group, criterion_main, Criterion};
use stagetrail_convert::{convert, NoResolver, Options};
use stagetrail_dockerfile::parse;
use stagetrail_llb as llb;

/// Ten stages of 100 lines each, mixing every common instruction kind;
/// each stage copies from the previous one, so all stages are reachable.
fn thousand_line_dockerfile() -> String {
    let mut s = String::from("ARG BASE=debian:bookworm\nARG VERSION=1.2.3\n");
    for stage in 0..10 {
        s.push_str(&format!("FROM ${{BASE}} AS s{stage}\n"));
        s.push_str("ARG VERSION\n");
        let mut lines = 2;
        let mut i = 0;
        while lines < 100 {
            let text = match i % 8 {
                0 => format!("ENV V{i}=${{VERSION:-0}}-{i}\n"),
                1 => format!("RUN --mount=type=cache,target=/root/.cache echo {i} > /tmp/f{i}\n"),
                2 => format!("WORKDIR /w/{i}\n"),
                3 => format!("COPY src/{i} /dst/{i}/\n"),
                4 => format!("LABEL l{i}=\"value {i}\"\n"),
                5 if stage > 0 => format!("COPY --from=s{} /dst /from/{i}\n", stage - 1),
                5 => format!("USER {i}\n"),
                6 => format!("RUN <<EOF\necho {i}\necho ${{V{}}}\nEOF\n", i - 6),
                _ => format!("EXPOSE {}\n", 8000 + i),
            };
            lines += text.lines().count();
            s.push_str(&text);
            i += 1;
        }
    }
    s
}

fn bench(c: &mut Criterion) {
    let text = thousand_line_dockerfile();
    assert!(text.lines().count() >= 1000);
    let opts = Options::default();
    c.bench_function("parse+convert 1000-line Dockerfile", |b| {
        b.iter(|| {
            let df = parse(&text).expect("benchmark Dockerfile parses");
            let out = convert(&df, &opts, &NoResolver).expect("benchmark Dockerfile converts");
            llb::to_bytes(&out.builds[0].definition)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
