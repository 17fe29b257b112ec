//! Candidate search for crossdup: an in-memory inverted index for batch
//! scans ([`memory::MemIndex`]) and a persistent, incremental on-disk index
//! on tantivy ([`disk::DiskIndex`]). Both work on bags of hashed terms
//! (stems, stop-word-anchored shingles, pivot stems and anchors) computed by
//! the matcher, so the index and the matcher always tokenise the same way.
#![warn(missing_docs)]

pub mod bloom;
pub mod disk;
pub mod memory;

pub use disk::{DiskIndex, Hit, IndexError, KeyHit, Langs, StoredDoc, TermSearch};
pub use memory::{Candidate, Groups, MemIndex, Searcher};
