//! Progress names (`llb.customname`) as upstream's `prefixCommand` builds them:
//! `[linux/amd64->arm64 builder 2/5] RUN make`.

use super::platform::Platform;
use super::state::{EnvList, StageState};

/// Upper-cases the first word (`run echo` → `RUN echo`).
pub fn uppercase_cmd(s: &str) -> String {
    match s.split_once(' ') {
        Some((first, rest)) => format!("{} {rest}", first.to_uppercase()),
        None => s.to_uppercase(),
    }
}

/// The platform the TARGET* args in `env` describe, as upstream `platformFromEnv`.
fn platform_from_env(env: &EnvList) -> Option<(String, String, String)> {
    let mut p = (String::new(), String::new(), String::new());
    let mut set = false;
    for (k, v) in env.0.iter() {
        match k.as_str() {
            "TARGETPLATFORM" => {
                if let Ok(t) = Platform::parse(v) {
                    return Some((t.os, t.architecture, t.variant.unwrap_or_default()));
                }
            }
            "TARGETOS" => {
                p.0 = v.clone();
                set = true;
            }
            "TARGETARCH" => {
                p.1 = v.clone();
                set = true;
            }
            "TARGETVARIANT" => {
                p.2 = v.clone();
                set = true;
            }
            _ => {}
        }
    }
    set.then_some(p)
}

/// `->arm64` (or `->os/arch`) when the stage builds for another target.
fn format_target_platform(base: &Platform, env: &EnvList) -> String {
    let Some((mut os, mut arch, variant)) = platform_from_env(env) else {
        return String::new();
    };
    if os.is_empty() {
        os.clone_from(&base.os);
    }
    if arch.is_empty() {
        arch.clone_from(&base.architecture);
    }
    let spec = if variant.is_empty() {
        format!("{os}/{arch}")
    } else {
        format!("{os}/{arch}/{variant}")
    };
    let Ok(p) = Platform::parse(&spec) else {
        return String::new();
    };
    if p.os == base.os && p.architecture != base.architecture {
        let mut av = p.architecture.clone();
        if let Some(v) = &p.variant {
            av.push('/');
            av.push_str(v);
        }
        return format!("->{av}");
    }
    if p.os != base.os {
        return format!("->{}", p.id());
    }
    String::new()
}

/// Upstream `prefixCommand`: numbers the step (advancing the stage's counter) and
/// prefixes platform and stage name. Stages without numbered steps get `s` as is.
pub fn prefix_command(
    ds: &mut StageState,
    s: &str,
    prefix_platform: bool,
    platform: Option<&Platform>,
    env: &EnvList,
) -> String {
    if ds.cmd_total == 0 {
        return s.to_string();
    }
    let mut out = String::from("[");
    if let (true, Some(p)) = (prefix_platform, platform) {
        out.push_str(&p.id());
        out.push_str(&format_target_platform(p, env));
        out.push(' ');
    }
    if !ds.display_name.is_empty() {
        out.push_str(&ds.display_name);
        out.push(' ');
    }
    ds.cmd_index += 1;
    let width = ds.cmd_total.to_string().len();
    out.push_str(&format!(
        "{:>width$}/{}] ",
        ds.cmd_index,
        ds.cmd_total,
        width = width
    ));
    if ds.cmd_is_onbuild {
        out.push_str("ONBUILD ");
    }
    out + s
}

#[cfg(test)]
mod tests {
    use super::*;
    use stagetrail_dockerfile::ast::Span;

    fn stage(total: usize, name: &str) -> StageState {
        let mut s = StageState::new(0, Span::default());
        s.cmd_total = total;
        s.display_name = name.into();
        s
    }

    #[test]
    fn numbers_steps_with_padding() {
        let mut s = stage(12, "builder");
        let env = EnvList::default();
        assert_eq!(
            prefix_command(&mut s, "RUN a", false, None, &env),
            "[builder  1/12] RUN a"
        );
        let mut s = stage(3, "");
        assert_eq!(
            prefix_command(&mut s, "RUN a", false, None, &env),
            "[1/3] RUN a"
        );
        assert_eq!(
            prefix_command(&mut stage(0, "x"), "FROM a", false, None, &env),
            "FROM a"
        );
    }

    #[test]
    fn platform_prefix_with_cross_target() {
        let mut s = stage(2, "build");
        let mut env = EnvList::default();
        env.add("TARGETARCH", "arm64");
        let p = Platform::linux_amd64();
        assert_eq!(
            prefix_command(&mut s, "RUN x", true, Some(&p), &env),
            "[linux/amd64->arm64 build 1/2] RUN x"
        );
        let mut env = EnvList::default();
        env.add("TARGETPLATFORM", "linux/amd64");
        assert_eq!(
            prefix_command(&mut s, "RUN y", true, Some(&p), &env),
            "[linux/amd64 build 2/2] RUN y"
        );
        assert_eq!(uppercase_cmd("run echo hi"), "RUN echo hi");
    }
}
