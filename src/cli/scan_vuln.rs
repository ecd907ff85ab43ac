//! The scanner exec's vulnerability statements: with the build's `stagetrail-vulndb` named context
//! mounted (`stagetrail scan --vulndb DIR --out-vuln DIR`), one cosign vuln/v1 in-toto statement per
//! stage document, computed from that stage's SBOM packages and the offline OSV database.

use anyhow::Context as _;
use std::path::Path;

use stagetrail_oci::attestations::stage::stage_of;
use stagetrail_oci::attestations::statement::VULN;
use stagetrail_oci::civil_time::rfc3339;
use stagetrail_policy::evidence::purls;
use stagetrail_policy::vuln::osv::OsvDb;
use stagetrail_policy::vuln::{findings, predicate, StageScan};
use stagetrail_sbom::stages::{statement, ScanPlan, StageDocuments};

/// How the predicate names the database: the named context it came from.
pub const DB_NAME: &str = "context:stagetrail-vulndb";

/// The time the statements carry: `SOURCE_DATE_EPOCH` (the plan's epoch) when set, else now.
fn scan_time(plan: &ScanPlan) -> String {
    match plan.epoch.and_then(|e| i64::try_from(e).ok()) {
        Some(epoch) => rfc3339(epoch),
        None => rfc3339(super::verify::now()),
    }
}

/// Writes `<stem>.vuln.json` into `out` for every document that names a stage (the build context's
/// has none), the database read from `db_dir`.
pub fn write_statements(
    plan: &ScanPlan,
    docs: &[StageDocuments],
    db_dir: &Path,
    out: &Path,
) -> anyhow::Result<usize> {
    let started = scan_time(plan);
    let db = OsvDb::read(db_dir)
        .with_context(|| format!("the stagetrail-vulndb context ({})", db_dir.display()))?;
    std::fs::create_dir_all(out).with_context(|| format!("{}", out.display()))?;
    let mut written = 0;
    for d in docs {
        let Some(stage) = stage_of(&Default::default(), Some(&d.spdx)) else {
            continue;
        };
        let packages = purls(&d.spdx);
        let scan = StageScan {
            platform: plan.platform.clone(),
            digest: String::new(),
            stage: Some(stage),
            packages: packages.len(),
            findings: findings(packages.iter().map(String::as_str), &db),
        };
        let finished = scan_time(plan);
        let doc = predicate(&scan, &db, DB_NAME, &started, &finished);
        let path = out.join(format!("{}.vuln.json", d.stem));
        let bytes = serde_json::to_vec(&statement(VULN, &doc))
            .with_context(|| format!("{}: cannot encode", path.display()))?;
        std::fs::write(&path, bytes).with_context(|| format!("{}", path.display()))?;
        written += 1;
    }
    eprintln!(
        "stagetrail scan: {written} vulnerability statements for {} (OSV {}, {} advisories)",
        plan.platform,
        db.digest,
        db.len()
    );
    Ok(written)
}
