//! OCI distribution client: manifests, blobs, tags and referrers over HTTP(S), plus pushing blobs and
//! manifests (for tools that write attestations back).

mod auth;
mod body;
mod push;
mod retry;
mod transport;

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;

use self::body::Expect;
pub use self::retry::RetryPolicy;
use self::transport::{Call, Transport};
use super::credentials::DockerCredentials;
use super::digest::Digest;
use super::error::{RegistryError, Result};
use super::manifest::{Descriptor, FetchedManifest, ImageIndex};
use super::media;
use super::reference::Reference;
use super::source::{ImageSource, Limits};

/// Receives warnings (e.g. a credential helper that is skipped); the default prints `warning: …` to stderr.
pub type WarnFn = Arc<dyn Fn(&str) + Send + Sync>;

/// How a [`RegistryClient`] talks to registries.
#[derive(Clone)]
pub struct ClientConfig {
    /// Use plain HTTP for every registry (loopback registries always use plain HTTP).
    pub insecure: bool,
    /// Size limits.
    pub limits: Limits,
    /// Retries on 429/5xx.
    pub retry: RetryPolicy,
    /// Credentials (default: none; see [`ClientConfig::from_environment`]).
    pub credentials: DockerCredentials,
    /// TCP connect timeout.
    pub connect_timeout: Duration,
    /// Longest pause while reading a response.
    pub read_timeout: Duration,
    /// `User-Agent`.
    pub user_agent: String,
    /// Where warnings go.
    pub warn: WarnFn,
}

impl Default for ClientConfig {
    /// Anonymous, TLS except for loopback, default limits and retries, 10 s connect and 60 s read timeouts.
    fn default() -> Self {
        ClientConfig {
            insecure: false,
            limits: Limits::default(),
            retry: RetryPolicy::default(),
            credentials: DockerCredentials::default(),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
            user_agent: concat!("stagetrail/", env!("CARGO_PKG_VERSION")).to_string(),
            warn: Arc::new(|w: &str| eprintln!("warning: {w}")),
        }
    }
}

impl ClientConfig {
    /// The default configuration with credentials from the user's Docker config file.
    pub fn from_environment() -> Result<ClientConfig> {
        Ok(ClientConfig {
            credentials: DockerCredentials::load_default()?,
            ..ClientConfig::default()
        })
    }
}

/// An OCI distribution API client; cheap to clone (connections and tokens are shared).
#[derive(Clone)]
pub struct RegistryClient {
    transport: Arc<Transport>,
}

impl RegistryClient {
    /// A client with `config`.
    pub fn new(config: ClientConfig) -> Result<RegistryClient> {
        Ok(RegistryClient {
            transport: Arc::new(Transport::new(config)?),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        self.transport.config()
    }

    /// `http(s)://host/v2/<repository>/<rest>` for `reference`.
    pub fn url(&self, reference: &Reference, rest: &str) -> String {
        let scheme = if self.config().insecure || reference.is_loopback() {
            "http"
        } else {
            "https"
        };
        format!(
            "{scheme}://{}/v2/{}/{rest}",
            reference.api_host(),
            reference.repository
        )
    }

    /// The manifest `reference` names (its digest, else its tag); digest verified against the
    /// reference's digest, else against `Docker-Content-Digest` when the registry sends one.
    pub async fn manifest(&self, reference: &Reference) -> Result<FetchedManifest> {
        self.get_manifest(
            reference,
            &reference.object(),
            reference.digest.as_ref(),
            None,
        )
        .await
    }

    /// The manifest or index `descriptor` names, in `reference`'s repository.
    pub async fn manifest_by(
        &self,
        reference: &Reference,
        descriptor: &Descriptor,
    ) -> Result<FetchedManifest> {
        let url = self.url(reference, &format!("manifests/{}", descriptor.digest));
        check_manifest_descriptor(&url, descriptor, self.config().limits)?;
        let fetched = self
            .get_manifest(
                reference,
                &descriptor.digest.to_string(),
                Some(&descriptor.digest),
                Some(descriptor.size),
            )
            .await?;
        check_same_type(&url, descriptor, &fetched)?;
        Ok(fetched)
    }

    /// The manifest at `tag`, `None` when the tag does not exist.
    pub async fn tagged(
        &self,
        reference: &Reference,
        tag: &str,
    ) -> Result<Option<FetchedManifest>> {
        match self.manifest(&reference.with_tag(tag)).await {
            Ok(m) => Ok(Some(m)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn get_manifest(
        &self,
        reference: &Reference,
        object: &str,
        digest: Option<&Digest>,
        size: Option<u64>,
    ) -> Result<FetchedManifest> {
        let url = self.url(reference, &format!("manifests/{object}"));
        let mut call = call(Method::GET, reference, url.clone(), false);
        call.accept = Some(media::MANIFEST_ACCEPT.join(", "));
        let response = self.transport.send(&call).await?;
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let header_digest = response
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .map(|v| Digest::parse(v.trim(), format!("{url} (Docker-Content-Digest)")))
            .transpose()?;
        let expected = digest.cloned().or(header_digest.clone());
        let limit = self.config().limits.manifest;
        let bytes = body::read(
            response,
            &url,
            &Expect {
                what: "manifest",
                limit,
                size,
                digest: expected.as_ref(),
            },
        )
        .await?;
        let actual = match expected {
            Some(d) => d,
            None => Digest::sha256_of(&bytes),
        };
        if let (Some(h), Some(d)) = (&header_digest, digest) {
            if h != d {
                return Err(RegistryError::DigestMismatch {
                    at: url.into(),
                    expected: d.to_string(),
                    actual: h.to_string(),
                });
            }
        }
        FetchedManifest::parse(bytes, &content_type, actual, url)
    }

    /// The blob `descriptor` names, capped at the blob limit and the descriptor's size, digest verified.
    pub async fn blob(&self, reference: &Reference, descriptor: &Descriptor) -> Result<Vec<u8>> {
        let url = self.url(reference, &format!("blobs/{}", descriptor.digest));
        let expect = Expect {
            what: "blob",
            limit: self.config().limits.blob,
            size: Some(descriptor.size),
            digest: Some(&descriptor.digest),
        };
        body::check_announced(&url, &expect, None)?;
        let response = self
            .transport
            .send(&call(Method::GET, reference, url.clone(), false))
            .await?;
        body::read(response, &url, &expect).await
    }

    /// `GET /v2/<name>/referrers/<digest>`: the referrers' descriptors, or `None` when the registry has no
    /// referrers API (404).
    pub async fn referrers(
        &self,
        reference: &Reference,
        subject: &Digest,
    ) -> Result<Option<Vec<Descriptor>>> {
        let url = self.url(reference, &format!("referrers/{subject}"));
        let mut call = call(Method::GET, reference, url.clone(), false);
        call.accept = Some(media::OCI_INDEX.to_string());
        let response = match self.transport.send(&call).await {
            Ok(r) => r,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        if media::essence(&content_type) != media::OCI_INDEX {
            return Err(RegistryError::MediaType {
                at: url.into(),
                expected: media::OCI_INDEX.into(),
                got: content_type,
            });
        }
        let limit = self.config().limits.manifest;
        let bytes = body::read(
            response,
            &url,
            &Expect {
                what: "manifest",
                limit,
                size: None,
                digest: None,
            },
        )
        .await?;
        let index: ImageIndex = serde_json::from_slice(&bytes)
            .map_err(|e| RegistryError::json(url.as_str(), "referrers index", &e))?;
        Ok(Some(index.manifests))
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.transport
    }
}

/// A request in `reference`'s repository, with the pull (or pull and push) token scope.
pub(crate) fn call(method: Method, reference: &Reference, url: String, push: bool) -> Call<'_> {
    Call {
        method,
        url,
        registry: &reference.registry,
        scope: format!(
            "repository:{}:{}",
            reference.repository,
            if push { "pull,push" } else { "pull" }
        ),
        accept: None,
        body: None,
    }
}

/// Refuses a descriptor that is not a manifest, or too large, before any request.
pub(crate) fn check_manifest_descriptor(
    at: &str,
    descriptor: &Descriptor,
    limits: Limits,
) -> Result<()> {
    let mt = media::essence(&descriptor.media_type);
    if !media::is_index(mt) && !media::is_manifest(mt) {
        return Err(RegistryError::MediaType {
            at: at.into(),
            expected: media::MANIFEST_ACCEPT.join(", "),
            got: descriptor.media_type.clone(),
        });
    }
    if descriptor.size > limits.manifest {
        return Err(RegistryError::TooLarge {
            at: at.into(),
            what: "manifest",
            size: descriptor.size,
            limit: limits.manifest,
        });
    }
    Ok(())
}

/// Refuses content whose kind (index vs manifest) differs from what its descriptor said.
pub(crate) fn check_same_type(
    at: &str,
    descriptor: &Descriptor,
    fetched: &FetchedManifest,
) -> Result<()> {
    let want = media::essence(&descriptor.media_type);
    let got = fetched.descriptor.media_type.as_str();
    if media::is_index(want) != media::is_index(got) {
        return Err(RegistryError::MediaType {
            at: at.into(),
            expected: want.to_string(),
            got: got.to_string(),
        });
    }
    Ok(())
}

/// One image in a registry, read through a [`RegistryClient`].
#[derive(Clone)]
pub struct RegistryImage {
    /// The client.
    pub client: RegistryClient,
    /// The image.
    pub reference: Reference,
}

impl RegistryImage {
    /// The image `reference` read through `client`.
    pub fn new(client: RegistryClient, reference: Reference) -> RegistryImage {
        RegistryImage { client, reference }
    }
}

impl ImageSource for RegistryImage {
    fn name(&self) -> String {
        self.reference.to_string()
    }

    async fn root(&self) -> Result<FetchedManifest> {
        self.client.manifest(&self.reference).await
    }

    async fn manifest(&self, descriptor: &Descriptor) -> Result<FetchedManifest> {
        self.client.manifest_by(&self.reference, descriptor).await
    }

    async fn blob(&self, descriptor: &Descriptor) -> Result<Vec<u8>> {
        self.client.blob(&self.reference, descriptor).await
    }

    async fn tagged(&self, tag: &str) -> Result<Option<FetchedManifest>> {
        self.client.tagged(&self.reference, tag).await
    }

    async fn referrers(&self, subject: &Digest) -> Result<Option<Vec<Descriptor>>> {
        self.client.referrers(&self.reference, subject).await
    }
}
