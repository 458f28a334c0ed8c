//! hearth-tests' integration tests: one binary, so it links once.

mod certs;
mod closing_the_loop;
mod crash;
mod edge;
mod sync;
mod tls;
