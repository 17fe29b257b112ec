//! The persistent on-disk index, on tantivy: every document's original text
//! and metadata (stored), and its candidate-search terms (indexed), so that
//! an archive can be reopened, extended, pruned and queried without
//! re-reading the corpus.
//!
//! Safety: a folder is only ever opened as an index if it holds crossdup's
//! marker file; a non-empty folder without it is refused, never overwritten.
//! Writes become visible at [`DiskIndex::commit`]; a process killed between
//! commits leaves the last committed state readable.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use rustc_hash::FxHashMap;

use crate::bloom::BloomBuilder;
use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, DocSetCollector, TopDocs};
use tantivy::indexer::LogMergePolicy;
use tantivy::postings::TermInfo;
use tantivy::query::{AllQuery, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, INDEXED, STORED,
    STRING,
};
use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};
use tantivy::{
    Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, SegmentId, TantivyDocument, Term,
};

/// Name of the marker file that identifies a crossdup index folder.
pub const MARKER: &str = "crossdup-index.json";
const FORMAT: &str = "crossdup-index";
const VERSION: u32 = 1;
const TERMS_TOKENIZER: &str = "crossdup_terms";

/// Errors of the on-disk index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The folder exists, is not empty, and is not a crossdup index.
    #[error("{0} is not a crossdup index (no {MARKER}) and is not empty; refusing to touch it")]
    Foreign(PathBuf),
    /// The folder does not hold an index.
    #[error("no crossdup index at {0} (create one with `crossdup index add --index DIR PATH...`)")]
    Missing(PathBuf),
    /// The marker file is unreadable or of another format or version.
    #[error("{path}: damaged or incompatible index marker: {why}")]
    BadMarker {
        /// Marker path.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// tantivy could not open or write the index.
    #[error("index at {path}: {source}")]
    Tantivy {
        /// Index folder.
        path: PathBuf,
        /// The tantivy error.
        source: tantivy::TantivyError,
    },
    /// A file-system error.
    #[error("index at {path}: {source}")]
    Io {
        /// Index folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

#[derive(Serialize, Deserialize)]
struct Marker {
    format: String,
    version: u32,
}

/// A document as stored in the index.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredDoc {
    /// Document id.
    pub id: String,
    /// Original text.
    pub text: String,
    /// Language code (as analysed).
    pub lang: String,
    /// Language code as given by the source, if it gave one.
    pub given_lang: Option<String>,
    /// Source, if given.
    pub source: Option<String>,
    /// Publication time, if given.
    pub published: Option<String>,
    /// When the document was added (seconds since the Unix epoch).
    pub added: u64,
}

/// One search of [`DiskIndex::search_all`]: the `k` documents whose terms
/// best match `terms` (BM25 over the `max_terms` rarest of them in the
/// index, leaving out terms held by fewer than `min_df` documents).
#[derive(Clone, Copy, Debug)]
pub struct TermSearch<'a> {
    /// `(term, count)` pairs of the query.
    pub terms: &'a [(u64, u32)],
    /// Hits wanted.
    pub k: usize,
    /// Rarest terms kept.
    pub max_terms: usize,
    /// Fewest documents a kept term must be in.
    pub min_df: u64,
    /// Which documents may be hits, by language.
    pub langs: Langs<'a>,
    /// Beside the best `k`, the best this many of every language (so that
    /// one language's documents cannot fill all `k` places).
    pub per_lang: usize,
}

/// The languages a [`TermSearch`] may return documents of. Filtering before
/// the best `k` are taken keeps similar documents of one language from
/// crowding out those of the others.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Langs<'a> {
    /// Any language.
    #[default]
    All,
    /// Only this language (a code as stored, `"en"`).
    Only(&'a str),
    /// Every language but this one.
    Except(&'a str),
}

impl Langs<'_> {
    /// Whether documents of language `code` may be hits.
    fn allows(self, code: &str) -> bool {
        match self {
            Langs::All => true,
            Langs::Only(c) => c == code,
            Langs::Except(c) => c != code,
        }
    }
}

/// Term lists from this long have their document frequencies looked up in
/// parallel.
const PARALLEL_TERMS: usize = 512;

/// Keys of a search from which the segments' dictionaries are asked in
/// parallel (see [`DiskIndex::doc_freqs`]).
const PARALLEL_SEGMENT_KEYS: usize = 64;

/// A search hit.
#[derive(Clone, Debug)]
pub struct Hit {
    /// The stored document.
    pub doc: StoredDoc,
    /// BM25 score of the match.
    pub score: f32,
}

/// A search hit of [`DiskIndex::search_all_keys`]: the document's id and
/// language, and the stored document itself only when it was asked for.
#[derive(Clone, Debug)]
pub struct KeyHit {
    /// Document id.
    pub id: String,
    /// Language code (as analysed).
    pub lang: String,
    /// BM25 score of the match.
    pub score: f32,
    /// The stored document, if the caller wanted it.
    pub doc: Option<StoredDoc>,
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    lang: Field,
    text: Field,
    given_lang: Field,
    source: Field,
    published: Field,
    added: Field,
    terms: Field,
}

/// A persistent crossdup index.
pub struct DiskIndex {
    path: PathBuf,
    index: Index,
    reader: IndexReader,
    writer: Mutex<Option<IndexWriter>>,
    fields: Fields,
    reload: RwLock<()>,
    df_cache: RwLock<DfCache>,
    /// Whether the current writer's merge threads were seen and lowered
    /// (see [`lower_merge_priority`]).
    merges_lowered: std::sync::atomic::AtomicBool,
    /// The segments' filters of terms (see [`crate::bloom`]); none if its
    /// thread could not start.
    blooms: Option<BloomBuilder>,
}

/// What is remembered of each segment (a segment never changes once
/// written): where its term dictionary places search terms (their
/// document frequencies and postings), and the id and language of the
/// documents that searches returned, so that a hit seen before is named without reading
/// (and decompressing) its stored text again.
#[derive(Default)]
struct DfCache {
    segments: FxHashMap<SegmentId, Places>,
    keys: FxHashMap<SegmentId, FxHashMap<tantivy::DocId, (String, String)>>,
    langs: FxHashMap<SegmentId, Arc<SegLangs>>,
    /// Segments taught before searches see them (see
    /// [`DiskIndex::warm_new_segments`]): a search of the older segments
    /// must not forget them as merged away.
    coming: Vec<SegmentId>,
}

impl DfCache {
    /// Remembers where segment `id` keeps some terms, unless that would take
    /// it over [`DF_CACHE_TERMS`].
    fn remember(&mut self, id: SegmentId, places: impl ExactSizeIterator<Item = (u64, TermAt)>) {
        let m = self.segments.entry(id).or_default();
        if m.len() + places.len() <= DF_CACHE_TERMS {
            m.extend(places);
        }
    }
}

/// How many maps [`Places`] splits one segment's terms into.
const PLACE_SHARDS: usize = 64;

/// Where one segment keeps the terms searches asked of it, split by the
/// key's top bits into [`PLACE_SHARDS`] maps. A hash map grows by moving
/// its entries into a new table twice the size, and a new table is new
/// memory: on the project's 2-core VM, the first touch of fresh memory is
/// slow, and a search that grew one map of a segment's hundred thousand
/// terms waited 20-70 ms (while other searches waited on the cache's lock).
/// A shard holds about a 64th of the terms, so its growth costs a 64th.
struct Places {
    shards: Vec<FxHashMap<u64, TermAt>>,
    len: usize,
}

impl Default for Places {
    fn default() -> Self {
        Places {
            shards: (0..PLACE_SHARDS).map(|_| FxHashMap::default()).collect(),
            len: 0,
        }
    }
}

impl Places {
    /// The shard of `key` (keys are hashes: their top bits are even).
    fn shard(key: u64) -> usize {
        (key >> (64 - PLACE_SHARDS.trailing_zeros())) as usize
    }

    fn get(&self, key: u64) -> Option<TermAt> {
        self.shards[Places::shard(key)].get(&key).copied()
    }

    fn len(&self) -> usize {
        self.len
    }

    fn extend(&mut self, places: impl Iterator<Item = (u64, TermAt)>) {
        for (k, a) in places {
            if self.shards[Places::shard(k)].insert(k, a).is_none() {
                self.len += 1;
            }
        }
    }

    /// Every remembered term and its place, in no order.
    fn iter(&self) -> impl Iterator<Item = (u64, TermAt)> + '_ {
        self.shards
            .iter()
            .flat_map(|m| m.iter().map(|(&k, &a)| (k, a)))
    }
}

/// Most terms remembered per segment (about 32 bytes each).
const DF_CACHE_TERMS: usize = 2_000_000;

/// Segments from this many documents on are taught, before searches see
/// them, the terms searches found in the segments they replace (see
/// [`DiskIndex::warm_new_segments`]); smaller ones answer fast enough.
const WARM_MIN_DOCS: u32 = if cfg!(test) { 2 } else { 1_000 };

/// Most terms a new segment is taught before searches see it (a merged
/// segment of a long-running service would otherwise be asked millions).
const WARM_TERMS: usize = 300_000;

/// What a segment's term dictionary says of a term, compactly: its document
/// frequency (zero when the segment lacks it) and where its postings lie.
/// With it, a search opens the postings without asking the dictionary again.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct TermAt {
    df: u32,
    len: u32,
    start: u64,
}

impl TermAt {
    /// What `inverted` (a segment's dictionary of `field`) says of `key`.
    fn look_up(
        inverted: &tantivy::InvertedIndexReader,
        field: Field,
        key: u64,
    ) -> std::io::Result<TermAt> {
        let term = Term::from_field_text(field, &term_token(key));
        inverted.get_term_info(&term).map(TermAt::of)
    }

    fn of(info: Option<TermInfo>) -> TermAt {
        match info {
            Some(i) => TermAt {
                df: i.doc_freq,
                len: i.postings_range.len() as u32,
                start: i.postings_range.start as u64,
            },
            None => TermAt::default(),
        }
    }

    /// The term's [`TermInfo`], if the segment has the term. The terms field
    /// keeps no positions, so their range is left empty.
    fn info(self) -> Option<TermInfo> {
        let start = self.start as usize;
        (self.df > 0).then(|| TermInfo {
            doc_freq: self.df,
            postings_range: start..start + self.len as usize,
            positions_range: 0..0,
        })
    }
}

/// The answers of [`DiskIndex::doc_freqs`]: for each key, its document
/// frequency over all segments, and for each segment (in the searcher's
/// order) and key, the key's [`TermAt`].
struct DocFreqs {
    dfs: Vec<u64>,
    at: Vec<Vec<TermAt>>,
}

/// Segments of fewer documents than this are small (see
/// [`DiskIndex::merge_small_segments`]).
pub const SMALL_SEGMENT_DOCS: u32 = 10_000;

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let id = b.add_text_field("id", STRING | STORED);
    let lang = b.add_text_field("lang", STRING | STORED);
    let text = b.add_text_field("text", STORED);
    let given_lang = b.add_text_field("given_lang", STORED);
    let source = b.add_text_field("source", STORED);
    let published = b.add_text_field("published", STORED);
    let added = b.add_u64_field("added", INDEXED | STORED | FAST);
    let terms_opts = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TERMS_TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let terms = b.add_text_field("terms", terms_opts);
    (
        b.build(),
        Fields {
            id,
            lang,
            text,
            given_lang,
            source,
            published,
            added,
            terms,
        },
    )
}

/// The `k` documents of `searcher` scoring best by BM25 for the OR of some
/// terms of `field` (term `t` with document frequency `dfs[t]` over all
/// segments, placed in segment `s` by `at[s][t]`): the ranking of tantivy's
/// `TopDocs` for a `BooleanQuery` of `Should` term clauses (same idf, field norms and tie-break by address),
/// computed by walking each term's postings. The terms here are rare, their
/// postings short: summing them is cheaper than the union with block-max
/// WAND pruning, which keeps its many scorers sorted as it goes.
fn top_bm25(
    searcher: &Searcher,
    field: Field,
    dfs: &[u64],
    at: &[Vec<TermAt>],
    k: usize,
    langs: LangPick<'_>,
) -> tantivy::Result<Vec<(f32, tantivy::DocAddress)>> {
    use tantivy::fieldnorm::FieldNormReader;
    use tantivy::query::Bm25Weight;
    use tantivy::{DocSet, Postings, TERMINATED};
    let segments = searcher.segment_readers();
    let mut total_docs = 0u64;
    let mut total_tokens = 0u64;
    for seg in segments {
        total_docs += u64::from(seg.max_doc());
        total_tokens += seg.inverted_index(field)?.total_num_tokens();
    }
    if total_docs == 0 || k == 0 {
        return Ok(Vec::new());
    }
    let avg = total_tokens as f32 / total_docs as f32;
    let weighted: Vec<Bm25Weight> = dfs
        .iter()
        .map(|&df| Bm25Weight::for_one_term_without_explain(df.min(total_docs), total_docs, avg))
        .collect();
    let by_lang = langs.filter != Langs::All || langs.per_lang > 0;
    let mut codes: Vec<String> = Vec::new();
    // (score, address, language ordinal in `codes`)
    let mut best: Vec<(f32, tantivy::DocAddress, u8)> = Vec::new();
    let mut acc: FxHashMap<u32, f32> = FxHashMap::default();
    for (ord, seg) in segments.iter().enumerate() {
        let inverted = seg.inverted_index(field)?;
        let norms = seg
            .fieldnorms_readers()
            .get_field(field)?
            .unwrap_or_else(|| FieldNormReader::constant(seg.max_doc(), 1));
        acc.clear();
        for (w, place) in weighted.iter().zip(&at[ord]) {
            let Some(info) = place.info() else {
                continue;
            };
            let mut postings =
                inverted.read_postings_from_terminfo(&info, IndexRecordOption::WithFreqs)?;
            let mut doc = postings.doc();
            while doc != TERMINATED {
                if !seg.is_deleted(doc) {
                    *acc.entry(doc).or_insert(0.0) +=
                        w.score(norms.fieldnorm_id(doc), postings.term_freq());
                }
                doc = postings.advance();
            }
        }
        if acc.is_empty() {
            continue;
        }
        // Per language ordinal of the segment: its ordinal in `codes`, and
        // whether the filter lets it through.
        let (seg_langs, local) = if by_lang {
            let sl = (langs.of_segment)(seg)?;
            let mut local = Vec::with_capacity(sl.codes.len());
            for c in &sl.codes {
                let g = match codes.iter().position(|x| x == c) {
                    Some(i) => i as u8,
                    None if codes.len() < usize::from(NO_LANG) => {
                        codes.push(c.clone());
                        (codes.len() - 1) as u8
                    }
                    None => NO_LANG,
                };
                local.push((g, langs.filter.allows(c)));
            }
            (Some(sl), local)
        } else {
            (None, Vec::new())
        };
        // The language of a hit the filter lets through.
        let pick = |doc: u32| -> Option<u8> {
            let l = seg_langs
                .as_ref()
                .and_then(|sl| sl.of.get(doc as usize))
                .and_then(|&l| local.get(usize::from(l)));
            match l {
                Some(&(g, ok)) => ok.then_some(g),
                None => (!matches!(langs.filter, Langs::Only(_))).then_some(NO_LANG),
            }
        };
        best.extend(acc.iter().filter_map(|(&doc, &score)| {
            pick(doc).map(|l| (score, tantivy::DocAddress::new(ord as u32, doc), l))
        }));
    }
    // Best score first; ties by address, as TopDocs breaks them.
    let order = |x: &(f32, tantivy::DocAddress, u8), y: &(f32, tantivy::DocAddress, u8)| {
        y.0.total_cmp(&x.0).then_with(|| x.1.cmp(&y.1))
    };
    // The best `per_lang` of each language, wherever they rank overall.
    let mut extra: Vec<(f32, tantivy::DocAddress, u8)> = Vec::new();
    if langs.per_lang > 0 && best.len() > k {
        let mut per: Vec<Vec<(f32, tantivy::DocAddress, u8)>> = vec![Vec::new(); codes.len() + 1];
        for &h in &best {
            let v = &mut per[usize::from(h.2).min(codes.len())];
            if v.len() < langs.per_lang {
                v.push(h);
                v.sort_unstable_by(order);
            } else if v.last().is_some_and(|w| order(&h, w).is_lt()) {
                v.pop();
                v.push(h);
                v.sort_unstable_by(order);
            }
        }
        extra = per.into_iter().flatten().collect();
    }
    if best.len() > k {
        best.select_nth_unstable_by(k - 1, order);
        best.truncate(k);
    }
    for h in extra {
        if !best.iter().any(|b| b.1 == h.1) {
            best.push(h);
        }
    }
    best.sort_unstable_by(order);
    Ok(best.into_iter().map(|(s, a, _)| (s, a)).collect())
}

/// Language ordinal of documents without one.
const NO_LANG: u8 = u8::MAX;

/// How [`top_bm25`] picks among languages.
#[derive(Clone, Copy)]
struct LangPick<'a> {
    /// The languages of a segment's documents.
    of_segment: &'a dyn Fn(&tantivy::SegmentReader) -> tantivy::Result<Arc<SegLangs>>,
    filter: Langs<'a>,
    /// Also keep the best this many of every language.
    per_lang: usize,
}

/// The languages of one segment's documents: `of[doc]` indexes `codes`
/// ([`NO_LANG`] for none). A segment never changes (deletes aside, which
/// searches skip anyway), so this is read once per segment.
#[derive(Debug, Default)]
struct SegLangs {
    codes: Vec<String>,
    of: Vec<u8>,
}

fn segment_langs(seg: &tantivy::SegmentReader, field: Field) -> tantivy::Result<SegLangs> {
    use tantivy::{DocSet, TERMINATED};
    let mut out = SegLangs {
        codes: Vec::new(),
        of: vec![NO_LANG; seg.max_doc() as usize],
    };
    let inverted = seg.inverted_index(field)?;
    let mut stream = inverted.terms().stream()?;
    while stream.advance() {
        if out.codes.len() >= usize::from(NO_LANG) {
            break;
        }
        let ord = out.codes.len() as u8;
        out.codes
            .push(String::from_utf8_lossy(stream.key()).into_owned());
        let mut postings =
            inverted.read_postings_from_terminfo(stream.value(), IndexRecordOption::Basic)?;
        let mut doc = postings.doc();
        while doc != TERMINATED {
            out.of[doc as usize] = ord;
            doc = postings.advance();
        }
    }
    Ok(out)
}

/// Formats a hashed term as the token stored in the index.
pub fn term_token(t: u64) -> String {
    format!("{t:016x}")
}

/// The key a dictionary term of the terms field stands for, if it is one
/// [`term_token`] wrote.
fn key_of_token(b: &[u8]) -> Option<u64> {
    if b.len() != 16 {
        return None;
    }
    u64::from_str_radix(std::str::from_utf8(b).ok()?, 16).ok()
}

impl DiskIndex {
    /// Opens the index in `dir`, creating it (and the folder) if the folder is
    /// missing or empty. A non-empty folder without the marker is refused.
    pub fn open_or_create(dir: &Path) -> Result<DiskIndex, IndexError> {
        let io = |e| IndexError::Io {
            path: dir.to_path_buf(),
            source: e,
        };
        if dir.join(MARKER).is_file() {
            return DiskIndex::open(dir);
        }
        if dir.exists() {
            let mut entries = std::fs::read_dir(dir).map_err(io)?;
            if entries.next().is_some() {
                return Err(IndexError::Foreign(dir.to_path_buf()));
            }
        } else {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let (schema, _) = schema();
        Index::create_in_dir(dir, schema).map_err(|e| IndexError::Tantivy {
            path: dir.to_path_buf(),
            source: e,
        })?;
        let marker = serde_json::to_string_pretty(&Marker {
            format: FORMAT.into(),
            version: VERSION,
        })
        .expect("marker serialises");
        std::fs::write(dir.join(MARKER), marker).map_err(io)?;
        DiskIndex::open(dir)
    }

    /// Opens an existing index.
    pub fn open(dir: &Path) -> Result<DiskIndex, IndexError> {
        let mpath = dir.join(MARKER);
        if !mpath.is_file() {
            if dir.is_dir()
                && std::fs::read_dir(dir)
                    .map(|mut e| e.next().is_some())
                    .unwrap_or(false)
            {
                return Err(IndexError::Foreign(dir.to_path_buf()));
            }
            return Err(IndexError::Missing(dir.to_path_buf()));
        }
        let bad = |why: String| IndexError::BadMarker {
            path: mpath.clone(),
            why,
        };
        let raw = std::fs::read_to_string(&mpath).map_err(|e| bad(e.to_string()))?;
        let m: Marker = serde_json::from_str(&raw).map_err(|e| bad(e.to_string()))?;
        if m.format != FORMAT || m.version != VERSION {
            return Err(bad(format!(
                "format {} version {}, expected {FORMAT} {VERSION}",
                m.format, m.version
            )));
        }
        let tv = |e| IndexError::Tantivy {
            path: dir.to_path_buf(),
            source: e,
        };
        let index = Index::open_in_dir(dir).map_err(tv)?;
        let (expected, fields) = schema();
        if index.schema() != expected {
            return Err(bad("schema differs from this version's".into()));
        }
        index.tokenizers().register(
            TERMS_TOKENIZER,
            TextAnalyzer::builder(WhitespaceTokenizer::default()).build(),
        );
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(tv)?;
        let blooms = BloomBuilder::start(index.clone(), fields.terms, key_of_token).ok();
        Ok(DiskIndex {
            path: dir.to_path_buf(),
            index,
            reader,
            writer: Mutex::new(None),
            fields,
            reload: RwLock::new(()),
            df_cache: RwLock::new(DfCache::default()),
            merges_lowered: Default::default(),
            blooms,
        })
    }

    /// The folder of this index.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn tv(&self, e: tantivy::TantivyError) -> IndexError {
        IndexError::Tantivy {
            path: self.path.clone(),
            source: e,
        }
    }

    fn with_writer<T>(
        &self,
        f: impl FnOnce(&mut IndexWriter) -> tantivy::Result<T>,
    ) -> Result<T, IndexError> {
        let mut guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            let w: IndexWriter = self
                .index
                .writer_with_num_threads(1, 64_000_000)
                .map_err(|e| self.tv(e))?;
            w.set_merge_policy(Box::new(merge_policy()));
            *guard = Some(w);
            // Its merge threads name themselves once running, maybe only
            // after this: commits (after which merges start) lower them.
            self.merges_lowered
                .store(false, std::sync::atomic::Ordering::Relaxed);
        }
        let w = guard.as_mut().expect("writer just set");
        f(w).map_err(|e| self.tv(e))
    }

    /// Adds a document (replacing any with the same id) with its
    /// `(term, count)` search terms. Visible after [`DiskIndex::commit`].
    pub fn add(&self, doc: &StoredDoc, terms: &[(u64, u32)]) -> Result<(), IndexError> {
        let f = self.fields;
        let mut td = TantivyDocument::default();
        td.add_text(f.id, &doc.id);
        td.add_text(f.lang, &doc.lang);
        td.add_text(f.text, &doc.text);
        if let Some(g) = &doc.given_lang {
            td.add_text(f.given_lang, g);
        }
        if let Some(s) = &doc.source {
            td.add_text(f.source, s);
        }
        if let Some(p) = &doc.published {
            td.add_text(f.published, p);
        }
        td.add_u64(f.added, doc.added);
        let mut toks = String::with_capacity(terms.len() * 20);
        for &(t, c) in terms {
            let tok = term_token(t);
            for _ in 0..c.min(8) {
                toks.push_str(&tok);
                toks.push(' ');
            }
        }
        td.add_text(f.terms, &toks);
        self.with_writer(|w| {
            w.delete_term(Term::from_field_text(f.id, &doc.id));
            w.add_document(td)?;
            Ok(())
        })
    }

    /// Deletes a document by id. Visible after [`DiskIndex::commit`].
    pub fn delete(&self, id: &str) -> Result<(), IndexError> {
        let f = self.fields;
        self.with_writer(|w| {
            w.delete_term(Term::from_field_text(f.id, id));
            Ok(())
        })
    }

    /// Deletes documents added before `cutoff` (seconds since the epoch).
    pub fn delete_added_before(&self, cutoff: u64) -> Result<(), IndexError> {
        let q = tantivy::query::RangeQuery::new_u64("added".to_string(), 0..cutoff);
        self.with_writer(|w| {
            w.delete_query(Box::new(q))?;
            Ok(())
        })
    }

    /// Makes every write so far durable and visible.
    pub fn commit(&self) -> Result<(), IndexError> {
        self.with_writer(|w| w.commit().map(|_| ()))?;
        self.lower_merges();
        // Not taught first (see [`DiskIndex::warm_new_segments`]): a commit
        // shows the segment of its own writes, and whatever merges ended,
        // and the writes waiting on it should not wait longer.
        let _g = self.reload.write().unwrap_or_else(|e| e.into_inner());
        let r = self.reader.reload().map_err(|e| self.tv(e));
        self.poke_blooms();
        r
    }

    /// Has the filters of new segments built (see [`crate::bloom`]).
    fn poke_blooms(&self) {
        if let Some(b) = &self.blooms {
            b.poke();
        }
    }

    /// Lowers the priority of the current writer's merge threads, once.
    fn lower_merges(&self) {
        if !self
            .merges_lowered
            .load(std::sync::atomic::Ordering::Relaxed)
            && lower_merge_priority() > 0
        {
            self.merges_lowered
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Starts merging the committed segments of fewer than
    /// [`SMALL_SEGMENT_DOCS`] documents into one, in the background (the
    /// writer's merge threads, at their low priority), when there are two or
    /// more of them. Returns how many segments it asked to merge: 0 when there
    /// was nothing to do. If one of them is already being merged, tantivy
    /// refuses the merge and nothing changes: ask again later. Searches see
    /// the merged segment after [`DiskIndex::refresh`].
    ///
    /// The merge policy ([`merge_policy`]) joins segments of one level only
    /// once [`MERGE_FAN_IN`] of them are there, so an index whose writes
    /// pause keeps up to that many less one on each level, and each search
    /// visits every segment. A service calls this once writes pause.
    pub fn merge_small_segments(&self) -> Result<usize, IndexError> {
        let metas = self
            .index
            .searchable_segment_metas()
            .map_err(|e| self.tv(e))?;
        let small: Vec<SegmentId> = metas
            .iter()
            .filter(|m| m.num_docs() < SMALL_SEGMENT_DOCS)
            .map(|m| m.id())
            .collect();
        if small.len() < 2 {
            return Ok(0);
        }
        // The merge goes on without anyone waiting for its outcome.
        self.with_writer(|w| {
            drop(w.merge(&small));
            Ok(())
        })?;
        self.lower_merges();
        Ok(small.len())
    }

    /// Shows searches the segments merged since the last commit or refresh
    /// (merges end in the background, after the commit that started them).
    /// Returns whether the searched segments changed; cheap when they did not.
    pub fn refresh(&self) -> Result<bool, IndexError> {
        let metas = self
            .index
            .searchable_segment_metas()
            .map_err(|e| self.tv(e))?;
        let on_disk: Vec<SegmentId> = metas.iter().map(|m| m.id()).collect();
        let searched: Vec<SegmentId> = {
            let _g = self.reload.read().unwrap_or_else(|e| e.into_inner());
            let searcher = self.reader.searcher();
            searcher
                .segment_readers()
                .iter()
                .map(|s| s.segment_id())
                .collect()
        };
        let same = on_disk.len() == searched.len() && on_disk.iter().all(|s| searched.contains(s));
        if same {
            return Ok(false);
        }
        self.warm_new_segments(&metas, &searched);
        let _g = self.reload.write().unwrap_or_else(|e| e.into_inner());
        let r = self.reader.reload().map_err(|e| self.tv(e));
        self.came();
        self.poke_blooms();
        r.map(|_| true)
    }

    /// Before a refresh shows searches the segments merges made, asks each
    /// new segment of at least [`WARM_MIN_DOCS`] documents where it keeps
    /// the terms the searched segments were found to have (at most
    /// [`WARM_TERMS`] of them), and remembers the answers (see [`DfCache`]).
    /// Without this, the first searches after a merge ask the new segment's
    /// dictionary for every term of their documents (thousands for a long
    /// one) while the checks wait; a service's refresher, which shows the
    /// merges that end once writes pause, does it instead. Only terms some
    /// searched segment has are asked (the others are mostly spot
    /// signatures of a single document, and a merged segment has only the
    /// documents of the segments it replaces); the segment's languages are
    /// read too. Best effort: a segment that cannot be read now is left to
    /// the searches. `metas`: the segments on disk; `searched`: those the
    /// reader shows now.
    fn warm_new_segments(&self, metas: &[tantivy::SegmentMeta], searched: &[SegmentId]) {
        let fresh: Vec<&tantivy::SegmentMeta> = metas
            .iter()
            .filter(|m| !searched.contains(&m.id()) && m.num_docs() >= WARM_MIN_DOCS)
            .collect();
        if fresh.is_empty() {
            return;
        }
        // The terms some searched segment has, as searches found them.
        let keys: Vec<u64> = {
            let cache = self.df_cache.read().unwrap_or_else(|e| e.into_inner());
            let mut keys: Vec<u64> = searched
                .iter()
                .filter_map(|id| cache.segments.get(id))
                .flat_map(|m| m.iter().filter(|(_, a)| a.df > 0).map(|(k, _)| k))
                .collect();
            keys.sort_unstable();
            keys.dedup();
            keys.truncate(WARM_TERMS);
            keys
        };
        if keys.is_empty() {
            return;
        }
        let f = self.fields;
        for meta in fresh {
            let segment = self.index.segment(meta.clone());
            let Ok(reader) = tantivy::SegmentReader::open(&segment) else {
                continue;
            };
            let Ok(inverted) = reader.inverted_index(f.terms) else {
                continue;
            };
            let places: Vec<(u64, TermAt)> = keys
                .iter()
                .filter_map(|&k| Some((k, TermAt::look_up(&inverted, f.terms, k).ok()?)))
                .collect();
            let langs = segment_langs(&reader, f.lang).ok().map(Arc::new);
            let mut cache = self.df_cache.write().unwrap_or_else(|e| e.into_inner());
            cache.coming.push(meta.id());
            if let Some(l) = langs {
                cache.langs.insert(meta.id(), l);
            }
            cache.remember(meta.id(), places.into_iter());
        }
    }

    /// After a reload: the segments taught beforehand are searched now (or,
    /// if the reload failed, forgotten at the next search like any other).
    fn came(&self) {
        self.df_cache
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .coming
            .clear();
    }

    /// Discards uncommitted writes.
    pub fn rollback(&self) -> Result<(), IndexError> {
        self.with_writer(|w| w.rollback().map(|_| ()))
    }

    fn to_stored(&self, d: &TantivyDocument) -> StoredDoc {
        let f = self.fields;
        let s = |field| {
            d.get_first(field)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        StoredDoc {
            id: s(f.id).unwrap_or_default(),
            text: s(f.text).unwrap_or_default(),
            lang: s(f.lang).unwrap_or_default(),
            given_lang: s(f.given_lang),
            source: s(f.source),
            published: s(f.published),
            added: d.get_first(f.added).and_then(|v| v.as_u64()).unwrap_or(0),
        }
    }

    /// The stored document with this id, if any.
    pub fn get(&self, id: &str) -> Result<Option<StoredDoc>, IndexError> {
        let _g = self.reload.read().unwrap_or_else(|e| e.into_inner());
        let searcher = self.reader.searcher();
        let q = TermQuery::new(
            Term::from_field_text(self.fields.id, id),
            IndexRecordOption::Basic,
        );
        let top = searcher
            .search(&q, &TopDocs::with_limit(1))
            .map_err(|e| self.tv(e))?;
        match top.first() {
            Some((_, addr)) => {
                let d: TantivyDocument = searcher.doc(*addr).map_err(|e| self.tv(e))?;
                Ok(Some(self.to_stored(&d)))
            }
            None => Ok(None),
        }
    }

    /// Number of committed documents.
    pub fn len(&self) -> u64 {
        let _g = self.reload.read().unwrap_or_else(|e| e.into_inner());
        self.reader.searcher().num_docs()
    }

    /// Number of segments searched (each committed batch of writes makes
    /// one, until merges join them and a commit shows the result).
    pub fn segments(&self) -> usize {
        let _g = self.reload.read().unwrap_or_else(|e| e.into_inner());
        self.reader.searcher().segment_readers().len()
    }

    /// Whether the index holds no committed document.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Committed documents per language.
    pub fn languages(&self) -> Result<BTreeMap<String, u64>, IndexError> {
        let _g = self.reload.read().unwrap_or_else(|e| e.into_inner());
        let searcher = self.reader.searcher();
        let mut out = BTreeMap::new();
        let mut langs = std::collections::BTreeSet::new();
        for seg in searcher.segment_readers() {
            let inv = seg
                .inverted_index(self.fields.lang)
                .map_err(|e| self.tv(e))?;
            let mut stream = inv
                .terms()
                .stream()
                .map_err(|e| self.tv(tantivy::TantivyError::from(e)))?;
            while stream.advance() {
                langs.insert(String::from_utf8_lossy(stream.key()).into_owned());
            }
        }
        for l in langs {
            let q = TermQuery::new(
                Term::from_field_text(self.fields.lang, &l),
                IndexRecordOption::Basic,
            );
            let n = searcher.search(&q, &Count).map_err(|e| self.tv(e))?;
            if n > 0 {
                out.insert(l, n as u64);
            }
        }
        Ok(out)
    }

    /// Every committed document, sorted by id.
    pub fn all(&self) -> Result<Vec<StoredDoc>, IndexError> {
        let _g = self.reload.read().unwrap_or_else(|e| e.into_inner());
        let searcher = self.reader.searcher();
        let addrs = searcher
            .search(&AllQuery, &DocSetCollector)
            .map_err(|e| self.tv(e))?;
        let mut out = Vec::with_capacity(addrs.len());
        for a in addrs {
            let d: TantivyDocument = searcher.doc(a).map_err(|e| self.tv(e))?;
            out.push(self.to_stored(&d));
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    /// The `k` documents whose terms best match the query's (BM25 over the
    /// query's `max_terms` rarest terms in the index).
    pub fn search(
        &self,
        terms: &[(u64, u32)],
        k: usize,
        max_terms: usize,
    ) -> Result<Vec<Hit>, IndexError> {
        self.search_min_df(terms, k, max_terms, 1)
    }

    /// As [`DiskIndex::search`], ignoring terms held by fewer than `min_df`
    /// documents (2 when the querying document is itself in the index, so its
    /// own unique terms do not crowd out the shared ones).
    pub fn search_min_df(
        &self,
        terms: &[(u64, u32)],
        k: usize,
        max_terms: usize,
        min_df: u64,
    ) -> Result<Vec<Hit>, IndexError> {
        let mut all = self.search_all(&[TermSearch {
            terms,
            k,
            max_terms,
            min_df,
            langs: Langs::All,
            per_lang: 0,
        }])?;
        Ok(all.pop().unwrap_or_default())
    }

    /// Several [`DiskIndex::search_min_df`] searches on one view of the
    /// index: each term's document frequency is looked up once, however
    /// many searches hold it, and the lookups of a long term list are
    /// spread over the cores.
    ///
    /// ```
    /// use crossdup_index::{DiskIndex, Langs, StoredDoc, TermSearch};
    /// let dir = tempfile::tempdir().unwrap();
    /// let ix = DiskIndex::open_or_create(&dir.path().join("ix")).unwrap();
    /// let doc = StoredDoc { id: "a".into(), text: "alpha".into(), lang: "en".into(), ..StoredDoc::default() };
    /// ix.add(&doc, &[(1, 1), (2, 1)]).unwrap();
    /// ix.commit().unwrap();
    /// let q = |terms| TermSearch { terms, k: 5, max_terms: 50, min_df: 1, langs: Langs::All, per_lang: 0 };
    /// let hits = ix.search_all(&[q(&[(1, 1)]), q(&[(3, 1)])]).unwrap();
    /// assert_eq!(hits[0][0].doc.id, "a");
    /// assert!(hits[1].is_empty());
    /// ```
    pub fn search_all(&self, searches: &[TermSearch<'_>]) -> Result<Vec<Vec<Hit>>, IndexError> {
        let found = self.search_all_keys(searches, &|_| true)?;
        Ok(found
            .into_iter()
            .map(|hits| {
                hits.into_iter()
                    .filter_map(|h| {
                        h.doc.map(|doc| Hit {
                            doc,
                            score: h.score,
                        })
                    })
                    .collect()
            })
            .collect())
    }

    /// As [`DiskIndex::search_all`], reading a hit's stored document only
    /// when `want_doc(id)` says so: a caller that keeps what it derived from
    /// the documents it met before (their profiles) names the hits by id and
    /// language alone, and those are remembered per segment after a hit's
    /// first reading. The searches run in parallel.
    ///
    /// ```
    /// use crossdup_index::{DiskIndex, Langs, StoredDoc, TermSearch};
    /// let dir = tempfile::tempdir().unwrap();
    /// let ix = DiskIndex::open_or_create(&dir.path().join("ix")).unwrap();
    /// let doc = StoredDoc { id: "a".into(), text: "alpha".into(), lang: "en".into(), ..StoredDoc::default() };
    /// ix.add(&doc, &[(1, 1), (2, 1)]).unwrap();
    /// ix.commit().unwrap();
    /// let q = TermSearch { terms: &[(1, 1)], k: 5, max_terms: 50, min_df: 1, langs: Langs::All, per_lang: 0 };
    /// let hits = ix.search_all_keys(&[q], &|id| id != "a").unwrap();
    /// assert_eq!((hits[0][0].id.as_str(), hits[0][0].lang.as_str()), ("a", "en"));
    /// assert!(hits[0][0].doc.is_none());
    /// ```
    pub fn search_all_keys(
        &self,
        searches: &[TermSearch<'_>],
        want_doc: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<Vec<Vec<KeyHit>>, IndexError> {
        let _g = self.reload.read().unwrap_or_else(|e| e.into_inner());
        let searcher = self.reader.searcher();
        let mut keys: Vec<u64> = searches
            .iter()
            .flat_map(|s| s.terms.iter().map(|&(t, _)| t))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let freqs = self.doc_freqs(&searcher, &keys)?;
        let one = |s: &TermSearch<'_>| self.run_search(&searcher, s, &keys, &freqs, want_doc);
        if searches.len() > 1 {
            use rayon::prelude::*;
            searches.par_iter().map(one).collect()
        } else {
            searches.iter().map(one).collect()
        }
    }

    /// One search of [`DiskIndex::search_all_keys`], with the document
    /// frequencies and places `freqs` of the sorted `keys`.
    fn run_search(
        &self,
        searcher: &Searcher,
        s: &TermSearch<'_>,
        keys: &[u64],
        freqs: &DocFreqs,
        want_doc: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<Vec<KeyHit>, IndexError> {
        let f = self.fields;
        let n = searcher.num_docs().max(1);
        // (df, position in `keys`)
        let mut scored: Vec<(u64, usize)> = Vec::new();
        for &(t, _) in s.terms {
            let Ok(i) = keys.binary_search(&t) else {
                continue;
            };
            let df = freqs.dfs[i];
            // Terms nobody has, or almost everybody has, do not help.
            if df < s.min_df.max(1) || (df as f64) > (n as f64 * 0.05).max(50.0) {
                continue;
            }
            scored.push((df, i));
        }
        scored.sort_by_key(|&(df, _)| df);
        scored.truncate(s.max_terms);
        if scored.is_empty() {
            return Ok(Vec::new());
        }
        let at: Vec<Vec<TermAt>> = freqs
            .at
            .iter()
            .map(|seg| scored.iter().map(|&(_, i)| seg[i]).collect())
            .collect();
        let dfs: Vec<u64> = scored.iter().map(|&(df, _)| df).collect();
        let of_segment = |seg: &tantivy::SegmentReader| -> tantivy::Result<Arc<SegLangs>> {
            let id = seg.segment_id();
            let cache = |c: &DfCache| c.langs.get(&id).cloned();
            if let Some(l) = cache(&self.df_cache.read().unwrap_or_else(|e| e.into_inner())) {
                return Ok(l);
            }
            let l = Arc::new(segment_langs(seg, f.lang)?);
            self.df_cache
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .langs
                .insert(id, l.clone());
            Ok(l)
        };
        let pick = LangPick {
            of_segment: &of_segment,
            filter: s.langs,
            per_lang: s.per_lang,
        };
        let top = top_bm25(searcher, f.terms, &dfs, &at, s.k, pick).map_err(|e| self.tv(e))?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let seg = searcher.segment_reader(addr.segment_ord).segment_id();
            let known = self
                .df_cache
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .keys
                .get(&seg)
                .and_then(|m| m.get(&addr.doc_id))
                .cloned();
            let hit = match known {
                Some((id, lang)) if !want_doc(&id) => KeyHit {
                    id,
                    lang,
                    score,
                    doc: None,
                },
                _ => {
                    let d: TantivyDocument = searcher.doc(addr).map_err(|e| self.tv(e))?;
                    let doc = self.to_stored(&d);
                    let (id, lang) = (doc.id.clone(), doc.lang.clone());
                    // At most one entry per document of the segment.
                    self.df_cache
                        .write()
                        .unwrap_or_else(|e| e.into_inner())
                        .keys
                        .entry(seg)
                        .or_default()
                        .insert(addr.doc_id, (id.clone(), lang.clone()));
                    let doc = want_doc(&id).then_some(doc);
                    KeyHit {
                        id,
                        lang,
                        score,
                        doc,
                    }
                }
            };
            hits.push(hit);
        }
        Ok(hits)
    }

    /// The document frequencies of `keys` (sorted) in the `terms` field, as
    /// [`Searcher::doc_freq`] counts them: the sum over segments of what each
    /// segment's term dictionary says; and where each segment keeps each
    /// key. A segment never changes once written, so its answers are
    /// remembered (see [`DfCache`]); long documents ask for thousands of
    /// terms, most of them asked before.
    fn doc_freqs(&self, searcher: &Searcher, keys: &[u64]) -> Result<DocFreqs, IndexError> {
        let f = self.fields;
        let segments = searcher.segment_readers();
        // Where one segment keeps the keys: remembered, or asked of its
        // dictionary (and then remembered).
        let places = |seg: &tantivy::SegmentReader| -> Result<Vec<TermAt>, IndexError> {
            let id = seg.segment_id();
            let mut at = vec![TermAt::default(); keys.len()];
            let mut missing: Vec<usize> = Vec::new();
            {
                let cache = self.df_cache.read().unwrap_or_else(|e| e.into_inner());
                let known = cache.segments.get(&id);
                for (i, t) in keys.iter().enumerate() {
                    match known.and_then(|m| m.get(*t)) {
                        Some(a) => at[i] = a,
                        None => missing.push(i),
                    }
                }
            }
            // Terms the segment's filter rules out are not asked (nor
            // remembered: the filter answers again next time).
            if let Some(b) = self.blooms.as_ref().and_then(|b| b.get(&id)) {
                missing.retain(|&i| b.may_have(keys[i]));
            }
            if missing.is_empty() {
                return Ok(at);
            }
            let inverted = seg.inverted_index(f.terms).map_err(|e| self.tv(e))?;
            let look = |chunk: &[usize]| -> Result<Vec<TermAt>, IndexError> {
                chunk
                    .iter()
                    .map(|&i| {
                        TermAt::look_up(&inverted, f.terms, keys[i]).map_err(|e| self.tv(e.into()))
                    })
                    .collect()
            };
            let found: Vec<TermAt> = if missing.len() >= PARALLEL_TERMS {
                use rayon::prelude::*;
                let parts: Result<Vec<Vec<TermAt>>, IndexError> =
                    missing.par_chunks(PARALLEL_TERMS / 2).map(look).collect();
                parts?.concat()
            } else {
                look(&missing)?
            };
            for (&i, &a) in missing.iter().zip(&found) {
                at[i] = a;
            }
            self.df_cache
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .remember(id, missing.iter().map(|&i| keys[i]).zip(found));
            Ok(at)
        };
        // Several segments are asked at once: right after many small
        // commits, a long query's unseen keys are looked up in each.
        let all_at: Vec<Vec<TermAt>> = if segments.len() > 1 && keys.len() >= PARALLEL_SEGMENT_KEYS
        {
            use rayon::prelude::*;
            segments.par_iter().map(places).collect::<Result<_, _>>()?
        } else {
            segments.iter().map(places).collect::<Result<_, _>>()?
        };
        let mut dfs = vec![0u64; keys.len()];
        for at in &all_at {
            for (d, a) in dfs.iter_mut().zip(at) {
                *d += u64::from(a.df);
            }
        }
        // Segments merged away are forgotten.
        let stale = |c: &DfCache| {
            c.segments.len().max(c.keys.len()).max(c.langs.len()) > segments.len() + c.coming.len()
        };
        if stale(&self.df_cache.read().unwrap_or_else(|e| e.into_inner())) {
            let mut cache = self.df_cache.write().unwrap_or_else(|e| e.into_inner());
            let mut live: Vec<SegmentId> = segments.iter().map(|s| s.segment_id()).collect();
            live.extend(cache.coming.iter().copied());
            cache.segments.retain(|id, _| live.contains(id));
            cache.keys.retain(|id, _| live.contains(id));
            cache.langs.retain(|id, _| live.contains(id));
        }
        Ok(DocFreqs { dfs, at: all_at })
    }

    /// Total size of the index files in bytes.
    pub fn size_bytes(&self) -> u64 {
        fn walk(p: &Path) -> u64 {
            std::fs::read_dir(p)
                .map(|rd| {
                    rd.flatten()
                        .map(|e| match e.metadata() {
                            Ok(m) if m.is_dir() => walk(&e.path()),
                            Ok(m) => m.len(),
                            Err(_) => 0,
                        })
                        .sum()
                })
                .unwrap_or(0)
        }
        walk(&self.path)
    }
}

/// Segments of up to this many documents are all on the lowest level of
/// [`merge_policy`].
pub const MERGE_MIN_LEVEL_DOCS: u32 = 100;

/// How many segments of one level [`merge_policy`] merges into one.
pub const MERGE_FAN_IN: usize = 4;

/// The writer's merge policy: tantivy's log merge policy, whose levels start
/// at [`MERGE_MIN_LEVEL_DOCS`] documents (tantivy's default: 10,000) and which
/// merges a level once it holds [`MERGE_FAN_IN`] segments (default: 8).
///
/// The default suits large batches, not a service that commits a few
/// articles at a time: every segment under 10,000 documents (and with them
/// any up to about 17,000) is on one level, merged whole each time 8 are
/// there, so every 8 commits rewrote most of a 20,000-article index. The
/// merges, at low priority, fell behind a stream of adds, whose segments
/// piled up for every check to search. With levels from 100 documents, each
/// document is rewritten a few times on its way up (about log4 of the index
/// size over 100), and a level keeps at most 3 segments. Fan-ins of 3 and 8
/// were slower (see docs/benchmarks.md).
pub fn merge_policy() -> LogMergePolicy {
    let mut p = LogMergePolicy::default();
    p.set_min_layer_size(MERGE_MIN_LEVEL_DOCS);
    p.set_min_num_segments(MERGE_FAN_IN);
    p
}

/// Lowers the scheduling priority of tantivy's segment-merge threads (named
/// `merge_thread_N`, started with the writer) to the lowest: merges are
/// background upkeep, and on a busy machine they should take the cores only
/// when searches and adds leave them idle, not lengthen a query running
/// beside them. Returns how many threads were lowered; elsewhere than Linux,
/// where threads cannot be told apart this way, none.
pub fn lower_merge_priority() -> usize {
    #[cfg(target_os = "linux")]
    {
        let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
            return 0;
        };
        let mut lowered = 0;
        for task in tasks.flatten() {
            let Ok(comm) = std::fs::read_to_string(task.path().join("comm")) else {
                continue;
            };
            if !comm.starts_with("merge_thread_") {
                continue;
            }
            let Some(tid) = task
                .file_name()
                .to_str()
                .and_then(|t| t.parse::<libc::id_t>().ok())
            else {
                continue;
            };
            if lowest_priority(tid) {
                lowered += 1;
            }
        }
        lowered
    }
    #[cfg(not(target_os = "linux"))]
    {
        0
    }
}

/// Gives thread `tid` (Linux: a thread id; 0, the calling thread) the
/// lowest scheduling priority, for background upkeep; returns whether it
/// took. On Linux a nice value belongs to one thread, named by its id. (Not
/// SCHED_IDLE: under a steady stream of adds the cores are never idle,
/// merges starved and segments piled up, which made every search slower.)
#[cfg(target_os = "linux")]
pub(crate) fn lowest_priority(tid: libc::id_t) -> bool {
    // SAFETY: setpriority only reads its integer arguments.
    unsafe { libc::setpriority(libc::PRIO_PROCESS, tid, 19) == 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str, text: &str) -> StoredDoc {
        StoredDoc {
            id: id.into(),
            text: text.into(),
            lang: "en".into(),
            added: 10,
            ..StoredDoc::default()
        }
    }

    #[test]
    fn remembered_document_frequencies_match_the_dictionaries() {
        let dir = tempfile::tempdir().unwrap();
        let ix = DiskIndex::open_or_create(&dir.path().join("ix")).unwrap();
        // Keys 41-80 are in no document; 80 keys are asked of the segments in
        // parallel.
        let keys: Vec<u64> = (1..=80).collect();
        assert!(keys.len() >= PARALLEL_SEGMENT_KEYS);
        let check = |ix: &DiskIndex| {
            let searcher = ix.reader.searcher();
            // Twice: the second answer comes from what the first remembered.
            for _ in 0..2 {
                let got = ix.doc_freqs(&searcher, &keys).unwrap();
                let term = |t: u64| Term::from_field_text(ix.fields.terms, &term_token(t));
                let want: Vec<u64> = keys
                    .iter()
                    .map(|&t| searcher.doc_freq(&term(t)).unwrap())
                    .collect();
                assert_eq!(got.dfs, want);
                // And where each segment keeps each key's postings.
                assert_eq!(got.at.len(), searcher.segment_readers().len());
                for (seg, at) in searcher.segment_readers().iter().zip(&got.at) {
                    let inverted = seg.inverted_index(ix.fields.terms).unwrap();
                    for (&t, a) in keys.iter().zip(at) {
                        let info = inverted.get_term_info(&term(t)).unwrap();
                        assert_eq!(
                            a.info().map(|i| i.postings_range),
                            info.map(|i| i.postings_range)
                        );
                    }
                }
            }
        };
        // Several commits make several segments; a delete and new adds follow
        // the first answers.
        for round in 0..4u64 {
            for i in 0..10u64 {
                let terms: Vec<(u64, u32)> = (1..=40)
                    .filter(|t| (t + i + round) % 3 == 0)
                    .map(|t| (t, 1))
                    .collect();
                ix.add(&doc(&format!("d{round}-{i}"), "x"), &terms).unwrap();
            }
            ix.commit().unwrap();
            check(&ix);
        }
        ix.delete("d0-1").unwrap();
        ix.commit().unwrap();
        check(&ix);
    }

    #[test]
    fn a_refresh_shows_segments_merged_after_the_commit() {
        let dir = tempfile::tempdir().unwrap();
        let ix = DiskIndex::open_or_create(&dir.path().join("ix")).unwrap();
        for round in 0..3u64 {
            for i in 0..4u64 {
                ix.add(&doc(&format!("d{round}-{i}"), "x"), &[(round + 1, 1)])
                    .unwrap();
            }
            ix.commit().unwrap();
        }
        assert_eq!(ix.segments(), 3);
        assert!(!ix.refresh().unwrap(), "nothing merged yet");
        // A merge ends after the last commit: searches still see the three
        // segments it replaced, until a refresh.
        let ids = ix.index.searchable_segment_ids().unwrap();
        ix.with_writer(|w| {
            w.merge(&ids).wait()?;
            Ok(())
        })
        .unwrap();
        assert_eq!(ix.segments(), 3);
        assert!(ix.refresh().unwrap());
        assert_eq!(ix.segments(), 1);
        assert_eq!(ix.len(), 12);
        assert!(ix.get("d1-2").unwrap().is_some());
        assert!(!ix.refresh().unwrap(), "already searched");
    }

    #[test]
    fn keys_read_back_from_their_tokens() {
        for k in [0, 1, 0xdead_beef, u64::MAX] {
            assert_eq!(key_of_token(term_token(k).as_bytes()), Some(k));
        }
        for bad in [&b""[..], b"12", b"00000000000000000", b"000000000000000g"] {
            assert_eq!(key_of_token(bad), None);
        }
    }

    #[test]
    fn filtered_searches_answer_as_the_dictionaries_and_skip_absent_terms() {
        let dir = tempfile::tempdir().unwrap();
        let ix = DiskIndex::open_or_create(&dir.path().join("ix")).unwrap();
        for round in 0..2u64 {
            for i in 0..5u64 {
                let terms: Vec<(u64, u32)> =
                    (1..=6).map(|t| (round * 100 + i * 10 + t, 1)).collect();
                ix.add(&doc(&format!("d{round}-{i}"), "x"), &terms).unwrap();
            }
            ix.commit().unwrap();
        }
        // Built now rather than waiting for the filters' thread.
        let b = ix.blooms.as_ref().expect("the filters' thread started");
        let metas = ix.index.searchable_segment_metas().unwrap();
        crate::bloom::build_missing(&ix.index, ix.fields.terms, key_of_token, b.blooms(), &metas);
        let searcher = ix.reader.searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        for seg in searcher.segment_readers() {
            assert!(b.get(&seg.segment_id()).is_some());
        }
        // 250 keys around the 60 present ones, and 500 far from any.
        let keys: Vec<u64> = (1..=250).chain(10_000..10_500).collect();
        let term = |t: u64| Term::from_field_text(ix.fields.terms, &term_token(t));
        for _ in 0..2 {
            let got = ix.doc_freqs(&searcher, &keys).unwrap();
            let want: Vec<u64> = keys
                .iter()
                .map(|&t| searcher.doc_freq(&term(t)).unwrap())
                .collect();
            assert_eq!(got.dfs, want);
        }
        // Each segment's dictionary was asked for its 30 terms and the few
        // absent ones its filter let through, not for all 750.
        let cache = ix.df_cache.read().unwrap();
        for seg in searcher.segment_readers() {
            let asked = cache.segments.get(&seg.segment_id()).map_or(0, |p| p.len());
            assert!((30..60).contains(&asked), "{asked}");
        }
    }

    #[test]
    fn places_keep_one_entry_per_term_across_shards() {
        let at = |df| TermAt {
            df,
            len: 3,
            start: 7,
        };
        let mut p = Places::default();
        // Keys spread over every shard, and one asked twice.
        let keys: Vec<u64> = (0..1000u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        p.extend(keys.iter().map(|&k| (k, at(1))));
        p.extend(std::iter::once((keys[5], at(2))));
        assert_eq!(p.len(), 1000);
        assert_eq!(p.get(keys[5]), Some(at(2)));
        assert_eq!(p.get(keys[6]), Some(at(1)));
        assert_eq!(p.get(12345), None);
        assert!(p.shards.iter().all(|m| !m.is_empty()));
        let mut all: Vec<u64> = p.iter().map(|(k, _)| k).collect();
        all.sort_unstable();
        let mut want = keys.clone();
        want.sort_unstable();
        assert_eq!(all, want);
    }

    #[test]
    fn the_merge_policy_merges_a_full_level_not_the_whole_index() {
        use std::collections::HashSet;
        use tantivy::indexer::MergePolicy;
        let index = Index::create_in_ram(schema().0);
        let meta = |n| index.new_segment_meta(SegmentId::generate_random(), n);
        // A large segment, a level of three mid-sized ones and a full level
        // of the tiny segments that single commits leave.
        let mut all = vec![meta(15_000), meta(1_200), meta(1_300), meta(1_250)];
        let tiny: Vec<_> = (0..MERGE_FAN_IN).map(|i| meta(3 + i as u32)).collect();
        all.extend(tiny.iter().cloned());
        let got = merge_policy().compute_merge_candidates(&all);
        assert_eq!(got.len(), 1, "one level is full");
        let ids: HashSet<SegmentId> = got[0].0.iter().copied().collect();
        let want: HashSet<SegmentId> = tiny.iter().map(|m| m.id()).collect();
        assert_eq!(ids, want, "only the tiny segments are merged");
        // tantivy's default merges everything here, the large segment too.
        let dflt = LogMergePolicy::default().compute_merge_candidates(&all);
        assert_eq!(dflt.len(), 1);
        assert_eq!(dflt[0].0.len(), all.len());
        // A level short of its fan-in waits.
        assert!(merge_policy()
            .compute_merge_candidates(&all[..all.len() - 1])
            .is_empty());
    }

    #[test]
    fn small_segments_are_merged_into_one_on_request() {
        let dir = tempfile::tempdir().unwrap();
        let ix = DiskIndex::open_or_create(&dir.path().join("ix")).unwrap();
        ix.add(&doc("first", "x"), &[(1, 1)]).unwrap();
        ix.commit().unwrap();
        assert_eq!(ix.merge_small_segments().unwrap(), 0, "one segment");
        for round in 1..4u64 {
            for i in 0..3u64 {
                ix.add(&doc(&format!("d{round}-{i}"), "x"), &[(round, 1)])
                    .unwrap();
            }
            ix.commit().unwrap();
        }
        ix.delete("d2-0").unwrap();
        ix.commit().unwrap();
        assert_eq!(ix.segments(), 4);
        assert_eq!(ix.merge_small_segments().unwrap(), 4);
        // The merge runs in the background; a refresh shows its result.
        let start = std::time::Instant::now();
        while ix.segments() > 1 {
            assert!(start.elapsed().as_secs() < 60, "merge did not end");
            std::thread::sleep(std::time::Duration::from_millis(20));
            ix.refresh().unwrap();
        }
        assert_eq!(ix.len(), 9);
        assert!(ix.get("d3-2").unwrap().is_some());
        assert!(ix.get("d2-0").unwrap().is_none());
        assert_eq!(ix.merge_small_segments().unwrap(), 0, "nothing left");
        // What the merge wrote is committed: a new opening sees one segment.
        drop(ix);
        let again = DiskIndex::open_or_create(&dir.path().join("ix")).unwrap();
        assert_eq!((again.segments(), again.len()), (1, 9));
    }

    #[test]
    fn a_merged_segment_knows_the_terms_searches_found_before_searches_see_it() {
        let dir = tempfile::tempdir().unwrap();
        let ix = DiskIndex::open_or_create(&dir.path().join("ix")).unwrap();
        let mut has = std::collections::BTreeSet::new();
        for round in 0..3u64 {
            for i in 0..4u64 {
                let terms: Vec<(u64, u32)> = (1..=6).map(|t| (round * 10 + i + t, 1)).collect();
                has.extend(terms.iter().map(|t| t.0));
                ix.add(&doc(&format!("d{round}-{i}"), "x"), &terms).unwrap();
            }
            ix.commit().unwrap();
        }
        // Searches ask for terms the index has and some it lacks.
        let keys: Vec<u64> = (1..=40).chain(1000..1010).collect();
        let before = ix.doc_freqs(&ix.reader.searcher(), &keys).unwrap().dfs;
        for (k, df) in keys.iter().zip(&before) {
            assert_eq!(*df > 0, has.contains(k), "term {k}");
        }
        assert_eq!(ix.merge_small_segments().unwrap(), 3);
        let start = std::time::Instant::now();
        while ix.index.searchable_segment_ids().unwrap().len() > 1 {
            assert!(start.elapsed().as_secs() < 60, "merge did not end");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(ix.refresh().unwrap());
        let searcher = ix.reader.searcher();
        assert_eq!(searcher.segment_readers().len(), 1);
        let seg = &searcher.segment_readers()[0];
        // Before any search of it: every term found before is known, with
        // what the dictionary says; the lacking ones were not asked.
        {
            let cache = ix.df_cache.read().unwrap();
            let known = cache.segments.get(&seg.segment_id()).expect("taught");
            let inverted = seg.inverted_index(ix.fields.terms).unwrap();
            for (&k, &df) in keys.iter().zip(&before) {
                let term = Term::from_field_text(ix.fields.terms, &term_token(k));
                let truth = TermAt::of(inverted.get_term_info(&term).unwrap());
                if df > 0 {
                    assert_eq!(known.get(k), Some(truth), "term {k}");
                } else {
                    assert!(known.get(k).is_none(), "term {k}");
                }
            }
            assert!(cache.langs.contains_key(&seg.segment_id()));
            assert!(cache.coming.is_empty());
        }
        // And searches count the same documents as before the merge.
        assert_eq!(ix.doc_freqs(&searcher, &keys).unwrap().dfs, before);
    }

    #[test]
    fn term_search_ranks_as_tantivy_top_docs() {
        use tantivy::query::{BooleanQuery, Occur, Query};
        let dir = tempfile::tempdir().unwrap();
        let ix = DiskIndex::open_or_create(&dir.path().join("ix")).unwrap();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        // Three segments of documents of different lengths, and a delete.
        for round in 0..3 {
            for i in 0..40 {
                let mut terms: Vec<(u64, u32)> = (0..5 + next(40))
                    .map(|_| (1 + next(150), 1 + next(3) as u32))
                    .collect();
                terms.sort_unstable();
                terms.dedup_by_key(|t| t.0);
                ix.add(&doc(&format!("d{round}-{i}"), "x"), &terms).unwrap();
            }
            ix.commit().unwrap();
        }
        ix.delete("d1-3").unwrap();
        ix.commit().unwrap();
        let searcher = ix.reader.searcher();
        let mut compared = 0;
        for _ in 0..40 {
            let mut keys: Vec<u64> = (0..1 + next(12)).map(|_| 1 + next(160)).collect();
            keys.sort_unstable();
            keys.dedup();
            let freqs = ix.doc_freqs(&searcher, &keys).unwrap();
            let of_segment =
                |seg: &tantivy::SegmentReader| segment_langs(seg, ix.fields.lang).map(Arc::new);
            let all = LangPick {
                of_segment: &of_segment,
                filter: Langs::All,
                per_lang: 0,
            };
            let got = top_bm25(&searcher, ix.fields.terms, &freqs.dfs, &freqs.at, 6, all).unwrap();
            let clauses: Vec<(Occur, Box<dyn Query>)> = keys
                .iter()
                .map(|&t| {
                    let term = Term::from_field_text(ix.fields.terms, &term_token(t));
                    let q = TermQuery::new(term, IndexRecordOption::WithFreqs);
                    (Occur::Should, Box::new(q) as Box<dyn Query>)
                })
                .collect();
            let want = searcher
                .search(&BooleanQuery::new(clauses), &TopDocs::with_limit(6))
                .unwrap();
            assert_eq!(got.len(), want.len());
            for (r, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!((g.0 - w.0).abs() <= 1e-4 * w.0.max(1.0), "{got:?} {want:?}");
                // The same document, unless its score ties (to rounding) a
                // neighbour's, when the order of additions may decide.
                let tied = |x: f32| (x - w.0).abs() <= 1e-4 * w.0.max(1.0);
                let near = [r.wrapping_sub(1), r + 1].iter().any(|&o| {
                    want.get(o).is_some_and(|n| tied(n.0)) || got.get(o).is_some_and(|n| tied(n.0))
                });
                if !near {
                    assert_eq!(g.1, w.1, "{got:?} {want:?}");
                    compared += 1;
                }
            }
        }
        assert!(compared > 50, "the queries rank documents apart");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn language_filters_apply_before_the_best_are_taken() {
        let dir = tempfile::tempdir().unwrap();
        let ix = DiskIndex::open_or_create(&dir.path().join("ix")).unwrap();
        // Eight Italian documents match the query better than two German
        // and one English document; two segments, so that languages are
        // read per segment.
        let add = |id: &str, lang: &str, terms: &[(u64, u32)]| {
            let d = StoredDoc {
                lang: lang.into(),
                ..doc(id, id)
            };
            ix.add(&d, terms).unwrap();
        };
        for i in 0..8u64 {
            add(
                &format!("it{i}"),
                "it",
                &[(1, 3), (2, 3), (3, 1), (100 + i, 1)],
            );
            if i == 3 {
                ix.commit().unwrap();
            }
        }
        add("de0", "de", &[(1, 1), (2, 1), (200, 1)]);
        add("de1", "de", &[(1, 1), (201, 1)]);
        add("en0", "en", &[(2, 1), (202, 1)]);
        ix.commit().unwrap();
        let q = [(1, 1), (2, 1), (3, 1)];
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v
        };
        let ids = |langs, k, per_lang| -> Vec<String> {
            let s = TermSearch {
                terms: &q,
                k,
                max_terms: 50,
                min_df: 1,
                langs,
                per_lang,
            };
            ix.search_all(&[s]).unwrap()[0]
                .iter()
                .map(|h| h.doc.id.clone())
                .collect()
        };
        let all = ids(Langs::All, 3, 0);
        assert_eq!(all.len(), 3);
        assert!(all.iter().all(|id| id.starts_with("it")), "{all:?}");
        // Filtered first: the other languages are found however many
        // Italian documents rank above them.
        assert_eq!(
            sorted(ids(Langs::Except("it"), 3, 0)),
            ["de0", "de1", "en0"]
        );
        assert_eq!(sorted(ids(Langs::Only("de"), 5, 0)), ["de0", "de1"]);
        assert!(ids(Langs::Only("fr"), 5, 0).is_empty());
        // The best of each language joins the best k.
        let mixed = ids(Langs::All, 2, 1);
        assert_eq!(mixed.len(), 4, "{mixed:?}");
        assert!(mixed[..2].iter().all(|id| id.starts_with("it")));
        assert_eq!(sorted(mixed[2..].to_vec()), ["de0", "en0"]);
        let one_each = ids(Langs::Except("it"), 1, 1);
        assert_eq!(one_each.len(), 2, "{one_each:?}");
        assert!(one_each.contains(&"en0".to_string()), "{one_each:?}");
    }

    #[test]
    fn merge_threads_run_at_the_lowest_priority() {
        let dir = tempfile::tempdir().unwrap();
        let ix = DiskIndex::open_or_create(&dir.path().join("ix")).unwrap();
        // The first write starts the writer and its merge threads, which
        // name themselves once running (on a loaded machine, a while later).
        ix.add(&doc("a", "alpha"), &[(1, 1)]).unwrap();
        ix.commit().unwrap();
        let start = std::time::Instant::now();
        // Other tests may start writers meanwhile: lower theirs too.
        while lower_merge_priority() == 0 && start.elapsed().as_secs() < 30 {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let mut seen = 0;
        for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
            let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            if comm.starts_with("merge_thread_") {
                let tid: libc::id_t = task.file_name().to_str().unwrap().parse().unwrap();
                // SAFETY: getpriority only reads its integer arguments.
                let nice = || unsafe { libc::getpriority(libc::PRIO_PROCESS, tid) };
                // A writer another test started just now is lowered by a
                // second call; a thread that ended since reads as -1.
                let mut got = nice();
                if got != 19 {
                    lower_merge_priority();
                    got = nice();
                }
                if got == -1 {
                    continue;
                }
                assert_eq!(got, 19, "merge thread {tid}");
                seen += 1;
            }
        }
        assert!(seen >= 1);
    }

    #[test]
    fn add_commit_reopen_search_delete() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ix");
        {
            let ix = DiskIndex::open_or_create(&p).unwrap();
            ix.add(&doc("a", "alpha"), &[(1, 1), (2, 1), (3, 2)])
                .unwrap();
            ix.add(&doc("b", "beta"), &[(7, 1), (8, 1)]).unwrap();
            for i in 0..60u64 {
                ix.add(&doc(&format!("filler{i}"), "x"), &[(1000 + i, 1)])
                    .unwrap();
            }
            ix.commit().unwrap();
        }
        let ix = DiskIndex::open(&p).unwrap();
        assert_eq!(ix.len(), 62);
        let hits = ix.search(&[(1, 1), (3, 1)], 5, 50).unwrap();
        assert_eq!(hits[0].doc.id, "a");
        assert_eq!(ix.get("b").unwrap().unwrap().text, "beta");
        ix.delete("a").unwrap();
        ix.commit().unwrap();
        assert!(ix.get("a").unwrap().is_none());
        assert_eq!(ix.languages().unwrap().get("en"), Some(&61));
    }

    #[test]
    fn uncommitted_writes_are_not_visible_and_foreign_dirs_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ix");
        {
            let ix = DiskIndex::open_or_create(&p).unwrap();
            ix.add(&doc("a", "alpha"), &[(1, 1)]).unwrap();
            ix.commit().unwrap();
            ix.add(&doc("b", "beta"), &[(2, 1)]).unwrap();
            // dropped without commit: "b" is lost, "a" stays
        }
        let ix = DiskIndex::open(&p).unwrap();
        assert_eq!(ix.len(), 1);
        let foreign = dir.path().join("notes");
        std::fs::create_dir(&foreign).unwrap();
        std::fs::write(foreign.join("todo.txt"), "keep me").unwrap();
        assert!(matches!(
            DiskIndex::open_or_create(&foreign),
            Err(IndexError::Foreign(_))
        ));
        assert_eq!(
            std::fs::read_to_string(foreign.join("todo.txt")).unwrap(),
            "keep me"
        );
        std::fs::write(p.join(MARKER), "garbage").unwrap();
        assert!(matches!(
            DiskIndex::open(&p),
            Err(IndexError::BadMarker { .. })
        ));
    }
}
