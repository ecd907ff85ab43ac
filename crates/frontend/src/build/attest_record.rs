//! Our own attestations on the result: the per-stage build record (whenever
//! provenance or an SBOM is requested) and custom attestations read from the build
//! context; plus the warning for credential-like build args.

use std::collections::BTreeMap;

use sha2::{Digest as _, Sha256};
use tonic::Code;

use super::failure::{warn, Failure};
use crate::bridge::{Bridge, BridgeError};
use crate::build::custom::{self, CustomRequest};
use crate::build::record_attestation as record_attest;
use crate::options::load::LoadedDockerfile;
use crate::options::FrontendOpts;
use crate::proto::gateway as gw;
use stagetrail_convert::record::{self, BuildRecord, RecordContext, SbomDocument};
use stagetrail_convert::PlatformBuild;
use stagetrail_llb as llb;
use stagetrail_llb::pb;
use stagetrail_sbom::stages::files;

/// Go `os.ModeType` bits (dir, symlink, pipe, socket, device, char device, irregular).
const GO_MODE_TYPE: u32 =
    (1 << 31) | (1 << 27) | (1 << 26) | (1 << 25) | (1 << 24) | (1 << 21) | (1 << 19);

/// What to attach, decided before the platforms are solved.
pub struct AttestPlan {
    /// Build record per platform ID (empty when no record is wanted).
    pub records: Vec<(String, BuildRecord)>,
    /// Credential-like build-arg values to scrub from the records.
    pub secrets: Vec<String>,
    /// Custom attestation requests.
    pub custom: Vec<CustomRequest>,
}

/// Plans the attestations of `builds` (records only when provenance or an SBOM is requested).
pub fn plan(
    opts: &FrontendOpts,
    loaded: &LoadedDockerfile,
    builds: &[PlatformBuild],
) -> Result<AttestPlan, Failure> {
    let custom = custom::requests(&opts.convert.build_args)
        .map_err(|e| Failure::new(Code::InvalidArgument, e.to_string()))?;
    let mut plan = AttestPlan {
        records: Vec::new(),
        secrets: builds.iter().flat_map(record::secret_values).collect(),
        custom,
    };
    plan.secrets.sort();
    plan.secrets.dedup();
    if record_attest::wanted(&opts.attests) {
        let ctx = RecordContext {
            filename: opts.convert.filename.clone(),
            dockerfile: loaded.data.clone(),
            frontend_source: opts.source.clone(),
            vcs: opts.vcs.clone(),
            named_contexts: opts
                .raw
                .iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix("context:")
                        .map(|n| (n.to_string(), v.clone()))
                })
                .collect(),
        };
        plan.records = builds
            .iter()
            .map(|b| (b.platform.id(), record::build_record(b, &ctx)))
            .collect();
    }
    Ok(plan)
}

/// Warns once per credential-like build arg that a built stage declares with a value.
pub async fn warn_credentials(
    bridge: &Bridge,
    loaded: &LoadedDockerfile,
    source: &pb::SourceInfo,
    builds: &[PlatformBuild],
) {
    let mut seen = std::collections::BTreeSet::new();
    for b in builds {
        for (span, name) in record::credential_args(&b.stages) {
            if seen.insert(name.clone()) {
                warn(
                    bridge,
                    &loaded.vertex,
                    source,
                    span,
                    &record::credential_warning(&name),
                )
                .await;
            }
        }
    }
}

/// Adds the digests of one platform's SBOM documents (`docs`, from the SBOM pipeline)
/// to that platform's record: `sbom.*` belongs to the target stage, `sbom-<name>.*` to
/// the stage called `<name>` (or `stage-<index>`); others (e.g. `sbom-context`) to none.
/// The digest is of the file handed to BuildKit: the predicate (InToto: taken from the
/// [`files::SUMS_FILE`] beside it, written with the documents) or the whole statement (each
/// entry of a Bundle, read back).
pub async fn add_sbom_digests(
    bridge: &Bridge,
    plan: &mut AttestPlan,
    build: &PlatformBuild,
    docs: &[gw::Attestation],
) -> Result<(), Failure> {
    let platform = build.platform.id();
    let Some((_, rec)) = plan.records.iter_mut().find(|(p, _)| *p == platform) else {
        return Ok(());
    };
    let mut sums = Sums::new();
    let mut reads = tokio::task::JoinSet::new();
    for d in docs {
        let Some(r) = d.r#ref.as_ref().filter(|r| !r.id.is_empty()) else {
            continue;
        };
        if d.kind == gw::AttestationKind::Bundle as i32 {
            let dir = d.path.trim_end_matches('/');
            let entries = bridge
                .read_dir(&r.id, if dir.is_empty() { "/" } else { dir }, None)
                .await?;
            for e in entries {
                let path = match dir {
                    "" => e.path,
                    _ => format!("{dir}/{}", e.path),
                };
                let Some(stage) = sbom_stage(build, &path) else {
                    continue;
                };
                let (bridge, id) = (bridge.clone(), r.id.clone());
                let predicate_type = d.in_toto_predicate_type.clone();
                reads.spawn(async move {
                    let data = bridge.read_file(&id, &path, None).await?;
                    let doc = SbomDocument {
                        path: path.rsplit('/').next().unwrap_or(&path).to_string(),
                        predicate_type,
                        digest: format!("sha256:{}", hex::encode(Sha256::digest(&data))),
                    };
                    Ok::<_, BridgeError>((stage, doc))
                });
            }
            continue;
        }
        let Some(stage) = sbom_stage(build, &d.path) else {
            continue;
        };
        let doc = SbomDocument {
            path: d.path.rsplit('/').next().unwrap_or(&d.path).to_string(),
            predicate_type: d.in_toto_predicate_type.clone(),
            digest: summed_digest(bridge, &mut sums, &r.id, &d.path).await?,
        };
        rec.add_sboms(stage, [doc]);
    }
    while let Some(read) = reads.join_next().await {
        let (stage, doc) = read.map_err(|e| {
            Failure::new(Code::Internal, format!("reading an SBOM document: {e}"))
        })??;
        rec.add_sboms(stage, [doc]);
    }
    Ok(())
}

/// Each SBOM output directory's [`files::SUMS_FILE`], read once: (ref, directory) → file → digest.
type Sums = BTreeMap<(String, String), BTreeMap<String, String>>;

/// The digest of file `path` of ref `id`, from the sums file beside it.
async fn summed_digest(
    bridge: &Bridge,
    sums: &mut Sums,
    id: &str,
    path: &str,
) -> Result<String, Failure> {
    let internal = |m: String| Failure::new(Code::Internal, m);
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    let key = (id.to_string(), dir.to_string());
    if !sums.contains_key(&key) {
        let text = bridge
            .read_file(id, &format!("{dir}/{}", files::SUMS_FILE), None)
            .await?;
        sums.insert(key.clone(), files::parse_sums(&text).map_err(internal)?);
    }
    sums[&key].get(name).cloned().ok_or_else(|| {
        internal(format!(
            "the SBOM documents' {} has no digest of {name}",
            files::SUMS_FILE
        ))
    })
}

/// The stage index an SBOM file name (`sbom.*`, `sbom-<stage>.*`) belongs to.
fn sbom_stage(build: &PlatformBuild, path: &str) -> Option<usize> {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.split('.').next().unwrap_or(file);
    let stage = match stem.strip_prefix("sbom-") {
        None if stem == "sbom" => build.stages.last(),
        Some(name) => build
            .stages
            .iter()
            .find(|s| s.name.as_deref() == Some(name) || format!("stage-{}", s.index) == name),
        None => None,
    };
    stage.map(|s| s.index)
}

/// Solves the planned documents and returns the attestations per platform ID
/// (`platforms` lists every platform of the result).
pub async fn attach(
    bridge: &Bridge,
    opts: &FrontendOpts,
    plan: AttestPlan,
    platforms: &[String],
) -> Result<BTreeMap<String, Vec<gw::Attestation>>, Failure> {
    let mut out: BTreeMap<String, Vec<gw::Attestation>> = BTreeMap::new();
    let epoch_ns = opts
        .convert
        .source_date_epoch
        .unwrap_or(0)
        .saturating_mul(1_000_000_000);
    for (platform, rec) in &plan.records {
        let data = rec.to_json(&plan.secrets);
        let st = llb::State::scratch().file(
            llb::FileActions::new().mkfile(llb::MkfileInfo {
                path: format!("/{}", record_attest::PATH),
                mode: 0o644,
                data,
                owner: None,
                timestamp: Some(epoch_ns),
            }),
            llb::OpMeta::named(format!("[{platform}] stagetrail build record")),
        );
        let ref_id = bridge.solve(llb::marshal(&st, None)).await?;
        out.entry(platform.clone()).or_default().push(in_toto(
            ref_id,
            record_attest::PATH,
            record_attest::PREDICATE_TYPE,
        ));
    }
    if !plan.custom.is_empty() {
        let ref_id = read_custom(bridge, opts, &plan.custom).await?;
        for platform in platforms {
            for req in &plan.custom {
                out.entry(platform.clone()).or_default().push(in_toto(
                    ref_id.clone(),
                    &req.path,
                    &req.predicate_type,
                ));
            }
        }
    }
    Ok(out)
}

fn in_toto(ref_id: String, path: &str, predicate_type: &str) -> gw::Attestation {
    gw::Attestation {
        kind: gw::AttestationKind::InToto as i32,
        metadata: BTreeMap::new(),
        r#ref: Some(gw::Ref {
            id: ref_id,
            def: None,
        }),
        path: path.to_string(),
        in_toto_predicate_type: predicate_type.to_string(),
        in_toto_subjects: Vec::new(),
    }
}

/// Loads the requested files from the build context and checks each; returns the
/// context ref that holds them.
async fn read_custom(
    bridge: &Bridge,
    opts: &FrontendOpts,
    reqs: &[CustomRequest],
) -> Result<String, Failure> {
    let bad = |e: custom::CustomError| Failure::new(Code::InvalidArgument, e.to_string());
    let mut attrs = BTreeMap::new();
    let paths: Vec<String> = reqs.iter().map(|r| r.path.clone()).collect();
    attrs.insert(
        "local.followpaths".to_string(),
        serde_json::to_string(&paths).unwrap_or_default(),
    );
    attrs.insert(
        "local.sharedkeyhint".to_string(),
        "stagetrail-custom-attestations".to_string(),
    );
    if let Some(sid) = &opts.convert.session_id {
        attrs.insert("local.session".to_string(), sid.clone());
    }
    let st = llb::State::source(
        &format!("local://{}", opts.context_key),
        attrs,
        None,
        llb::OpMeta::named("[internal] load custom attestations"),
    );
    let ref_id = bridge.solve(llb::marshal(&st, None)).await?;
    for req in reqs {
        let stat = bridge.stat_file(&ref_id, &req.path).await.map_err(|e| {
            Failure::new(
                Code::InvalidArgument,
                format!(
                    "custom attestation {}: not found in the build context ({e}); requested by build-arg {}",
                    req.path, req.arg
                ),
            )
        })?;
        if stat.mode & GO_MODE_TYPE != 0 {
            return Err(Failure::new(
                Code::InvalidArgument,
                format!(
                    "custom attestation {}: not a regular file; requested by build-arg {}",
                    req.path, req.arg
                ),
            ));
        }
        req.check_size(u64::try_from(stat.size).unwrap_or(0))
            .map_err(bad)?;
        let data = bridge.read_file(&ref_id, &req.path, None).await?;
        req.check_size(data.len() as u64).map_err(bad)?;
        req.check_content(&data).map_err(bad)?;
    }
    Ok(ref_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use stagetrail_convert::{convert, NoResolver, Options};

    #[test]
    fn sbom_files_map_to_stages() {
        let df = stagetrail_dockerfile::parse("FROM a AS build\nFROM b\nCOPY --from=build / /\n")
            .unwrap();
        let c = convert(&df, &Options::default(), &NoResolver).unwrap();
        let b = &c.builds[0];
        assert_eq!(sbom_stage(b, "sbom.spdx.json"), Some(1));
        assert_eq!(sbom_stage(b, "out/sbom-build.cdx.json"), Some(0));
        assert_eq!(sbom_stage(b, "sbom-stage-1.spdx.json"), Some(1));
        assert_eq!(sbom_stage(b, "sbom-context.spdx.json"), None);
        assert_eq!(sbom_stage(b, "other.json"), None);
    }
}
