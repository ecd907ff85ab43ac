//! What a platform means to a Dockerfile build: the default `PATH` of its images and the
//! predefined platform ARGs. The platform type itself is `stagetrail_oci::Platform`.

pub use stagetrail_oci::Platform;

/// The default `PATH` of an image for `os` (upstream `system.DefaultPathEnv`).
pub fn default_path_env(os: &str) -> &'static str {
    if os == "windows" {
        ""
    } else {
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    }
}

/// The predefined platform ARGs (BUILDPLATFORM … TARGETVARIANT), sorted by name.
pub fn platform_args(build: &Platform, target: &Platform) -> Vec<(String, String)> {
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
        let a = platform_args(&b, &t);
        assert_eq!(a.len(), 8);
        assert!(a.contains(&("TARGETVARIANT".into(), "v7".into())));
        assert!(a.contains(&("BUILDVARIANT".into(), String::new())));
        assert!(a.windows(2).all(|w| w[0] <= w[1]));
    }
}
