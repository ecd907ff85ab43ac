use super::*;
use stagetrail_oci::Digest;

fn digest(c: char) -> Digest {
    Digest::parse(&format!("sha256:{}", c.to_string().repeat(64)), "t").unwrap()
}

/// An index `i` with platforms amd64 (`a`) and arm64 (`b`).
fn facts(evidence: Vec<Evidence>) -> ImageFacts {
    ImageFacts {
        image: "r/app:1".into(),
        digest: digest('f'),
        media_type: "application/vnd.oci.image.index.v1+json".into(),
        platforms: vec![
            PlatformFacts {
                platform: "linux/amd64".into(),
                digest: digest('a'),
            },
            PlatformFacts {
                platform: "linux/arm64".into(),
                digest: digest('b'),
            },
        ],
        evidence,
    }
}

fn statement(platform: char, predicate_type: &str) -> Evidence {
    let d = digest(platform);
    Evidence {
        kind: AttestationKind::Buildkit,
        platform: Some(
            if platform == 'a' {
                "linux/amd64"
            } else {
                "linux/arm64"
            }
            .into(),
        ),
        attached_to: d.clone(),
        layer: digest('c'),
        predicate_type: Some(predicate_type.into()),
        stage: None,
        subjects: vec![d.to_string()],
        signed: Signed::Unsigned,
        builder_id: None,
        finished_on: None,
        stages: None,
        packages: Vec::new(),
        signed_digest: None,
        predicate: None,
        error: None,
    }
}

fn provenance(platform: char, builder: &str, finished: &str) -> Evidence {
    Evidence {
        builder_id: Some(builder.into()),
        finished_on: Some(finished.into()),
        stages: Some(vec!["base".into(), "build".into(), "final".into()]),
        ..statement(platform, SLSA_V02)
    }
}

fn sbom(platform: char, stage: Option<&str>, packages: &[&str]) -> Evidence {
    Evidence {
        stage: stage.map(str::to_string),
        packages: packages.iter().map(|p| p.to_string()).collect(),
        ..statement(platform, SPDX)
    }
}

fn policy(yaml: &str) -> Policy {
    Policy::parse(yaml, "p.yaml").unwrap()
}

const NOW: i64 = 1_795_621_571; // 2026-11-25T15:46:11Z
const RECENT: &str = "2026-11-25T15:00:00Z";

fn lines(policy: &Policy, facts: &ImageFacts) -> Vec<String> {
    evaluate(policy, facts, NOW)
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_complete_image_passes() {
    let p = policy(
        "required_predicate_types: [provenance, sbom]\ntrusted_builders: ['https://ci/*']\nmax_age: 1d\n\
         sbom_per_stage: true\ndenied_packages: ['pkg:npm/lodash@<4.17.21']\n",
    );
    let mut ev = Vec::new();
    for pl in ['a', 'b'] {
        ev.push(provenance(pl, "https://ci/builder", RECENT));
        ev.push(sbom(pl, Some("base"), &["pkg:npm/lodash@4.17.21"]));
        ev.push(sbom(pl, Some("build"), &[]));
        ev.push(sbom(pl, None, &[]));
    }
    assert_eq!(lines(&p, &facts(ev)), Vec::<String>::new());
}

#[test]
fn missing_types_per_platform() {
    let p = policy(
        "required_predicate_types: [slsaprovenance]\nplatforms:\n  linux/arm64:\n    required_predicate_types: [cyclonedx]\n",
    );
    let f = facts(vec![statement('a', SLSA_V02), statement('b', SLSA_V02)]);
    assert_eq!(
        lines(&p, &f),
        ["required_predicate_types: linux/arm64: no https://cyclonedx.org/bom attestation"]
    );
}

#[test]
fn subjects_for_another_digest_are_findings_and_set_aside() {
    let p = policy("required_predicate_types: [slsaprovenance]\n");
    let mut wrong = statement('a', SLSA_V02);
    wrong.subjects = vec![digest('d').to_string()];
    let out = lines(&p, &facts(vec![wrong, statement('b', SLSA_V02)]));
    assert_eq!(out.len(), 2, "{out:?}");
    assert!(out[0]
        .starts_with("required_predicate_types: linux/amd64: no https://slsa.dev/provenance/v0.2"));
    assert!(out[1].starts_with("subjects_match: linux/amd64: https://slsa.dev/provenance/v0.2 (buildkit sha256:cccccccccccc) is about sha256:dddd"));
    assert!(out[1].ends_with(&format!("not {} it is attached to", digest('a'))));
    let off = policy("subjects_match: false\nrequired_predicate_types: [slsaprovenance]\n");
    let mut wrong = statement('a', SLSA_V02);
    wrong.subjects = vec![];
    assert!(lines(&off, &facts(vec![wrong, statement('b', SLSA_V02)])).is_empty());
}

#[test]
fn signatures_required() {
    let p = policy("required_predicate_types: [slsaprovenance]\nsignatures:\n  keys: [k.pub]\n");
    let good = Evidence {
        kind: AttestationKind::CosignAtt,
        signed: Signed::Verified("k.pub".into()),
        ..statement('a', SLSA_V02)
    };
    let bad = Evidence {
        kind: AttestationKind::CosignAtt,
        signed: Signed::Invalid("the signature does not verify with k.pub".into()),
        ..statement('b', SLSA_V02)
    };
    let out = lines(
        &p,
        &facts(vec![
            statement('a', SLSA_V02),
            good,
            statement('b', SLSA_V02),
            bad,
        ]),
    );
    assert_eq!(out.len(), 2, "{out:?}");
    assert!(out[0].starts_with("required_predicate_types: linux/arm64: no https://slsa.dev/provenance/v0.2 attestation signed by a trusted key (https://slsa.dev/provenance/v0.2 (buildkit"), "{}", out[0]);
    assert!(
        out[1].starts_with("signatures: linux/arm64: https://slsa.dev/provenance/v0.2 (cosign-att")
            && out[1].ends_with("does not verify with k.pub"),
        "{}",
        out[1]
    );
}

#[test]
fn builders_and_age() {
    let p = policy("trusted_builders: ['https://ci/*']\nmax_age: 1h\n");
    let f = facts(vec![
        provenance('a', "", RECENT),
        provenance('b', "https://ci/x", "2026-11-20T00:00:00Z"),
    ]);
    let out = lines(&p, &f);
    assert_eq!(out.len(), 2, "{out:?}");
    assert!(out[0].starts_with("max_age: linux/arm64: built 2026-11-20T00:00:00Z, 5d15h46m11s ago, older than max_age 1h"), "{}", out[0]);
    assert!(
        out[1].contains("names builder \"\", which is not trusted (trusted: https://ci/*)"),
        "{}",
        out[1]
    );
    let no_time = Evidence {
        finished_on: None,
        ..provenance('a', "https://ci/x", RECENT)
    };
    let out = lines(&p, &facts(vec![no_time]));
    assert!(
        out.iter()
            .any(|l| l.starts_with("max_age: linux/amd64:")
                && l.contains("has no build finish time")),
        "{out:?}"
    );
    assert!(
        out.iter()
            .any(|l| l == "max_age: linux/arm64: no SLSA provenance to read the build time from"),
        "{out:?}"
    );
}

#[test]
fn stage_sboms() {
    let p = policy("sbom_per_stage: true\n");
    let f = facts(vec![
        provenance('a', "", RECENT),
        sbom('a', Some("build"), &[]),
        sbom('b', Some("build"), &[]),
    ]);
    let out = lines(&p, &f);
    assert_eq!(out.len(), 2, "{out:?}");
    assert_eq!(out[0], "sbom_per_stage: linux/amd64: stage(s) \"base\", \"final\" have no SBOM (stages: base, build, final; SBOMs for: build)");
    assert!(out[1].starts_with("sbom_per_stage: linux/arm64: the stage list is unknown"));
    let explicit = policy("sbom_per_stage: {stages: [build]}\n");
    assert!(lines(&explicit, &f).is_empty());
}

#[test]
fn denied_packages() {
    let p = policy(
        "denied_packages:\n  - pkg:npm/lodash@<4.17.21\n  - {purl: 'pkg:deb/*/openssl*', reason: CVE-1}\n",
    );
    let f = facts(vec![sbom(
        'a',
        Some("build"),
        &[
            "pkg:npm/lodash@4.17.20",
            "pkg:deb/debian/openssl@3.0?arch=amd64",
            "pkg:npm/lodash.merge@1",
        ],
    )]);
    let out = lines(&p, &f);
    assert_eq!(out.len(), 2, "{out:?}");
    assert!(
        out[0].ends_with(
            "contains pkg:deb/debian/openssl@3.0?arch=amd64, denied by pkg:deb/*/openssl*: CVE-1"
        ),
        "{}",
        out[0]
    );
    assert!(
        out[1].ends_with("contains pkg:npm/lodash@4.17.20, denied by pkg:npm/lodash <4.17.21"),
        "{}",
        out[1]
    );
}

#[test]
fn image_signatures() {
    let p = policy("signatures: {image: true, attestations: false}\n");
    let sig = |attached: char, signed: Signed| Evidence {
        kind: AttestationKind::CosignSig,
        predicate_type: None,
        subjects: vec![],
        signed,
        signed_digest: Some(digest(attached).to_string()),
        platform: None,
        ..statement(attached, SLSA_V02)
    };
    let out = lines(&p, &facts(vec![sig('a', Signed::Verified("k".into()))]));
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(out[0].starts_with(&format!(
        "signatures: linux/arm64: image {} has no cosign signature",
        digest('b')
    )));
    let index = facts(vec![sig('f', Signed::Verified("k".into()))]);
    assert!(lines(&p, &index).is_empty());
    let out = lines(&p, &facts(vec![sig('a', Signed::Invalid("nope".into()))]));
    assert!(
        out[0].contains("signature (cosign-sig sha256:cccccccccccc): nope"),
        "{out:?}"
    );
}

#[test]
fn huge_max_age_does_not_wrap() {
    // 2^63 seconds and more: an `as i64` made the limit negative and failed every image.
    for max in ["9223372036854775808", "18446744073709551615"] {
        let p = policy(&format!("max_age: {max}\n"));
        let f = facts(vec![
            provenance('a', "https://ci/x", "2026-11-20T00:00:00Z"),
            provenance('b', "https://ci/x", "1970-01-01T00:00:00Z"),
        ]);
        assert_eq!(lines(&p, &f), Vec::<String>::new(), "max_age {max}");
    }
}
