//! The gRPC channel to buildkitd: HTTP/2 cleartext with prior knowledge over one
//! duplex byte stream (stdin + stdout in frontend mode, an in-memory pipe in tests).

use std::sync::{Arc, Mutex};

use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tonic::transport::{Channel, Endpoint, Uri};

/// Connects a channel over `io`; the authority is `localhost`. The stream can be
/// used once: if buildkitd hangs up, reconnecting fails with a clear error.
pub async fn connect<IO>(io: IO) -> Result<Channel, tonic::transport::Error>
where
    IO: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let slot = Arc::new(Mutex::new(Some(io)));
    let connector = tower::service_fn(move |_: Uri| {
        let io = slot.lock().ok().and_then(|mut s| s.take());
        async move {
            io.map(TokioIo::new).ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::NotConnected,
                    "the stdio connection to buildkitd was closed and cannot be reopened",
                )
            })
        }
    });
    Endpoint::from_static("http://localhost")
        .connect_with_connector(connector)
        .await
}

/// Connects over this process's stdin (server → us) and stdout (us → server).
/// From here on nothing else may write to stdout.
pub async fn connect_stdio() -> Result<Channel, tonic::transport::Error> {
    connect(tokio::io::join(tokio::io::stdin(), tokio::io::stdout())).await
}
