//! Media types, annotation keys and the checks on them.

/// OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// Docker manifest list (schema 2).
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// Docker image manifest (schema 2).
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// OCI image config.
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// Docker image config.
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
/// An in-toto statement (BuildKit attestation layers, referrers).
pub const IN_TOTO: &str = "application/vnd.in-toto+json";
/// A DSSE envelope (cosign `.att` layers).
pub const DSSE: &str = "application/vnd.dsse.envelope.v1+json";
/// A cosign simple-signing payload (cosign `.sig` layers).
pub const COSIGN_SIMPLESIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// A Sigstore bundle (cosign with the OCI 1.1 referrers mode).
pub const SIGSTORE_BUNDLE_PREFIX: &str = "application/vnd.dev.sigstore.bundle";

/// Annotation on index entries naming what an attestation manifest is.
pub const REF_TYPE: &str = "vnd.docker.reference.type";
/// Its value for BuildKit attestation manifests.
pub const REF_TYPE_ATTESTATION: &str = "attestation-manifest";
/// Annotation on index entries naming the image manifest an attestation manifest is about.
pub const REF_DIGEST: &str = "vnd.docker.reference.digest";
/// Annotation on in-toto layers naming the predicate type.
pub const PREDICATE_TYPE: &str = "in-toto.io/predicate-type";
/// Annotation cosign puts on `.att` layers naming the predicate type.
pub const COSIGN_PREDICATE_TYPE: &str = "predicateType";
/// Annotation carrying a cosign signature on `.sig` layers.
pub const COSIGN_SIGNATURE: &str = "dev.cosignproject.cosign/signature";
/// Annotation carrying a Sigstore bundle (transparency log entry) on cosign layers.
pub const COSIGN_BUNDLE: &str = "dev.sigstore.cosign/bundle";
/// Our own annotation / property naming the Dockerfile stage a document is about.
pub const STAGE: &str = "stagetrail:stage";

/// Every manifest media type we accept, as sent in `Accept`.
pub const MANIFEST_ACCEPT: [&str; 4] = [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST];

/// True for an image index or Docker manifest list.
pub fn is_index(media_type: &str) -> bool {
    media_type == OCI_INDEX || media_type == DOCKER_LIST
}

/// True for an OCI or Docker schema 2 image manifest.
pub fn is_manifest(media_type: &str) -> bool {
    media_type == OCI_MANIFEST || media_type == DOCKER_MANIFEST
}

/// The media type without parameters (`; charset=utf-8`) and surrounding blanks.
pub fn essence(media_type: &str) -> &str {
    media_type.split(';').next().unwrap_or("").trim()
}
