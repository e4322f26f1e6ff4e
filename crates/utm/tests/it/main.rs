//! The `utm` crate's integration tests in one test binary (one link instead of one per file):
//! the `run_parse` CLI side, the shared vendor corpus, the generator, robustness on random
//! input, and per-vendor fixtures.

mod catalogue;
mod cli;
mod corpus;
mod generate;
mod robustness;
mod vendors;
