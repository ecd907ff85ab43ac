//! Test-only: a fake buildkitd serving `LLBBridge` over an in-memory duplex
//! stream, recording every request it gets.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use prost::Message as _;
use tokio::sync::watch;
use tonic::{Request, Response, Status};

use super::Bridge;
use crate::proto::fsutil::types::Stat;
use crate::proto::gateway::llb_bridge_server::{LlbBridge, LlbBridgeServer};
use crate::proto::gateway::{self as gw, *};
use crate::proto::moby::buildkit::v1::{apicaps::ApiCap, types};
use stagetrail_llb::pb;
use std::result::Result;

/// How long a held build Solve waits for the others before it goes on alone (a bound that
/// lets a test of sequential Solves fail instead of hanging, never a wait that succeeds).
const HOLD_BOUND: Duration = Duration::from_secs(30);

/// What the fake server saw.
#[derive(Debug, Default)]
pub struct Log {
    pub solves: Vec<SolveRequest>,
    pub reads: Vec<String>,
    pub resolves: Vec<String>,
    pub warns: Vec<WarnRequest>,
    pub returns: Vec<ReturnRequest>,
}

/// The fake server's behaviour.
#[derive(Clone, Debug, Default)]
pub struct Fake {
    /// Gateway caps announced in Ping.
    pub caps: Vec<&'static str>,
    /// BuildKit version announced by the worker.
    pub version: String,
    /// Files every solved ref contains.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Requests received.
    pub log: Arc<Mutex<Log>>,
    /// When set, every Solve of a build (a definition with a `docker-image://` source) is held
    /// until this many of them have been in flight at once, so a test tells concurrent Solves
    /// from sequential ones by [`BuildSolves::most_at_once`], not by time.
    pub hold_builds: Option<usize>,
    /// The build Solves in flight.
    pub build_solves: BuildSolves,
}

/// Build Solves in flight: `(now, most at once)`, watched by the held ones.
#[derive(Clone, Debug)]
pub struct BuildSolves(Arc<watch::Sender<(usize, usize)>>);

impl Default for BuildSolves {
    fn default() -> Self {
        BuildSolves(Arc::new(watch::channel((0, 0)).0))
    }
}

impl BuildSolves {
    /// The most build Solves that were in flight at the same time.
    pub fn most_at_once(&self) -> usize {
        self.0.borrow().1
    }

    /// Counts one Solve in, waits until `hold` were in flight at once (bounded), counts it out.
    async fn hold(&self, hold: usize) {
        self.0.send_modify(|(now, most)| {
            *now += 1;
            *most = (*most).max(*now);
        });
        let mut rx = self.0.subscribe();
        let _ = tokio::time::timeout(HOLD_BOUND, rx.wait_for(|(_, most)| *most >= hold)).await;
        self.0.send_modify(|(now, _)| *now -= 1);
    }
}

/// True when `req` solves a definition that starts from an image (a build, not a file load).
fn is_build(req: &SolveRequest) -> bool {
    let ops = req.definition.iter().flat_map(|d| &d.def);
    ops.filter_map(|bytes| pb::Op::decode(bytes.as_slice()).ok())
        .any(|op| matches!(op.op, Some(pb::op::Op::Source(s)) if s.identifier.starts_with("docker-image://")))
}

impl Fake {
    /// A server with every cap stagetrail uses and `files`.
    pub fn full(files: &[(&str, &str)]) -> Fake {
        Fake {
            caps: vec![
                "solve.base",
                "resolveimage",
                "readfile",
                "readdir",
                "statfile",
                "return",
                "returnmap",
                "proto.refarray",
                "gateway.warnings",
                "reference.attestations",
            ],
            version: "v0.13.2".into(),
            files: files
                .iter()
                .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
                .collect(),
            log: Arc::default(),
            hold_builds: None,
            build_solves: BuildSolves::default(),
        }
    }

    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts the server and returns a pinged bridge connected to it.
    pub async fn start(&self) -> Bridge {
        let (client_io, server_io) = tokio::io::duplex(1 << 20);
        let svc = LlbBridgeServer::new(self.clone());
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(svc)
                .serve_with_incoming(tokio_stream::once(Ok::<_, std::io::Error>(server_io))),
        );
        // Like stdin + stdout: one reader and one writer joined into a duplex.
        let (read, write) = tokio::io::split(client_io);
        let channel = super::transport::connect(tokio::io::join(read, write))
            .await
            .expect("connect");
        Bridge::connect(channel, None).await.expect("ping")
    }
}

#[tonic::async_trait]
impl LlbBridge for Fake {
    async fn resolve_image_config(
        &self,
        req: Request<ResolveImageConfigRequest>,
    ) -> Result<Response<ResolveImageConfigResponse>, Status> {
        let r = req.into_inner().r#ref;
        self.log().resolves.push(r.clone());
        if r.contains("doesnotexist") {
            return Err(Status::not_found(format!("{r}: not found")));
        }
        Ok(Response::new(ResolveImageConfigResponse {
            digest: "sha256:0123".into(),
            config: br#"{"architecture":"amd64","os":"linux","config":{}}"#.to_vec(),
            r#ref: r,
        }))
    }

    async fn solve(&self, req: Request<SolveRequest>) -> Result<Response<SolveResponse>, Status> {
        let req = req.into_inner();
        if let Some(hold) = self.hold_builds.filter(|_| is_build(&req)) {
            self.build_solves.hold(hold).await;
        }
        let mut log = self.log();
        log.solves.push(req);
        let id = format!("ref{}", log.solves.len());
        Ok(Response::new(SolveResponse {
            r#ref: String::new(),
            result: Some(gw::Result {
                result: Some(result::Result::Ref(Ref { id, def: None })),
                ..Default::default()
            }),
        }))
    }

    async fn read_file(
        &self,
        req: Request<ReadFileRequest>,
    ) -> Result<Response<ReadFileResponse>, Status> {
        let path = req.into_inner().file_path;
        self.log().reads.push(path.clone());
        match self.files.get(&path) {
            Some(data) => Ok(Response::new(ReadFileResponse { data: data.clone() })),
            None => Err(Status::not_found(format!("open {path}: no such file"))),
        }
    }

    async fn read_dir(
        &self,
        _req: Request<ReadDirRequest>,
    ) -> Result<Response<ReadDirResponse>, Status> {
        let entries = self
            .files
            .keys()
            .map(|p| Stat {
                path: p.clone(),
                ..Default::default()
            })
            .collect();
        Ok(Response::new(ReadDirResponse { entries }))
    }

    async fn stat_file(
        &self,
        req: Request<StatFileRequest>,
    ) -> Result<Response<StatFileResponse>, Status> {
        let path = req.into_inner().path;
        let stat = self.files.get(&path).map(|d| Stat {
            path: path.clone(),
            size: d.len() as i64,
            ..Default::default()
        });
        match stat {
            Some(stat) => Ok(Response::new(StatFileResponse { stat: Some(stat) })),
            None => Err(Status::not_found(path)),
        }
    }

    async fn ping(&self, _req: Request<PingRequest>) -> Result<Response<PongResponse>, Status> {
        let cap = |id: &&str| ApiCap {
            id: id.to_string(),
            enabled: true,
            ..Default::default()
        };
        Ok(Response::new(PongResponse {
            frontend_api_caps: self.caps.iter().map(cap).collect(),
            llb_caps: vec![cap(&"source.local")],
            workers: vec![types::WorkerRecord {
                id: "w0".into(),
                buildkit_version: Some(types::BuildkitVersion {
                    version: self.version.clone(),
                    ..Default::default()
                }),
                ..Default::default()
            }],
        }))
    }

    async fn r#return(
        &self,
        req: Request<ReturnRequest>,
    ) -> Result<Response<ReturnResponse>, Status> {
        self.log().returns.push(req.into_inner());
        Ok(Response::new(ReturnResponse {}))
    }

    async fn inputs(
        &self,
        _req: Request<InputsRequest>,
    ) -> Result<Response<InputsResponse>, Status> {
        Ok(Response::new(InputsResponse::default()))
    }

    async fn warn(&self, req: Request<WarnRequest>) -> Result<Response<WarnResponse>, Status> {
        self.log().warns.push(req.into_inner());
        Ok(Response::new(WarnResponse {}))
    }
}
