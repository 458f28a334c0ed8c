//! hearth-tests: tests and benchmarks that run Hearth's real parts — real SQLite files,
//! real child processes killed at random moments — and the figures `make bench` prints.

pub mod bench;
pub mod e2e;
pub mod office;
pub mod on_server;
pub mod online;
pub mod postgres;
pub mod proxy;
pub mod server;
pub mod tablet;
