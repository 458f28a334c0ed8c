//! hearth-tests' integration tests: one binary, so it links once.

mod crash;
mod sync;
