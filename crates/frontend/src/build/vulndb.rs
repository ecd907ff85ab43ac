//! Vulnerability attestations at build time: when the build is given the named context
//! `stagetrail-vulndb` (`docker buildx build --build-context stagetrail-vulndb=./osv-db --sbom=true`,
//! a directory that `stagetrail vuln --db` reads), the SBOM scanner exec also mounts it and writes
//! one cosign vuln/v1 statement per stage ([`sbom_exec`](super::sbom_exec)). Without the context
//! nothing changes.

use std::collections::BTreeMap;

use tonic::Code;

use super::failure::Failure;
use crate::options::FrontendOpts;
use stagetrail_convert::NamedContext;
use stagetrail_llb as llb;

/// The named context that holds the OSV database.
pub const CONTEXT: &str = "stagetrail-vulndb";

/// The database's filesystem when the build names the context: a client directory.
pub fn state(opts: &FrontendOpts) -> Result<Option<llb::State>, Failure> {
    let Some(value) = opts.convert.named_contexts.get(CONTEXT) else {
        return Ok(None);
    };
    let NamedContext::Local(dir) = value else {
        return Err(Failure::new(
            Code::InvalidArgument,
            format!(
                "--build-context {CONTEXT} must be a local directory of OSV JSON files and/or all.zip \
                 exports (as `stagetrail vuln --db DIR` reads), not {value:?}"
            ),
        ));
    };
    let mut attrs = BTreeMap::new();
    if let Some(sid) = &opts.convert.session_id {
        attrs.insert("local.session".to_string(), sid.clone());
    }
    attrs.insert(
        "local.sharedkeyhint".to_string(),
        format!("context:{CONTEXT}"),
    );
    Ok(Some(llb::State::source(
        &format!("local://{dir}"),
        attrs,
        None,
        llb::OpMeta::named(format!("[context {CONTEXT}] load from client")),
    )))
}

/// The error when the database is given but stage filesystems are read over the gateway.
pub fn needs_exec() -> Failure {
    Failure::new(
        Code::InvalidArgument,
        format!(
            "the {CONTEXT} context is scanned by the SBOM exec reader: use the frontend through \
             # syntax= or BUILDKIT_SYNTAX, without STAGETRAIL_SBOM_READER=gateway"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_local_directory_is_a_database() {
        let mut opts = FrontendOpts::default();
        assert!(state(&opts).unwrap().is_none());
        opts.convert
            .named_contexts
            .insert(CONTEXT.into(), NamedContext::Local(CONTEXT.into()));
        opts.convert.session_id = Some("s1".into());
        let def = llb::marshal(&state(&opts).unwrap().unwrap(), None);
        let dump = llb::dump_json(&def).to_string();
        assert!(dump.contains("local://stagetrail-vulndb"), "{dump}");
        assert!(dump.contains("\"local.session\":\"s1\""), "{dump}");
        opts.convert.named_contexts.insert(
            CONTEXT.into(),
            NamedContext::Image("example.com/osv:1".into()),
        );
        let err = state(&opts).unwrap_err();
        assert!(
            err.message.contains("must be a local directory"),
            "{}",
            err.message
        );
    }
}
