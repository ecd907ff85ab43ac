//! The build result handed back with `Return`, and its wire form.

use std::collections::BTreeMap;

use super::caps::{ids, CapSet};
use crate::proto::gateway::{self as gw, result::Result as ResultRefs};

/// The refs of a result: one image, or one per platform ID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refs {
    /// A single ref id (`""` = an empty image).
    Single(String),
    /// Ref ids keyed by platform ID (e.g. `linux/arm64`).
    PerPlatform(BTreeMap<String, String>),
}

/// What a build returns to buildkitd.
#[derive(Clone, Debug, PartialEq)]
pub struct BuildResult {
    /// The solved refs.
    pub refs: Refs,
    /// Exporter metadata, e.g. `containerimage.config`, `refs.platforms`.
    pub metadata: BTreeMap<String, Vec<u8>>,
    /// Attestations keyed by platform ID.
    pub attestations: BTreeMap<String, Vec<gw::Attestation>>,
}

/// Builds the wire `Result`, in the ref form the server understands
/// (`proto.refarray` → `ref`/`refs`, else the deprecated string forms).
pub fn to_wire(res: BuildResult, caps: &CapSet) -> Result<gw::Result, String> {
    if matches!(res.refs, Refs::PerPlatform(_)) && !caps.has(ids::RETURN_MAP) {
        return Err(format!(
            "gateway capability {:?} is missing: this BuildKit cannot return multi-platform results",
            ids::RETURN_MAP
        ));
    }
    if !res.attestations.is_empty() && !caps.has(ids::ATTESTATIONS) {
        return Err(format!(
            "gateway capability {:?} is missing: this BuildKit cannot take attestations from a frontend",
            ids::ATTESTATIONS
        ));
    }
    let array = caps.has(ids::PROTO_REF_ARRAY);
    let refs = match (res.refs, array) {
        (Refs::Single(id), true) => ResultRefs::Ref(gw::Ref { id, def: None }),
        (Refs::Single(id), false) => ResultRefs::RefDeprecated(id),
        (Refs::PerPlatform(m), true) => ResultRefs::Refs(gw::RefMap {
            refs: m
                .into_iter()
                .map(|(k, id)| (k, gw::Ref { id, def: None }))
                .collect(),
        }),
        (Refs::PerPlatform(refs), false) => {
            ResultRefs::RefsDeprecated(gw::RefMapDeprecated { refs })
        }
    };
    Ok(gw::Result {
        result: Some(refs),
        metadata: res.metadata,
        attestations: res
            .attestations
            .into_iter()
            .map(|(k, attestation)| (k, gw::Attestations { attestation }))
            .collect(),
    })
}
