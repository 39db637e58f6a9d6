//! Everything sprawl keeps between runs: content fingerprints of secrets (keyed BLAKE3),
//! baselines of accepted findings, caches of compiled rule databases, and the incremental
//! state of organisation sweeps (`state`, SQLite).
//!
//! **Architecture Invariant:** this is the only crate that writes persistent state. Others
//! hand it bytes (a compiled database, a baseline) and it decides where they live.

pub mod baseline;
pub mod cache;
pub mod fingerprint;
pub mod state;
