//! A persistent archive of articles: add them one by one, check new ones
//! against everything seen, delete, and scan the whole archive.

use std::path::Path;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crossdup_index::{DiskIndex, IndexError, KeyHit, Langs, StoredDoc, TermSearch};
use crossdup_match::{compare, mono_terms, pivot_terms, plausible, profile, search_terms, Profile};
use crossdup_text::{analyze, AnalyzeError, AnalyzeOptions, Document, Lang};

use crate::records::{DocRecord, PairRecord};
use crate::scan::ScanOptions;

/// Errors of archive operations.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The index could not be opened or written.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// The document could not be analysed (unknown language, no text).
    #[error(transparent)]
    Analyze(#[from] AnalyzeError),
    /// A document with this id is already in the archive.
    #[error("document {0:?} is already in the archive")]
    Duplicate(String),
    /// The document is empty or otherwise unusable.
    #[error("document {id:?}: {why}")]
    Invalid {
        /// Document id.
        id: String,
        /// What is wrong.
        why: String,
    },
}

/// What happened to an added document.
#[derive(Clone, Debug)]
pub struct Added {
    /// Its record (language, noise).
    pub doc: DocRecord,
    /// The copies found in the archive before it was added.
    pub matches: Vec<PairRecord>,
}

/// A document analysed and matched against the archive, ready to be
/// written by [`Archive::insert`].
#[derive(Clone, Debug)]
pub struct Prepared {
    stored: StoredDoc,
    record: DocRecord,
    profile: std::sync::Arc<Profile>,
    /// The copies found in the archive.
    pub matches: Vec<PairRecord>,
}

impl Prepared {
    /// The document's profile (for comparing it with others not yet indexed).
    pub fn profile(&self) -> &std::sync::Arc<Profile> {
        &self.profile
    }

    /// The document's id.
    pub fn id(&self) -> &str {
        &self.stored.id
    }
}

/// A persistent, incremental archive on a crossdup index folder.
///
/// ```
/// use crossdup::{Archive, Document};
/// let dir = tempfile::tempdir().unwrap();
/// let archive = Archive::open(dir.path().join("archive")).unwrap();
/// let text = "The port authority closed the northern harbour after a fire on Tuesday night.\nFirefighters needed six hours to bring the blaze under control, officials said.\n";
/// archive.add(Document::new("wire/1", text)).unwrap();
/// archive.commit().unwrap();
/// let copy = Document::new("site/2", text);
/// let found = archive.check(&copy).unwrap();
/// assert_eq!(found[0].b, "wire/1");
/// assert_eq!(found[0].relation, "exact");
/// ```
pub struct Archive {
    index: DiskIndex,
    opts: ScanOptions,
    cache: Mutex<FxHashMap<String, std::sync::Arc<Profile>>>,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

const CACHE_MAX: usize = 50_000;

/// Cross-language candidates of a check: beside the best `candidates` of
/// the other languages, the best this many of each (the best of one
/// language can all outrank another's only translation).
const CROSS_PER_LANGUAGE: usize = 1;

/// Candidates of a check scoring at least this share of the best of their
/// language are verified whatever the sentence-pair budget
/// ([`ScanOptions::check_sentence_pairs`]).
const CLOSE_TO_BEST: f32 = 0.9;

/// A candidate with more than this many times the sentences of the checked
/// document, or fewer than its share, cannot be its translation or its whole
/// copy: however it ranks, it is verified only within the budget.
const ALWAYS_LENGTH_RATIO: usize = 8;

/// What [`within_budget`] needs to know of a candidate of a check.
#[derive(Clone, Copy, Debug)]
struct Candidate {
    /// Best of its language, or close to it.
    always: bool,
    /// Its sentences.
    sents: usize,
    /// Whether the whole-document test ([`plausible`]) lets it be aligned.
    plausible: bool,
}

/// Which candidates of a check with `n` sentences are verified, best first:
/// none that the whole-document test rules out (their verdict is none
/// without an alignment, so they take nothing from the budget); every
/// `always` one of a length a translation or a whole copy can have (at
/// most [`ALWAYS_LENGTH_RATIO`] times the sentences of the other); the
/// others while the products of the two sentence counts add up to at most
/// `budget` (one too large for what is left is passed over, and smaller
/// ones after it may still fit).
fn within_budget(n: usize, cands: &[Candidate], mut budget: usize) -> Vec<bool> {
    cands
        .iter()
        .map(|c| {
            if !c.plausible {
                return false;
            }
            let m = c.sents;
            let pairs = n.saturating_mul(m);
            let alike = n.max(m) <= n.min(m).max(1).saturating_mul(ALWAYS_LENGTH_RATIO);
            if c.always && alike {
                true
            } else if pairs <= budget {
                budget -= pairs;
                true
            } else {
                false
            }
        })
        .collect()
}

impl Archive {
    /// Opens the archive in `dir`, creating it if the folder is missing or empty.
    pub fn open(dir: impl AsRef<Path>) -> Result<Archive, ArchiveError> {
        Ok(Archive::with_index(DiskIndex::open_or_create(
            dir.as_ref(),
        )?))
    }

    /// Opens an existing archive; fails if there is none.
    pub fn open_existing(dir: impl AsRef<Path>) -> Result<Archive, ArchiveError> {
        Ok(Archive::with_index(DiskIndex::open(dir.as_ref())?))
    }

    fn with_index(index: DiskIndex) -> Archive {
        Archive {
            index,
            opts: ScanOptions::default(),
            cache: Mutex::new(FxHashMap::default()),
        }
    }

    /// Sets the scan options used by checks (language override, thresholds).
    pub fn set_options(&mut self, opts: ScanOptions) {
        self.opts = opts;
    }

    /// The underlying index.
    pub fn index(&self) -> &DiskIndex {
        &self.index
    }

    fn analyze_doc(&self, doc: Document) -> Result<(DocRecord, Profile), ArchiveError> {
        if doc.id.is_empty() {
            return Err(ArchiveError::Invalid {
                id: doc.id,
                why: "empty id".into(),
            });
        }
        if doc.text.trim().is_empty() {
            return Err(ArchiveError::Invalid {
                id: doc.id,
                why: "no text".into(),
            });
        }
        let art = analyze(
            doc,
            &AnalyzeOptions {
                lang: self.opts.lang,
                fallback: None,
                prefer: None,
            },
            None,
        )?;
        Ok((DocRecord::new(&art), profile(&art)))
    }

    fn cached_profile(&self, id: &str) -> Option<std::sync::Arc<Profile>> {
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    fn stored_profile(&self, d: &StoredDoc) -> Option<std::sync::Arc<Profile>> {
        if let Some(p) = self.cached_profile(&d.id) {
            return Some(p);
        }
        let doc = Document {
            id: d.id.clone(),
            text: d.text.clone(),
            lang: Some(d.lang.clone()),
            source: d.source.clone(),
            published: d.published.clone(),
        };
        let art = analyze(doc, &AnalyzeOptions::default(), None).ok()?;
        let p = std::sync::Arc::new(profile(&art));
        let mut c = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if c.len() >= CACHE_MAX {
            c.clear();
        }
        c.insert(d.id.clone(), p.clone());
        Some(p)
    }

    /// The profile of a search hit: the remembered one, or one made from
    /// the stored document (read now if the search did not, which happens
    /// only when the memory was emptied since).
    fn hit_profile(&self, h: &KeyHit) -> Option<std::sync::Arc<Profile>> {
        match &h.doc {
            Some(d) => self.stored_profile(d),
            None => match self.cached_profile(&h.id) {
                Some(p) => Some(p),
                None => self.stored_profile(&self.index.get(&h.id).ok()??),
            },
        }
    }

    /// Copies of `p` in the index. `stored`: `p` is itself in the index (its
    /// own entry is skipped, and so are terms only it has). `replacing`: `p`
    /// will replace the entry with its id, so that entry is skipped too.
    fn matches_of(
        &self,
        p: &Profile,
        stored: bool,
        replacing: bool,
    ) -> Result<Vec<PairRecord>, ArchiveError> {
        let k = self.opts.candidates;
        let min_df = if stored { 2 } else { 1 };
        let (mono, pivot) = (mono_terms(p), pivot_terms(p));
        let lang = p.lang.code();
        let search = |terms, k, langs, per_lang| TermSearch {
            terms,
            k,
            max_terms: 128,
            min_df,
            langs,
            per_lang,
        };
        // Stored texts are read only for documents whose profile is not
        // remembered.
        let unknown = |id: &str| self.cached_profile(id).is_none();
        // Languages are filtered before the best are taken: documents of the
        // query's language that resemble it must not crowd out its
        // translations, nor one language's translations the others'.
        let mut found = self.index.search_all_keys(
            &[
                search(&mono, k + 1, Langs::Only(lang), 0),
                search(&pivot, k, Langs::Except(lang), CROSS_PER_LANGUAGE),
            ],
            &unknown,
        )?;
        let mut cross = found.pop().unwrap_or_default();
        let mut mono = found.pop().unwrap_or_default();
        let mut seen = std::collections::HashSet::new();
        let mut keep =
            |h: &KeyHit| !((stored || replacing) && h.id == p.id) && seen.insert(h.id.clone());
        mono.retain(&mut keep);
        cross.retain(&mut keep);
        // Best first, the two lists taken in turns. The best of each language
        // is always verified (the same language's best among the copies), and
        // so is any scoring close to it: a partial copy can outscore the
        // whole original.
        let mut best: FxHashMap<&str, f32> = FxHashMap::default();
        for h in mono.iter().chain(&cross) {
            let b = best.entry(h.lang.as_str()).or_insert(h.score);
            *b = b.max(h.score);
        }
        let mut hits: Vec<(&KeyHit, bool)> = Vec::with_capacity(mono.len() + cross.len());
        for i in 0..mono.len().max(cross.len()) {
            for h in [mono.get(i), cross.get(i)].into_iter().flatten() {
                hits.push((h, h.score >= best[h.lang.as_str()] * CLOSE_TO_BEST));
            }
        }
        let profiles: Vec<Option<std::sync::Arc<Profile>>> =
            hits.par_iter().map(|(h, _)| self.hit_profile(h)).collect();
        // The others, and those of a length no translation or whole copy
        // has, while the sentence pairs to align stay within budget (see
        // [`within_budget`]).
        let budget = self.opts.check_sentence_pairs;
        let found: Vec<(bool, std::sync::Arc<Profile>)> = hits
            .iter()
            .zip(profiles)
            .filter_map(|((_, always), q)| Some((*always, q?)))
            .collect();
        let shape: Vec<Candidate> = found
            .iter()
            .map(|(always, q)| Candidate {
                always: *always,
                sents: q.sents.len(),
                plausible: plausible(p, q, &self.opts.verdict),
            })
            .collect();
        let take = within_budget(p.sents.len(), &shape, budget);
        let mut cands: Vec<std::sync::Arc<Profile>> = found
            .into_iter()
            .zip(take)
            .filter_map(|((_, q), t)| t.then_some(q))
            .collect();
        // Candidates are verified in parallel: a check's latency is that of
        // its slowest alignments, not of their sum. The longest start first,
        // so that one of them is not left to run alone at the end.
        cands.sort_by_key(|q| std::cmp::Reverse(q.sents.len()));
        let mut out: Vec<PairRecord> = cands
            .par_iter()
            .with_max_len(1)
            .filter_map(|q| {
                compare(p, q, &self.opts.verdict)
                    .filter(|m| m.score >= self.opts.min_score)
                    .map(|m| PairRecord::new(p, q, &m))
            })
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.b.cmp(&b.b)));
        Ok(out)
    }

    /// Finds the copies, rewrites and translations of `doc` in the archive,
    /// without adding it. In the records, `a` is `doc`.
    pub fn check(&self, doc: &Document) -> Result<Vec<PairRecord>, ArchiveError> {
        let (_, p) = self.analyze_doc(doc.clone())?;
        self.matches_of(&p, false, false)
    }

    /// Checks and adds a document; fails with [`ArchiveError::Duplicate`] if
    /// its id is taken. Call [`Archive::commit`] to make it durable.
    pub fn add(&self, doc: Document) -> Result<Added, ArchiveError> {
        let prepared = self.prepare_new(doc)?;
        self.insert(prepared)
    }

    /// Checks and adds a document, replacing any with the same id.
    pub fn put(&self, doc: Document) -> Result<Added, ArchiveError> {
        let prepared = self.prepare(doc)?;
        self.insert(prepared)
    }

    /// The read-only half of [`Archive::add`]: refuses a taken id, analyses
    /// the document and finds its matches, without writing anything. Many
    /// documents can be prepared in parallel; [`Archive::insert`] then
    /// writes them one by one.
    pub fn prepare_new(&self, doc: Document) -> Result<Prepared, ArchiveError> {
        if self.index.get(&doc.id)?.is_some() {
            return Err(ArchiveError::Duplicate(doc.id));
        }
        self.prepare(doc)
    }

    /// The read-only half of [`Archive::put`] (an existing entry with the
    /// same id is left out of the matches, since it will be replaced).
    pub fn prepare(&self, doc: Document) -> Result<Prepared, ArchiveError> {
        let stored_base = (doc.text.clone(), doc.source.clone(), doc.published.clone());
        let given_lang = doc.lang.clone();
        let (rec, p) = self.analyze_doc(doc)?;
        let matches = self.matches_of(&p, false, true)?;
        let stored = StoredDoc {
            id: p.id.clone(),
            text: stored_base.0,
            lang: p.lang.code().to_string(),
            given_lang,
            source: stored_base.1,
            published: stored_base.2,
            added: now(),
        };
        Ok(Prepared {
            stored,
            record: rec,
            profile: std::sync::Arc::new(p),
            matches,
        })
    }

    /// Writes a prepared document (replacing any entry with its id). Durable
    /// after [`Archive::commit`].
    pub fn insert(&self, prepared: Prepared) -> Result<Added, ArchiveError> {
        let Prepared {
            stored,
            record,
            profile,
            matches,
        } = prepared;
        self.index.add(&stored, &search_terms(&profile))?;
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(profile.id.clone(), profile);
        Ok(Added {
            doc: record,
            matches,
        })
    }

    /// Makes every add and delete so far durable and visible.
    pub fn commit(&self) -> Result<(), ArchiveError> {
        Ok(self.index.commit()?)
    }

    /// Lets checks search the index segments merged in the background since
    /// the last commit (fewer and larger, so faster to search). Returns
    /// whether anything changed; a service calls it now and then.
    pub fn refresh(&self) -> Result<bool, ArchiveError> {
        Ok(self.index.refresh()?)
    }

    /// Starts merging the index's small segments (each commit makes one) into
    /// one, in the background, when there are two or more; returns how many
    /// it asked to merge (0: nothing to do). If one of them is being merged
    /// already, the request is refused without effect: ask again later.
    /// tantivy merges them only 8 at a time, so an archive whose writes
    /// pause keeps up to 7, and every check searches each. A service calls
    /// this once writes pause, then [`Archive::refresh`] shows the result.
    pub fn merge_small_segments(&self) -> Result<usize, ArchiveError> {
        Ok(self.index.merge_small_segments()?)
    }

    /// Deletes a document; returns whether it was there. Durable after commit.
    pub fn delete(&self, id: &str) -> Result<bool, ArchiveError> {
        let had = self.index.get(id)?.is_some();
        self.index.delete(id)?;
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
        Ok(had)
    }

    /// Drops documents added more than `days` days ago.
    pub fn expire_older_than(&self, days: u64) -> Result<(), ArchiveError> {
        let cutoff = now().saturating_sub(days * 86_400);
        self.index.delete_added_before(cutoff)?;
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).clear();
        Ok(())
    }

    /// A stored document.
    pub fn get(&self, id: &str) -> Result<Option<StoredDoc>, ArchiveError> {
        Ok(self.index.get(id)?)
    }

    /// The copies of a stored document among the others; `None` if unknown.
    pub fn matches(&self, id: &str) -> Result<Option<Vec<PairRecord>>, ArchiveError> {
        let Some(d) = self.index.get(id)? else {
            return Ok(None);
        };
        let Some(p) = self.stored_profile(&d) else {
            return Ok(Some(Vec::new()));
        };
        Ok(Some(self.matches_of(&p, true, true)?))
    }

    /// Every stored document as a [`Document`], sorted by id (for full scans).
    pub fn documents(&self) -> Result<Vec<Document>, ArchiveError> {
        Ok(self
            .index
            .all()?
            .into_iter()
            .map(|d| Document {
                id: d.id,
                text: d.text,
                lang: d.given_lang,
                source: d.source,
                published: d.published,
            })
            .collect())
    }

    /// Number of committed documents.
    pub fn len(&self) -> u64 {
        self.index.len()
    }

    /// Whether the archive is empty.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Committed documents per language.
    pub fn languages(&self) -> Result<std::collections::BTreeMap<String, u64>, ArchiveError> {
        Ok(self.index.languages()?)
    }

    /// Loads now the bilingual lexicons and thesauri of the archive's
    /// languages and of English, which checks otherwise load at first use
    /// (the first check in a language after a start can wait a second for
    /// them). Returns the languages loaded.
    pub fn preload(&self) -> Result<Vec<Lang>, ArchiveError> {
        let mut langs: Vec<Lang> = self
            .languages()?
            .keys()
            .filter_map(|c| Lang::from_code(c))
            .collect();
        if !langs.contains(&Lang::En) {
            langs.push(Lang::En);
        }
        crossdup_match::lexicon::preload(&langs);
        Ok(langs)
    }

    /// Language of a code, for callers that validate input.
    pub fn parse_lang(code: &str) -> Option<Lang> {
        Lang::from_code(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(always: bool, sents: usize, plausible: bool) -> Candidate {
        Candidate {
            always,
            sents,
            plausible,
        }
    }

    #[test]
    fn a_candidate_ruled_out_by_the_whole_document_test_takes_nothing_from_the_budget() {
        // A 10-sentence check; budget for one 40-sentence candidate.
        let cands = [
            cand(false, 40, false), // would take the whole budget
            cand(false, 40, true),
            cand(false, 30, true), // does not fit any more
            cand(true, 20, false), // the best, but ruled out
        ];
        assert_eq!(within_budget(10, &cands, 400), [false, true, false, false]);
    }

    #[test]
    fn the_best_are_verified_whatever_the_budget_unless_their_length_rules_them_out() {
        let cands = [
            cand(true, 50, true),
            cand(true, 81, true), // over 8 times the sentences of the check
            cand(false, 5, true),
        ];
        assert_eq!(within_budget(10, &cands, 0), [true, false, false]);
        // A candidate too large for what is left is passed over; a smaller
        // one after it still fits.
        assert_eq!(within_budget(10, &cands, 60), [true, false, true]);
    }
}
