//! Build checks in a normal build: every warning sent with `Warn` as upstream's builder sends
//! it (`Rule: message (line N)`, the rule's description as detail, its URL, the Dockerfile
//! lines), so `docker buildx build` prints the same `WARN:` lines; `error=true` then fails
//! the build with upstream's message.

use tonic::Code;

use super::failure::Failure;
use crate::bridge::{Bridge, Warning};
use crate::options::load::LoadedDockerfile;
use crate::options::FrontendOpts;
use stagetrail_convert::checks;
use stagetrail_dockerfile::ast::Dockerfile;
use stagetrail_llb::pb;

/// Reports the checks of the stages `built` (indices), with those the conversion `found`;
/// `Err` for an invalid configuration or warnings under `error=true`.
pub async fn report(
    bridge: &Bridge,
    opts: &FrontendOpts,
    loaded: &LoadedDockerfile,
    df: &Dockerfile,
    source: &pb::SourceInfo,
    built: &[usize],
    found: &[checks::Finding],
) -> Result<(), Failure> {
    let cfg = checks::config(df, &opts.convert.build_args)
        .map_err(|m| Failure::new(Code::InvalidArgument, m))?;
    let warnings = checks::check_built(df, &cfg, built, found);
    for w in &warnings {
        let ranges = (w.span.start_line..=w.span.end_line.max(w.span.start_line))
            .map(|l| {
                let pos = pb::Position {
                    line: i32::try_from(l).unwrap_or(i32::MAX),
                    character: 0,
                };
                pb::Range {
                    start: Some(pos),
                    end: Some(pos),
                }
            })
            .collect();
        let warning = Warning {
            level: 1,
            short: w.short(),
            detail: vec![w.rule.description.to_string()],
            url: w.rule.url.to_string(),
            info: Some(source.clone()),
            ranges,
        };
        if let Err(e) = bridge.warn(&loaded.vertex, warning).await {
            tracing::warn!("{} (and the Warn call failed: {e})", w.short());
        }
    }
    match checks::error(&cfg, &warnings) {
        Some(message) => Err(Failure::new(Code::Unknown, message)),
        None => Ok(()),
    }
}
