//! A panic inside the build must come back to BuildKit as an error, not as a dead frontend
//! process: [`CatchUnwind`] turns a panic while polling a future into `Err`.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Polls a future, turning a panic inside it into `Err` (what `futures`' `catch_unwind` does).
pub struct CatchUnwind<F: Future>(pub Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = std::thread::Result<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(poll) => poll.map(Ok),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

/// The text of a panic payload.
pub fn panic_message(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

/// What the user is told when the frontend panicked: the panic's text and what to do.
pub fn internal_error(panic: &(dyn Any + Send)) -> String {
    format!(
        "internal error in the stagetrail frontend: {}; please report it with the Dockerfile",
        panic_message(panic)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_while_building_becomes_an_error() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let out = rt.block_on(CatchUnwind(Box::pin(async {
            if std::hint::black_box(true) {
                panic!("limit hit at Dockerfile:3");
            }
            1
        })));
        let panic = out.unwrap_err();
        assert_eq!(panic_message(panic.as_ref()), "limit hit at Dockerfile:3");
        let ok = rt.block_on(CatchUnwind(Box::pin(async { 2 })));
        assert_eq!(ok.unwrap(), 2);
    }
}
