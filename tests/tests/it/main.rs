//! hearth-tests' integration tests: one binary, so it links once.

mod closing_the_loop;
mod crash;
mod sync;
