//! Sending one registry request: authentication (anonymous, basic, bearer token from the challenge),
//! retries with backoff on 429/5xx, and mapping of HTTP failures to [`RegistryError`].

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use reqwest::header::{
    HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE,
};
use reqwest::{Method, Response, StatusCode};

use super::auth::{Challenge, Scheme, TokenAnswer};
use super::body::{self, Expect};
use super::ClientConfig;
use crate::credentials::{BasicCredentials, Lookup};
use crate::error::{RegistryError, Result};

/// One request to make.
pub struct Call<'a> {
    /// HTTP method.
    pub method: Method,
    /// Full URL.
    pub url: String,
    /// Registry name as in references (credential lookup key).
    pub registry: &'a str,
    /// Token scope, e.g. `repository:ns/x:pull`.
    pub scope: String,
    /// `Accept` header.
    pub accept: Option<String>,
    /// Body and its content type.
    pub body: Option<(Vec<u8>, String)>,
}

/// The shared HTTP state of a client: the connection pool, cached tokens and the warnings given.
pub struct Transport {
    http: reqwest::Client,
    config: ClientConfig,
    tokens: Mutex<BTreeMap<(String, String), String>>,
    basic: Mutex<BTreeSet<String>>,
    warned: Mutex<BTreeSet<String>>,
}

impl Transport {
    /// Builds the HTTP client.
    pub fn new(config: ClientConfig) -> Result<Transport> {
        let http = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .connect_timeout(config.connect_timeout)
            .read_timeout(config.read_timeout)
            .build()
            .map_err(|e| RegistryError::Transport {
                at: "http client".into(),
                message: e.to_string(),
            })?;
        Ok(Transport {
            http,
            config,
            tokens: Mutex::default(),
            basic: Mutex::default(),
            warned: Mutex::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Sends `call`, authenticating and retrying as needed; returns a 2xx response.
    pub async fn send(&self, call: &Call<'_>) -> Result<Response> {
        let mut attempt = 0u32;
        let mut waited = Duration::ZERO;
        let mut authenticated = false;
        loop {
            attempt += 1;
            let result = self.request(call).send().await;
            let response = match result {
                Ok(r) => r,
                Err(e) => {
                    let delay = if e.is_connect() {
                        None
                    } else {
                        self.config.retry.delay(attempt, waited, None)
                    };
                    match delay {
                        Some(d) => {
                            tokio::time::sleep(d).await;
                            waited += d;
                            continue;
                        }
                        None => {
                            return Err(RegistryError::Transport {
                                at: call.url.as_str().into(),
                                message: error_chain(&e),
                            })
                        }
                    }
                }
            };
            let status = response.status();
            if status.is_success() {
                return Ok(response);
            }
            if status == StatusCode::UNAUTHORIZED && !authenticated {
                authenticated = true;
                if self.answer_challenge(call, &response).await? {
                    attempt -= 1;
                    continue;
                }
            }
            if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                let retry_after = response
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| super::retry::parse_retry_after(v, SystemTime::now()));
                if let Some(d) = self.config.retry.delay(attempt, waited, retry_after) {
                    tokio::time::sleep(d).await;
                    waited += d;
                    continue;
                }
                let mut message = body::error_text(response, 64 << 10).await;
                if let Some(r) = retry_after {
                    message.push_str(&format!(" (Retry-After {} s)", r.as_secs()));
                }
                return Err(RegistryError::Http {
                    at: call.url.as_str().into(),
                    status: status.as_u16(),
                    attempts: attempt,
                    message,
                });
            }
            return Err(self.failure(call, response, attempt).await);
        }
    }

    fn request(&self, call: &Call<'_>) -> reqwest::RequestBuilder {
        let mut headers = HeaderMap::new();
        if let Some(accept) = &call.accept {
            if let Ok(v) = HeaderValue::from_str(accept) {
                headers.insert(ACCEPT, v);
            }
        }
        let token = self.tokens.lock().ok().and_then(|t| {
            t.get(&(call.registry.to_string(), call.scope.clone()))
                .cloned()
        });
        let mut builder = self.http.request(call.method.clone(), &call.url);
        if let Some(token) = token {
            if let Ok(v) = HeaderValue::from_str(&format!("Bearer {token}")) {
                headers.insert(AUTHORIZATION, v);
            }
        } else if self.basic.lock().is_ok_and(|b| b.contains(call.registry)) {
            if let Some(c) = self.credentials(call.registry) {
                builder = builder.basic_auth(c.username, Some(c.password));
            }
        }
        if let Some((bytes, content_type)) = &call.body {
            if let Ok(v) = HeaderValue::from_str(content_type) {
                headers.insert(CONTENT_TYPE, v);
            }
            builder = builder.body(bytes.clone());
        }
        builder.headers(headers)
    }

    /// Handles a 401: returns true when a retry with new credentials makes sense.
    async fn answer_challenge(&self, call: &Call<'_>, response: &Response) -> Result<bool> {
        let Some(challenge) = response
            .headers()
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(Challenge::parse)
            .max_by_key(|c| c.scheme == Scheme::Bearer)
        else {
            return Ok(false);
        };
        match challenge.scheme {
            Scheme::Basic => {
                if self.credentials(call.registry).is_none() {
                    return Ok(false);
                }
                if let Ok(mut b) = self.basic.lock() {
                    b.insert(call.registry.to_string());
                }
                Ok(true)
            }
            Scheme::Bearer => {
                let token = self.fetch_token(call, &challenge).await?;
                if let Ok(mut t) = self.tokens.lock() {
                    t.insert((call.registry.to_string(), call.scope.clone()), token);
                }
                Ok(true)
            }
        }
    }

    async fn fetch_token(&self, call: &Call<'_>, challenge: &Challenge) -> Result<String> {
        let realm = challenge.param("realm").unwrap_or_default();
        let mut url = reqwest::Url::parse(realm).map_err(|e| RegistryError::Auth {
            at: call.url.as_str().into(),
            message: format!("the Bearer challenge's realm {realm:?} is not a URL: {e}"),
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(RegistryError::Auth {
                at: realm.into(),
                message: "the token realm must be http(s)".into(),
            });
        }
        {
            let mut q = url.query_pairs_mut();
            if let Some(service) = challenge.param("service") {
                q.append_pair("service", service);
            }
            q.append_pair("scope", &call.scope);
        }
        let mut request = self.http.get(url.clone());
        if let Some(c) = self.credentials(call.registry) {
            request = request.basic_auth(c.username, Some(c.password));
        }
        let at = url.to_string();
        let response = request.send().await.map_err(|e| RegistryError::Transport {
            at: at.as_str().into(),
            message: error_chain(&e),
        })?;
        let status = response.status();
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            let message = body::error_text(response, 64 << 10).await;
            return Err(RegistryError::Unauthorized {
                at: at.into(),
                status: status.as_u16(),
                message,
            });
        }
        if !status.is_success() {
            let message = body::error_text(response, 64 << 10).await;
            return Err(RegistryError::Auth {
                at: at.into(),
                message: format!("token endpoint answered HTTP {status}: {message}"),
            });
        }
        let bytes = body::read(
            response,
            &at,
            &Expect {
                what: "token answer",
                limit: 1 << 20,
                size: None,
                digest: None,
            },
        )
        .await?;
        let answer: TokenAnswer = serde_json::from_slice(&bytes)
            .map_err(|e| RegistryError::json(at.as_str(), "token answer", &e))?;
        answer.into_token().ok_or_else(|| RegistryError::Auth {
            at: at.into(),
            message: "the token answer has neither `token` nor `access_token`".into(),
        })
    }

    fn credentials(&self, registry: &str) -> Option<BasicCredentials> {
        match self.config.credentials.lookup(registry) {
            Lookup::Found(c) => Some(c),
            Lookup::Anonymous => None,
            Lookup::Skipped(why) => {
                if self.warned.lock().is_ok_and(|mut w| w.insert(why.clone())) {
                    (self.config.warn)(&why);
                }
                None
            }
        }
    }

    async fn failure(&self, call: &Call<'_>, response: Response, attempts: u32) -> RegistryError {
        let status = response.status();
        let message = body::error_text(response, 64 << 10).await;
        let at = call.url.as_str().into();
        match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => RegistryError::Unauthorized {
                at,
                status: status.as_u16(),
                message,
            },
            StatusCode::NOT_FOUND => RegistryError::NotFound { at, message },
            _ => RegistryError::Http {
                at,
                status: status.as_u16(),
                attempts,
                message,
            },
        }
    }
}

/// A reqwest error with its sources, e.g. "error sending request: connection refused".
fn error_chain(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}
