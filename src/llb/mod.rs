//! Typed LLB: ops, the `State` builder and deterministic `Definition` marshalling.
