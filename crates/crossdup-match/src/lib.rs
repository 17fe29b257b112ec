//! Matching for crossdup: bilingual lexicons and thesauri, language-independent
//! anchors, sentence alignment within and across languages, and the verdicts
//! (exact, near duplicate, rewrite, translation) with scores and coverage.
#![warn(missing_docs)]

pub mod align;
pub mod bitext;
pub mod features;
pub mod lexicon;
pub mod model1;
pub mod resources;
pub mod similarity;
pub mod verdict;

pub use align::{align, AlignParams, Link};
pub use features::{mono_terms, pivot_terms, profile, search_terms, Profile};
pub use similarity::{Bilingual, BilingualPair, Cognates, Monolingual, SentenceSimilarity};
pub use verdict::{compare, plausible, PairMatch, Relation, VerdictParams};
