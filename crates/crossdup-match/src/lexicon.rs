//! Bilingual lexicons (language -> English, stem to stem, weighted) and
//! thesauri (synonym classes within one language).

use std::sync::OnceLock;

use crossdup_text::tokens::stem_once;
use crossdup_text::Lang;
use rustc_hash::FxHashMap;

use crate::features::pivot_key;
use crate::resources::read_data_file;

/// Translations of a language's stems into English stems, with weights in `(0, 1]`.
#[derive(Debug, Default)]
pub struct Lexicon {
    map: FxHashMap<String, Entry>,
}

/// The translations of one source stem, and their pivot keys in the same order.
#[derive(Debug, Default)]
struct Entry(Vec<(String, f32)>, Box<[u64]>);

impl Lexicon {
    /// Builds a lexicon from `word<TAB>english_word<TAB>weight` lines; both
    /// sides are stemmed, weights of pairs that meet after stemming are summed
    /// and capped at 1. At most `per_word` translations per source stem are kept.
    pub fn from_tsv(src: &str, lang: Lang, per_word: usize) -> Lexicon {
        // English words recur across the entries: each is stemmed once, and
        // named by its number in `english` meanwhile.
        let mut english: Vec<String> = Vec::new();
        let mut english_ids: FxHashMap<String, u32> = FxHashMap::default();
        let mut acc: FxHashMap<String, Vec<(u32, f32)>> = FxHashMap::default();
        let mut lower = String::new();
        let (mut last_word, mut last_stem) = (String::new(), String::new());
        for line in src.lines() {
            let mut it = line.split('\t');
            let (Some(a), Some(b)) = (it.next(), it.next()) else {
                continue;
            };
            let w: f32 = it.next().and_then(|w| w.trim().parse().ok()).unwrap_or(1.0);
            if a.is_empty() || b.is_empty() || w.is_nan() || w <= 0.0 {
                continue;
            }
            lowercase_into(b, &mut lower);
            let sb = match english_ids.get(lower.as_str()) {
                Some(&id) => id,
                None => {
                    let id = english.len() as u32;
                    english.push(stem_once(&lower, Lang::En));
                    english_ids.insert(lower.clone(), id);
                    id
                }
            };
            // The lines of one source word come together (the shipped files
            // are sorted): its stem is made once.
            lowercase_into(a, &mut lower);
            if lower != last_word {
                last_word.clone_from(&lower);
                last_stem = stem_once(&lower, lang);
            }
            match acc.get_mut(last_stem.as_str()) {
                Some(v) => v.push((sb, w)),
                None => {
                    acc.insert(last_stem.clone(), vec![(sb, w)]);
                }
            }
        }
        let map = acc
            .into_iter()
            .map(|(k, mut pairs)| {
                // Weights of words that meet after stemming add up (capped at
                // 1), in the order of the lines.
                let mut v: Vec<(String, f32)> = Vec::new();
                let mut merged: FxHashMap<&str, usize> = FxHashMap::default();
                for (id, w) in pairs.drain(..) {
                    let e = english[id as usize].as_str();
                    match merged.get(e) {
                        Some(&i) => v[i].1 = (v[i].1 + w).min(1.0),
                        None => {
                            merged.insert(e, v.len());
                            v.push((e.to_string(), (0.0f32 + w).min(1.0)));
                        }
                    }
                }
                v.sort_by(|x, y| y.1.total_cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
                v.truncate(per_word);
                let keys = v.iter().map(|(e, _)| pivot_key(e)).collect();
                (k, Entry(v, keys))
            })
            .collect();
        Lexicon { map }
    }

    /// English stems for a source stem, strongest first.
    pub fn translate(&self, src_stem: &str) -> &[(String, f32)] {
        self.map
            .get(src_stem)
            .map(|v| v.0.as_slice())
            .unwrap_or(&[])
    }

    /// The pivot keys ([`pivot_key`]) of [`Lexicon::translate`]'s stems, in
    /// the same order.
    pub fn pivot_keys(&self, src_stem: &str) -> &[u64] {
        self.map.get(src_stem).map(|v| &*v.1).unwrap_or(&[])
    }

    /// Number of source stems.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the lexicon has no entries.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// One slot per language, each filled once.
type Cache<T> = [OnceLock<T>; Lang::ALL.len()];

static LEXICONS: Cache<Lexicon> = [const { OnceLock::new() }; Lang::ALL.len()];
static THESAURI: Cache<Thesaurus> = [const { OnceLock::new() }; Lang::ALL.len()];

fn slot(lang: Lang) -> usize {
    Lang::ALL.iter().position(|&l| l == lang).unwrap_or(0)
}

/// Loads the lexicon and the thesaurus of each of `langs` now (in parallel)
/// instead of at their first use: a service calls it before it takes
/// requests, so that its first checks in a language do not wait for the
/// files to be read and parsed. Languages already loaded cost nothing.
pub fn preload(langs: &[Lang]) {
    use rayon::prelude::*;
    langs.par_iter().for_each(|&l| {
        lexicon(l);
        thesaurus(l);
    });
}

/// Whether the lexicon and the thesaurus of `lang` are loaded (or known to
/// be missing): whether their next use is free of file reading.
pub fn is_loaded(lang: Lang) -> bool {
    let i = slot(lang);
    LEXICONS[i].get().is_some() && THESAURI[i].get().is_some()
}

/// Loads the data file `rel` of `lang` once per process with `parse`, or
/// keeps `T::default()` when the file is missing or unreadable. Languages
/// load independently: a thread loading one does not hold up threads that
/// need another, or one already loaded.
fn load_once<T: Default + Send + Sync + 'static>(
    cache: &'static Cache<T>,
    lang: Lang,
    rel: impl FnOnce() -> String,
    parse: impl FnOnce(&str) -> T,
) -> &'static T {
    cache[slot(lang)].get_or_init(|| match read_data_file(&rel()) {
        Some(Ok(text)) => parse(&text),
        _ => T::default(),
    })
}

/// The shipped lexicon `data/lexicons/<lang>-en.tsv.gz`, loaded once; an empty
/// lexicon if the file is missing (then only anchors and cognates match).
pub fn lexicon(lang: Lang) -> &'static Lexicon {
    load_once(
        &LEXICONS,
        lang,
        || format!("lexicons/{}-en.tsv.gz", lang.code()),
        |t| Lexicon::from_tsv(t, lang, 6),
    )
}

/// `word` in lower case, written into `out`.
fn lowercase_into(word: &str, out: &mut String) {
    out.clear();
    if word.is_ascii() {
        out.extend(word.bytes().map(|b| b.to_ascii_lowercase() as char));
    } else {
        out.push_str(&word.to_lowercase());
    }
}

/// Synonym classes of one language: stem -> ids of the classes it belongs to.
#[derive(Debug, Default)]
pub struct Thesaurus {
    classes: FxHashMap<String, Vec<u32>>,
}

impl Thesaurus {
    /// Builds from one class per line, words separated by tabs. Classes with
    /// more than `max_class` words are skipped (too vague to be synonyms).
    pub fn from_tsv(src: &str, lang: Lang, max_class: usize) -> Thesaurus {
        let mut classes: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        // Words recur across classes: each is stemmed once.
        let mut stems_of: FxHashMap<&str, String> = FxHashMap::default();
        let mut lower = String::new();
        for (id, line) in src.lines().enumerate() {
            let words: Vec<&str> = line.split('\t').filter(|w| !w.is_empty()).collect();
            if words.len() < 2 || words.len() > max_class {
                continue;
            }
            let mut stems: Vec<&str> = Vec::with_capacity(words.len());
            for w in &words {
                if !stems_of.contains_key(w) {
                    lowercase_into(w, &mut lower);
                    stems_of.insert(w, stem_once(&lower, lang));
                }
            }
            stems.extend(words.iter().map(|w| stems_of[w].as_str()));
            stems.sort_unstable();
            stems.dedup();
            if stems.len() < 2 {
                continue;
            }
            // Class ids are pushed in line order: each stem's list ascends.
            for s in stems {
                match classes.get_mut(s) {
                    Some(v) => v.push(id as u32),
                    None => {
                        classes.insert(s.to_string(), vec![id as u32]);
                    }
                }
            }
        }
        Thesaurus { classes }
    }

    /// Class ids of a stem.
    pub fn classes(&self, stem: &str) -> &[u32] {
        self.classes.get(stem).map(|v| v.as_slice()).unwrap_or(&[])
    }

    /// Whether two stems share a class.
    pub fn synonyms(&self, a: &str, b: &str) -> bool {
        let (x, y) = (self.classes(a), self.classes(b));
        x.iter().any(|c| y.contains(c))
    }
}

/// The shipped thesaurus `data/thesaurus/<lang>.tsv.gz`, loaded once.
pub fn thesaurus(lang: Lang) -> &'static Thesaurus {
    load_once(
        &THESAURI,
        lang,
        || format!("thesaurus/{}.tsv.gz", lang.code()),
        |t| Thesaurus::from_tsv(t, lang, 12),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossdup_text::tokens::stem;

    #[test]
    fn lexicon_stems_both_sides_and_ranks() {
        let lex = Lexicon::from_tsv("guerra\twar\t0.9\nguerre\twars\t0.2\nfunzionari\tofficials\t0.8\nfunzionario\tofficer\t0.3\n", Lang::It, 4);
        let t = lex.translate(&stem("funzionario", Lang::It));
        assert_eq!(t[0].0, stem("official", Lang::En));
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn thesaurus_classes() {
        let th = Thesaurus::from_tsv("war\twarfare\nsaid\tstated\tsays\n", Lang::En, 12);
        assert!(th.synonyms(&stem("war", Lang::En), &stem("warfare", Lang::En)));
        assert!(!th.synonyms(&stem("war", Lang::En), &stem("said", Lang::En)));
    }
}
