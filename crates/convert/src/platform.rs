//! What a platform means to a Dockerfile build: the default `PATH` of its images and the
//! automatic ARGs (platforms, target stage). The platform type itself is `stagetrail_oci::Platform`.

pub use stagetrail_oci::Platform;

use crate::Dialect;

/// The default `PATH` of an image for `os` (upstream `system.DefaultPathEnv`).
pub fn default_path_env(os: &str) -> &'static str {
    if os == "windows" {
        ""
    } else {
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    }
}

/// The automatic ARGs as `dialect`'s built-in frontend defines them, sorted by name: the
/// platform ARGs (BUILDPLATFORM … TARGETVARIANT); from BuildKit 0.17 `TARGETSTAGE` (the
/// `--target` as given, else the last stage's name, else `default`); from BuildKit 0.19
/// `BUILDOSVERSION` and `TARGETOSVERSION` (the platforms' OS versions, empty on Linux).
pub fn platform_args(
    build: &Platform,
    target: &Platform,
    dialect: Dialect,
    target_stage: Option<&str>,
) -> Vec<(String, String)> {
    let mut v = vec![
        ("BUILDARCH".to_string(), build.architecture.clone()),
        ("BUILDOS".to_string(), build.os.clone()),
        ("BUILDPLATFORM".to_string(), build.id()),
        ("BUILDVARIANT".to_string(), build.variant_str().to_string()),
        ("TARGETARCH".to_string(), target.architecture.clone()),
        ("TARGETOS".to_string(), target.os.clone()),
        ("TARGETPLATFORM".to_string(), target.id()),
        (
            "TARGETVARIANT".to_string(),
            target.variant_str().to_string(),
        ),
    ];
    if dialect.defines_target_stage() {
        let stage = target_stage.filter(|s| !s.is_empty()).unwrap_or("default");
        v.push(("TARGETSTAGE".to_string(), stage.to_string()));
    }
    if dialect.defines_os_versions() {
        let version = |p: &Platform| p.os_version.clone().unwrap_or_default();
        v.push(("BUILDOSVERSION".to_string(), version(build)));
        v.push(("TARGETOSVERSION".to_string(), version(target)));
    }
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_are_sorted_and_complete() {
        let b = Platform::linux_amd64();
        let t = Platform::parse("linux/arm/v7").unwrap();
        let a = platform_args(&b, &t, Dialect::V0_13, Some("build"));
        assert_eq!(a.len(), 8);
        assert!(a.contains(&("TARGETVARIANT".into(), "v7".into())));
        assert!(a.contains(&("BUILDVARIANT".into(), String::new())));
        assert!(a.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn newer_frontends_add_the_stage_and_os_versions() {
        let b = Platform::linux_amd64();
        let a = platform_args(&b, &b, Dialect::V0_25, Some("build"));
        assert_eq!(a.len(), 11);
        assert!(a.windows(2).all(|w| w[0] <= w[1]));
        let get = |a: &[(String, String)], k: &str| {
            a.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        };
        assert_eq!(get(&a, "TARGETSTAGE").as_deref(), Some("build"));
        assert_eq!(get(&a, "BUILDOSVERSION").as_deref(), Some(""));
        assert_eq!(get(&a, "TARGETOSVERSION").as_deref(), Some(""));
        let unnamed = platform_args(&b, &b, Dialect::V0_25, None);
        assert_eq!(get(&unnamed, "TARGETSTAGE").as_deref(), Some("default"));
        let windows = Platform {
            os: "windows".into(),
            os_version: Some("10.0.20348.2700".into()),
            ..Platform::linux_amd64()
        };
        let w = platform_args(&b, &windows, Dialect::V0_25, None);
        assert_eq!(
            get(&w, "TARGETOSVERSION").as_deref(),
            Some("10.0.20348.2700")
        );
    }
}
