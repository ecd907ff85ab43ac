//! `stagetrail frontend`: run as a BuildKit gateway frontend (the image's entrypoint).
//! stdout carries gRPC; all logging goes to stderr.

use tracing_subscriber::EnvFilter;

/// Runs the frontend; returns the process exit code.
pub fn main() -> i32 {
    let filter =
        EnvFilter::try_from_env("STAGETRAIL_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(filter)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!("cannot start the async runtime: {e}");
            return 1;
        }
    };
    let outcome = runtime.block_on(stagetrail_frontend::run());
    // A blocking read on stdin would keep a normal runtime shutdown waiting forever.
    runtime.shutdown_background();
    match outcome {
        Ok(()) => 0,
        Err(e) => {
            tracing::error!("{e}");
            1
        }
    }
}
