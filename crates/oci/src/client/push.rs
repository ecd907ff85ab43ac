//! Pushing blobs and manifests (monolithic upload), for tools that write artifacts next to an image.

use reqwest::Method;

use super::{call, RegistryClient};
use crate::digest::Digest;
use crate::error::{RegistryError, Result};
use crate::manifest::Descriptor;
use crate::reference::Reference;

impl RegistryClient {
    /// Uploads `bytes` as a blob of `reference`'s repository (skipped when the registry has it already)
    /// and returns its descriptor.
    pub async fn push_blob(
        &self,
        reference: &Reference,
        bytes: &[u8],
        media_type: &str,
    ) -> Result<Descriptor> {
        let digest = Digest::sha256_of(bytes);
        let descriptor = Descriptor {
            media_type: media_type.to_string(),
            digest: digest.clone(),
            size: bytes.len() as u64,
            annotations: Default::default(),
            platform: None,
            artifact_type: None,
        };
        let head_url = self.url(reference, &format!("blobs/{digest}"));
        match self
            .transport()
            .send(&call(Method::HEAD, reference, head_url, true))
            .await
        {
            Ok(_) => return Ok(descriptor),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
        let start_url = self.url(reference, "blobs/uploads/");
        let started = self
            .transport()
            .send(&call(Method::POST, reference, start_url.clone(), true))
            .await?;
        let location = started
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| RegistryError::Http {
                at: start_url.as_str().into(),
                status: started.status().as_u16(),
                attempts: 1,
                message: "the upload answer has no Location header".into(),
            })?;
        let mut url = reqwest::Url::parse(&start_url)
            .and_then(|base| base.join(location))
            .map_err(|e| RegistryError::Http {
                at: start_url.as_str().into(),
                status: started.status().as_u16(),
                attempts: 1,
                message: format!("the upload Location {location:?} is not a URL: {e}"),
            })?;
        url.query_pairs_mut()
            .append_pair("digest", &digest.to_string());
        let mut put = call(Method::PUT, reference, url.to_string(), true);
        put.body = Some((bytes.to_vec(), "application/octet-stream".into()));
        self.transport().send(&put).await?;
        Ok(descriptor)
    }

    /// Uploads a manifest at `reference`'s tag (or digest) and returns its digest.
    pub async fn push_manifest(
        &self,
        reference: &Reference,
        bytes: &[u8],
        media_type: &str,
    ) -> Result<Digest> {
        let digest = Digest::sha256_of(bytes);
        let url = self.url(reference, &format!("manifests/{}", reference.object()));
        let mut put = call(Method::PUT, reference, url.clone(), true);
        put.body = Some((bytes.to_vec(), media_type.to_string()));
        let response = self.transport().send(&put).await?;
        if let Some(echoed) = response
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
        {
            if echoed.trim() != digest.to_string() {
                return Err(RegistryError::DigestMismatch {
                    at: url.into(),
                    expected: digest.to_string(),
                    actual: echoed.trim().to_string(),
                });
            }
        }
        Ok(digest)
    }
}
