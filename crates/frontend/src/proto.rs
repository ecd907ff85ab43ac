//! Types generated at build time from our own `.proto` files in `proto/`.
//!
//! Modules nest like the proto packages, because generated code refers to other
//! packages by relative paths (`super::super::…::pb::Definition`).

pub use stagetrail_llb::pb;

/// Package `moby.*`.
pub mod moby {
    /// Package `moby.buildkit`.
    pub mod buildkit {
        /// Package `moby.buildkit.v1`.
        pub mod v1 {
            /// BuildKit's gateway API: the `LLBBridge` service and its messages.
            #[allow(missing_docs, clippy::all)]
            pub mod frontend {
                include!(concat!(env!("OUT_DIR"), "/moby.buildkit.v1.frontend.rs"));
            }
            /// API capability records announced in Ping.
            #[allow(missing_docs, clippy::all)]
            pub mod apicaps {
                include!(concat!(env!("OUT_DIR"), "/moby.buildkit.v1.apicaps.rs"));
            }
            /// Worker records announced in Ping.
            #[allow(missing_docs, clippy::all)]
            pub mod types {
                include!(concat!(env!("OUT_DIR"), "/moby.buildkit.v1.types.rs"));
            }
        }
    }
}

/// Package `fsutil.*`.
pub mod fsutil {
    /// File stat records returned by ReadDir / StatFile.
    #[allow(missing_docs, clippy::all)]
    pub mod types {
        include!(concat!(env!("OUT_DIR"), "/fsutil.types.rs"));
    }
}

/// Package `google.*`.
pub mod google {
    /// The gRPC error status carried by `Return{error}`.
    #[allow(missing_docs, clippy::all)]
    pub mod rpc {
        include!(concat!(env!("OUT_DIR"), "/google.rpc.rs"));
    }
}

/// Short alias for the gateway API package.
pub use moby::buildkit::v1::frontend as gateway;
