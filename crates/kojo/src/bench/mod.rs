//! `kojo bench …`: measurements whose figures go into `docs/benchmarks.md`. Never timed
//! assertions: these print figures, tests assert behaviour.

pub mod intake;
pub mod utm;
