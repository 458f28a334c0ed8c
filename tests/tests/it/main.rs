//! hearth-tests' integration tests: one binary, so it links once.

mod api_schema;
mod certs;
mod closing_the_loop;
mod crash;
mod edge;
mod instances;
mod jepsen;
mod network;
mod sync;
mod tls;
