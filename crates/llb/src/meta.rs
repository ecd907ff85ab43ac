//! Per-op metadata given by the caller: progress names, cache flags, source locations.

use std::collections::BTreeMap;

use super::pb;

/// Description key BuildKit shows as the step name in progress output.
pub(crate) const CUSTOM_NAME_KEY: &str = "llb.customname";

/// Per-op metadata (becomes `Definition.metadata[digest]` and
/// `Definition.Source.locations[digest]`). It never changes the op's bytes.
#[derive(Clone, Default, Debug, PartialEq)]
pub struct OpMeta {
    /// Progress name: `description["llb.customname"]`.
    pub custom_name: Option<String>,
    /// Extra description keys (e.g. `com.docker.dockerfile.v1.command`).
    pub description: BTreeMap<String, String>,
    /// Never take this op from the cache.
    pub ignore_cache: bool,
    /// Groups ops in progress output.
    pub progress_group: Option<pb::ProgressGroup>,
    /// Ranges in source 0 (the Dockerfile); empty = none.
    pub locations: Vec<pb::Range>,
}

impl OpMeta {
    /// An `OpMeta` with only a progress name.
    pub fn named(name: impl Into<String>) -> Self {
        OpMeta {
            custom_name: Some(name.into()),
            ..OpMeta::default()
        }
    }

    /// The `OpMetadata` of an op carrying these values and the given capabilities.
    pub(crate) fn to_pb(&self, caps: &[&str]) -> pb::OpMetadata {
        let mut description = self.description.clone();
        if let Some(name) = &self.custom_name {
            description.insert(CUSTOM_NAME_KEY.to_string(), name.clone());
        }
        pb::OpMetadata {
            ignore_cache: self.ignore_cache,
            description,
            export_cache: None,
            caps: caps.iter().map(|c| (c.to_string(), true)).collect(),
            progress_group: self.progress_group.clone(),
        }
    }
}

/// Go's `mergeMetadata`: how metadata of two ops with the same digest combine.
pub(crate) fn merge_metadata(into: &mut pb::OpMetadata, from: &pb::OpMetadata) {
    into.ignore_cache |= from.ignore_cache;
    for (k, v) in &from.description {
        into.description.insert(k.clone(), v.clone());
    }
    if from.export_cache.is_some() {
        into.export_cache = from.export_cache;
    }
    for k in from.caps.keys() {
        into.caps.insert(k.clone(), true);
    }
    if from.progress_group.is_some() {
        into.progress_group = from.progress_group.clone();
    }
}
