//! Checking images against a policy (`verify`), auditing coverage (`audit`, per image or per stage),
//! and the OPA input.
//!
//! ```no_run
//! # async fn f() -> Result<(), stagetrail_policy::PolicyError> {
//! use stagetrail_policy::{evaluate, gather, Distill, Policy};
//! use stagetrail_oci::{ClientConfig, Reference, RegistryClient, RegistryImage};
//! let policy = Policy::read(std::path::Path::new("policy.yaml"))?;
//! let client = RegistryClient::new(ClientConfig::from_environment()?)?;
//! let image = RegistryImage::new(client, Reference::parse("127.0.0.1:5000/app:1")?);
//! let facts = gather(&image, &Distill::default()).await?;
//! for finding in evaluate(&policy, &facts, 1_700_000_000) {
//!     println!("{finding}");
//! }
//! # Ok(()) }
//! ```

pub mod audit;
pub mod coverage;
mod error;
mod evaluate;
pub mod evidence;
mod gather;
pub mod kyverno;
pub mod model;
pub mod opa;
pub mod package_match;
pub mod rego;
pub mod stage_audit;
pub mod stages;
pub mod time;
pub mod vuln;

pub use self::error::PolicyError;
pub use self::evaluate::{evaluate, Finding};
pub use self::evidence::{Distill, Evidence, ImageFacts, PlatformFacts, Signed};
pub use self::gather::gather;
pub use self::model::Policy;
