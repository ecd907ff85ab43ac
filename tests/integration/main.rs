//! stagetrail's integration tests, one binary: the CLI, the conversion corpus, the catalogers,
//! the registry client, and the end-to-end suites that drive the real Docker Engine + BuildKit
//! and registry started by `scripts/stack` (`parity`, `example_e2e`, `sbom_e2e`, `sbom_paths_e2e`,
//! `record_e2e`, `policy_e2e`, `registry_e2e`, `vuln_e2e`, `subrequests_e2e`, `checks_e2e`,
//! `remote_context_e2e`). Shared helpers
//! live in [`support`].

mod support;

mod catalog;
mod catalog_real;
mod checks_e2e;
mod cli_convert;
mod cli_sbom;
mod cli_verify;
mod dpkg_host;
mod example_e2e;
mod fixtures;
mod parity;
mod policy_e2e;
mod record_e2e;
mod record_schema;
mod registry_e2e;
mod registry_errors;
mod registry_layout;
mod remote_context_e2e;
mod sbom_e2e;
mod sbom_paths_e2e;
mod sbom_validate;
mod subrequests_e2e;
mod vuln_e2e;
