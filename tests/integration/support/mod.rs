//! What the integration tests share: the stack's environment, handmade fixture trees, image
//! and tree comparison, buildx drivers, local servers, and the formats' own validators.

pub mod buildx;
pub mod case;
pub mod diff;
pub mod fake_registry;
pub mod logs;
pub mod oci;
pub mod push;
pub mod pyvenv;
pub mod schema;
pub mod servers;
pub mod stack;
pub mod tree;
pub mod trees;
pub mod validators;
