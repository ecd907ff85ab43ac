//! End-to-end conversion tests.
