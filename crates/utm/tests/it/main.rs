//! The `utm` crate's integration tests in one test binary (one link instead of one per file):
//! the `run_parse` CLI side, the shared vendor corpus, the generator, robustness on random
//! input, per-vendor fixtures, the structured fields and the ECS output.

mod catalogue;
mod cli;
mod corpus;
mod fields;
mod generate;
mod output;
mod robustness;
mod vendors;
