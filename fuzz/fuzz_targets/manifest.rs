//! Registry manifest / index decoding (`FetchedManifest::parse`) with each transport media type.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stagetrail_oci::{Digest, FetchedManifest};

fuzz_target!(|data: &[u8]| {
    for media_type in [
        "",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ] {
        let digest = Digest::sha256_of(data);
        let _ = FetchedManifest::parse(data.to_vec(), media_type, digest, "fuzz");
    }
});
