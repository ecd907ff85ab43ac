//! BuildKit gateway client (frontend mode): gRPC over stdin/stdout, option parsing,
//! caps checks and the `Return` of the build result. No conversion logic lives here.

mod csv;
pub mod opts;
mod values;
mod workers;
