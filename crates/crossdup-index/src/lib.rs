//! Candidate search for crossdup: an in-memory inverted index for batch
//! scans ([`memory::MemIndex`]).
#![warn(missing_docs)]

pub mod memory;

pub use memory::{Candidate, MemIndex};
