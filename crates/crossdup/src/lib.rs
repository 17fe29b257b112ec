//! crossdup finds copies of news articles across a collection, in any of its
//! languages: exact and near duplicates, rewritten ("spun") copies and
//! translations, each backed by a sentence alignment, while it flags the
//! syndication noise scraped pages carry.
//!
//! This crate is the library behind the `crossdup` command. It offers three
//! ways in, from the simplest:
//!
//! - [`scan()`] compares every document of a collection with every other;
//! - [`Archive`] keeps documents in an index folder and checks new ones
//!   against everything stored, as `crossdup check` and `crossdup serve` do;
//! - [`matching::bitext`] aligns two parallel texts sentence by sentence, as
//!   `crossdup align` does.
//!
//! Underneath are the text pipeline ([`text`]: reading, language
//! identification, sentences, noise), candidate search ([`index`]) and
//! matching ([`matching`]: alignment and verdicts), re-exported whole. How
//! they fit together is in `docs/architecture.md` of the repository.
//!
//! # Scan a collection
//!
//! Build [`Document`]s (or read them from paths with [`read_inputs`], which
//! takes files, folders and JSON Lines as the command line does), then
//! [`scan()`] them. The third argument is a progress callback.
//!
//! ```
//! use crossdup::{scan, Document, ScanOptions};
//!
//! let story = "The port authority closed the northern harbour after a fire on Tuesday night.\n\
//!              Firefighters needed six hours to bring the blaze under control, officials said.\n";
//! let other = "The city council approved the new tram line to the university on Monday.\n\
//!              Work on the first section will begin next spring, the mayor said.\n";
//! let docs = vec![
//!     Document::new("wire/1", story),
//!     Document::new("site/7", story),
//!     Document::new("wire/2", other),
//! ];
//! let out = scan(docs, &ScanOptions::default(), &|_stage, _done, _total| {});
//!
//! assert_eq!(out.pairs.len(), 1);
//! let pair = &out.pairs[0];
//! assert_eq!((pair.a.as_str(), pair.b.as_str()), ("wire/1", "site/7"));
//! assert_eq!(pair.relation, "exact");
//! // Every pair carries its alignment: byte spans into both texts.
//! let first = &pair.alignment[0];
//! assert_eq!(&story[first.a[0]..first.a[1]], &story[first.b[0]..first.b[1]]);
//! // One doc record per document, with its language and noise lines.
//! assert_eq!(out.docs.len(), 3);
//! assert_eq!(out.docs[0].lang, "en");
//! ```
//!
//! The records ([`PairRecord`], [`DocRecord`], [`ClusterRecord`]) implement
//! `serde::Serialize` and are exactly what `crossdup scan --format jsonl`
//! prints. [`ScanOptions`] sets the language, the score threshold and the
//! verdicts' parameters.
//!
//! # Check articles against an archive
//!
//! An [`Archive`] is a persistent index folder. [`Archive::add`] stores a
//! document and returns the copies found among those stored before it;
//! [`Archive::check`] only looks. Writes are seen by checks once
//! [`Archive::commit`] has run.
//!
//! ```
//! use crossdup::{Archive, Document};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let archive = Archive::open(dir.path().join("archive")).unwrap();
//! let story = "The port authority closed the northern harbour after a fire on Tuesday night.\n\
//!              Firefighters needed six hours to bring the blaze under control, officials said.\n";
//! let added = archive.add(Document::new("wire/1", story)).unwrap();
//! assert!(added.matches.is_empty());
//! archive.commit().unwrap();
//!
//! let found = archive.check(&Document::new("site/7", story)).unwrap();
//! assert_eq!(found[0].a, "site/7");
//! assert_eq!(found[0].b, "wire/1");
//! assert_eq!(found[0].relation, "exact");
//! assert_eq!(archive.len(), 1); // a check adds nothing
//! ```
//!
//! # Align two texts
//!
//! The bitext aligner puts every sentence of two parallel texts into one
//! bead, in order. [`matching::bitext::article_from_lines`] takes one
//! sentence a line; [`text::analyze()`] cuts running text into sentences.
//!
//! ```
//! use crossdup::matching::bitext::{align_bitext, article_from_lines, BitextOptions};
//! use crossdup::{Document, Lang};
//!
//! let en = "The house is green.\nIt has 3 windows.\nPeter lives there.\n";
//! let it = "La casa è verde.\nHa 3 finestre.\nPeter ci vive.\n";
//! let a = article_from_lines(Document::new("en", en), Lang::En);
//! let b = article_from_lines(Document::new("it", it), Lang::It);
//! let beads = align_bitext(&a, &b, &BitextOptions::default()).beads;
//! // Sentence ranges [first, end) of each side: three one-to-one beads.
//! let ranges: Vec<_> = beads.iter().map(|bead| (bead.a, bead.b)).collect();
//! assert_eq!(ranges, [((0, 1), (0, 1)), ((1, 2), (1, 2)), ((2, 3), (2, 3))]);
//! ```
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

/// The code examples of the README, run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
