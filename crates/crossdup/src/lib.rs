//! crossdup finds copies of news articles across a collection, in any of its
//! languages: exact and near duplicates, rewritten ("spun") copies and
//! translations, each backed by a sentence alignment, while it flags the
//! syndication noise scraped pages carry.
//!
//! This crate is the library facade: it re-exports the text pipeline
//! ([`text`]), candidate search ([`index`]) and matching ([`matching`]), and
//! offers whole-collection scans ([`scan()`]).
#![warn(missing_docs)]

pub mod archive;
pub mod records;
pub mod scan;
pub mod shard;

pub use crossdup_index as index;
pub use crossdup_match as matching;
pub use crossdup_text as text;

pub use archive::{Added, Archive, ArchiveError, Prepared};
pub use crossdup_text::{read_inputs, Document, Lang, ReadOptions};
pub use records::{AlignedSpan, ClusterRecord, DocRecord, NoiseRecord, PairRecord};
pub use scan::{collection_language, scan, Failure, ScanOptions, ScanOutput, Stage};
