//! The text pipeline of crossdup: reading documents, normalising Unicode,
//! identifying languages, segmenting sentences with byte offsets into the
//! original, tokens, stop words and stems, and syndication-noise detection.
//!
//! ```
//! use crossdup_text::{analyze, AnalyzeOptions, Document};
//! let doc = Document::new("x", "The Kremlin asked Beijing for drones.\nMore Stories\nA headline here\nAnother headline there\n");
//! let art = analyze(doc, &AnalyzeOptions::default(), None).unwrap();
//! assert_eq!(art.sentences.len(), 1);
//! ```
#![warn(missing_docs)]

pub mod analyze;
pub mod document;
pub mod lang;
pub mod lines;
pub mod noise;
pub mod normalize;
pub mod reader;
pub mod script;
pub mod segment;
pub mod tokens;
pub mod util;

pub use analyze::{analyze, AnalyzeError, AnalyzeOptions, Article, Sentence};
pub use document::Document;
pub use lang::Lang;
pub use noise::{LineStats, NoiseFlag, NoiseKind};
pub use reader::{read_inputs, ReadOptions, ReadOutcome, Skip, SkipReason};
