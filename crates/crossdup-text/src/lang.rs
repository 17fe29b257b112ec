//! Languages crossdup can analyse, and language identification.
//!
//! crossdup only works with languages it can stem (the Snowball algorithms of
//! `rust-stemmers`), so identification is restricted to that set.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// A language crossdup can tokenise, stem and match.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    /// Arabic
    Ar,
    /// Danish
    Da,
    /// German
    De,
    /// Greek
    El,
    /// English
    En,
    /// Spanish
    Es,
    /// Finnish
    Fi,
    /// French
    Fr,
    /// Hungarian
    Hu,
    /// Italian
    It,
    /// Dutch
    Nl,
    /// Norwegian (Bokmål)
    No,
    /// Portuguese
    Pt,
    /// Romanian
    Ro,
    /// Russian
    Ru,
    /// Swedish
    Sv,
    /// Tamil
    Ta,
    /// Turkish
    Tr,
}

impl Lang {
    /// Every supported language.
    pub const ALL: [Lang; 18] = [
        Lang::Ar,
        Lang::Da,
        Lang::De,
        Lang::El,
        Lang::En,
        Lang::Es,
        Lang::Fi,
        Lang::Fr,
        Lang::Hu,
        Lang::It,
        Lang::Nl,
        Lang::No,
        Lang::Pt,
        Lang::Ro,
        Lang::Ru,
        Lang::Sv,
        Lang::Ta,
        Lang::Tr,
    ];

    /// The ISO 639-1 code, e.g. `"it"`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ar => "ar",
            Lang::Da => "da",
            Lang::De => "de",
            Lang::El => "el",
            Lang::En => "en",
            Lang::Es => "es",
            Lang::Fi => "fi",
            Lang::Fr => "fr",
            Lang::Hu => "hu",
            Lang::It => "it",
            Lang::Nl => "nl",
            Lang::No => "no",
            Lang::Pt => "pt",
            Lang::Ro => "ro",
            Lang::Ru => "ru",
            Lang::Sv => "sv",
            Lang::Ta => "ta",
            Lang::Tr => "tr",
        }
    }

    /// Parses an ISO 639-1 or 639-3 code (`"it"`, `"ita"`), case-insensitively.
    pub fn from_code(code: &str) -> Option<Lang> {
        let c = code.trim().to_ascii_lowercase();
        Lang::ALL
            .iter()
            .copied()
            .find(|l| l.code() == c || l.code3() == c || (c == "nb" && *l == Lang::No))
    }

    /// The ISO 639-3 code, e.g. `"ita"`.
    pub fn code3(self) -> &'static str {
        self.whatlang().code()
    }

    /// The Snowball stemming algorithm for this language.
    pub fn stemmer_algorithm(self) -> rust_stemmers::Algorithm {
        use rust_stemmers::Algorithm as A;
        match self {
            Lang::Ar => A::Arabic,
            Lang::Da => A::Danish,
            Lang::De => A::German,
            Lang::El => A::Greek,
            Lang::En => A::English,
            Lang::Es => A::Spanish,
            Lang::Fi => A::Finnish,
            Lang::Fr => A::French,
            Lang::Hu => A::Hungarian,
            Lang::It => A::Italian,
            Lang::Nl => A::Dutch,
            Lang::No => A::Norwegian,
            Lang::Pt => A::Portuguese,
            Lang::Ro => A::Romanian,
            Lang::Ru => A::Russian,
            Lang::Sv => A::Swedish,
            Lang::Ta => A::Tamil,
            Lang::Tr => A::Turkish,
        }
    }

    fn whatlang(self) -> whatlang::Lang {
        use whatlang::Lang as W;
        match self {
            Lang::Ar => W::Ara,
            Lang::Da => W::Dan,
            Lang::De => W::Deu,
            Lang::El => W::Ell,
            Lang::En => W::Eng,
            Lang::Es => W::Spa,
            Lang::Fi => W::Fin,
            Lang::Fr => W::Fra,
            Lang::Hu => W::Hun,
            Lang::It => W::Ita,
            Lang::Nl => W::Nld,
            Lang::No => W::Nob,
            Lang::Pt => W::Por,
            Lang::Ro => W::Ron,
            Lang::Ru => W::Rus,
            Lang::Sv => W::Swe,
            Lang::Ta => W::Tam,
            Lang::Tr => W::Tur,
        }
    }

    fn from_whatlang(w: whatlang::Lang) -> Option<Lang> {
        Lang::ALL.iter().copied().find(|l| l.whatlang() == w)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Error for a language code crossdup does not support.
#[derive(Debug, thiserror::Error)]
#[error("unsupported language {0:?}: crossdup supports {list}", list = supported_list())]
pub struct UnknownLang(pub String);

fn supported_list() -> String {
    Lang::ALL
        .iter()
        .map(|l| l.code())
        .collect::<Vec<_>>()
        .join(", ")
}

impl FromStr for Lang {
    type Err = UnknownLang;
    fn from_str(s: &str) -> Result<Lang, UnknownLang> {
        Lang::from_code(s).ok_or_else(|| UnknownLang(s.to_string()))
    }
}

impl Serialize for Lang {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// A language guess with its confidence in `[0, 1]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LangGuess {
    /// The language.
    pub lang: Lang,
    /// How sure the identifier is.
    pub confidence: f64,
}

/// Identifies the language of `text` among the languages crossdup supports.
///
/// Returns `None` when the text has no letters to judge by.
///
/// ```
/// use crossdup_text::lang::{identify, Lang};
/// let g = identify("La Russia ha chiesto sostegno alla Cina nella guerra contro l'Ucraina.").unwrap();
/// assert_eq!(g.lang, Lang::It);
/// ```
pub fn identify(text: &str) -> Option<LangGuess> {
    let sample = crate::util::prefix_at_char_boundary(text, 4000);
    let stops = stop_word_shares(sample);
    combine(trigram_guess(sample), &stops)
}

/// The language [`identify`] gives `text`, without its confidence.
///
/// When function words settle the question (one language's stop words make
/// at least a fifth of the words and half as many again as any other's),
/// [`identify`] answers with that language whatever the character trigrams
/// say, so the trigram model is not consulted.
///
/// ```
/// use crossdup_text::lang::{identify, identify_lang, Lang};
/// let t = "The port was closed after the fire, and the ships were sent to the north.";
/// assert_eq!(identify_lang(t), Some(Lang::En));
/// assert_eq!(identify_lang(t), identify(t).map(|g| g.lang));
/// ```
pub fn identify_lang(text: &str) -> Option<Lang> {
    let sample = crate::util::prefix_at_char_boundary(text, 4000);
    let stops = stop_word_shares(sample);
    if let Some(l) = stops.settled() {
        return Some(l);
    }
    combine(trigram_guess(sample), &stops).map(|g| g.lang)
}

/// As [`identify_lang`], given the language most documents of the collection
/// are in: when function words give `prefer` at least the share they give
/// the language the character trigrams name, or when the text has no
/// function word at all and the trigrams are unsure, `prefer` is taken. Short
/// technical texts ("Provides a mock protocol for gfal2") share their few
/// function words with several languages, and trigrams then guess at random
/// among them; the collection's main language is the better bet.
///
/// ```
/// use crossdup_text::lang::{identify_lang, identify_lang_preferring, Lang};
/// let t = "Provides a dummy mock protocol for gfal2.";
/// assert_eq!(identify_lang_preferring(t, Some(Lang::En)), Some(Lang::En));
/// // No function word at all: weak trigram evidence yields to the prior.
/// let t = "Golang tag parser\n\nOpinionated Golang tag parser.";
/// assert_eq!(identify_lang_preferring(t, Some(Lang::En)), Some(Lang::En));
/// // Clear evidence for another language is not overridden.
/// let it = "La libreria per leggere e scrivere i file di configurazione.";
/// assert_eq!(identify_lang_preferring(it, Some(Lang::En)), identify_lang(it));
/// ```
pub fn identify_lang_preferring(text: &str, prefer: Option<Lang>) -> Option<Lang> {
    let sample = crate::util::prefix_at_char_boundary(text, 4000);
    let stops = stop_word_shares(sample);
    if let Some(l) = stops.settled() {
        return Some(l);
    }
    let guess = combine(trigram_guess(sample), &stops)?;
    match prefer {
        Some(p)
            if p != guess.lang
                && ((stops.share(p) > 0.0 && stops.share(p) >= stops.share(guess.lang))
                    || (stops.silent() && guess.confidence < PRIOR_OVER_TRIGRAMS)) =>
        {
            Some(p)
        }
        _ => Some(guess.lang),
    }
}

/// Below this confidence, trigrams alone (a text with no function word of
/// any language, such as "Golang tag parser") do not outweigh the
/// collection's main language.
const PRIOR_OVER_TRIGRAMS: f64 = 0.5;

/// Whether a passage of a document in `lang` is in another language, and
/// which: `None` when [`identify`] would name `lang` (or nothing), or when
/// the passage's function words do not favour the other language over
/// `lang` (trigrams alone misjudge lists and technical phrases: "Keyboard
/// layout switcher: lets you assign different keyboard layouts for
/// different locales." is not French). Languages without a function-word
/// list (other scripts) need only the trigrams. Cheaper than [`identify`]:
/// trigrams are not consulted when function words settle the question.
///
/// ```
/// use crossdup_text::lang::{identify_unless, Lang};
/// let t = "Keyboard layout switcher: lets you assign different keyboard layouts for different locales.";
/// assert!(identify_unless(t, Lang::En).is_none());
/// let it = "La libreria per leggere e scrivere i file di configurazione del sistema.";
/// assert_eq!(identify_unless(it, Lang::En).map(|g| g.lang), Some(Lang::It));
/// ```
pub fn identify_unless(text: &str, lang: Lang) -> Option<LangGuess> {
    let sample = crate::util::prefix_at_char_boundary(text, 4000);
    let stops = stop_word_shares(sample);
    let own = stops.share(lang);
    // Plain ASCII is in no other script, and no list favours another language.
    if sample.is_ascii() && stops.shares.iter().all(|&s| s <= own) {
        return None;
    }
    if stops.settled() == Some(lang) {
        return None;
    }
    let g = combine(trigram_guess(sample), &stops).filter(|g| g.lang != lang)?;
    let listed = STOP_CANDIDATES.contains(&g.lang);
    (!listed || stops.share(g.lang) > own).then_some(g)
}

fn trigram_guess(sample: &str) -> Option<(Lang, f64)> {
    use std::sync::OnceLock;
    static DETECTOR: OnceLock<whatlang::Detector> = OnceLock::new();
    let det = DETECTOR.get_or_init(|| {
        whatlang::Detector::with_allowlist(Lang::ALL.iter().map(|l| l.whatlang()).collect())
    });
    let info = det.detect(sample);
    info.and_then(|i| Lang::from_whatlang(i.lang()).map(|l| (l, i.confidence())))
}

/// Character trigrams, corrected by function words: they are the strongest
/// evidence on short texts, where trigrams often mistake one language for a
/// neighbour.
fn combine(trigram: Option<(Lang, f64)>, stops: &StopShares) -> Option<LangGuess> {
    let (stop_lang, stop_share) = (stops.best, stops.best_share);
    match (trigram, stop_lang) {
        (Some((l, c)), Some(s)) if s != l => {
            let share_l = stops.share(l);
            if stop_share >= 0.2 && stop_share >= 1.5 * share_l {
                Some(LangGuess {
                    lang: s,
                    confidence: stop_share.min(1.0),
                })
            } else {
                Some(LangGuess {
                    lang: l,
                    confidence: c,
                })
            }
        }
        (Some((l, c)), _) => Some(LangGuess {
            lang: l,
            confidence: c,
        }),
        (None, Some(s)) if stop_share >= 0.2 => Some(LangGuess {
            lang: s,
            confidence: stop_share,
        }),
        _ => None,
    }
}

/// Latin-script languages told apart by function words (others are told
/// apart by their alphabets).
const STOP_CANDIDATES: [Lang; 13] = [
    Lang::Da,
    Lang::De,
    Lang::En,
    Lang::Es,
    Lang::Fi,
    Lang::Fr,
    Lang::Hu,
    Lang::It,
    Lang::Nl,
    Lang::No,
    Lang::Pt,
    Lang::Ro,
    Lang::Sv,
];

/// Shares of words that are stop words, per candidate language.
#[derive(Clone, Debug, Default)]
struct StopShares {
    /// Share per language of [`STOP_CANDIDATES`].
    shares: [f64; 13],
    /// The winner, if it stands out from the runner-up.
    best: Option<Lang>,
    /// Its share (0 without a winner).
    best_share: f64,
    /// The largest share of any other language.
    runner_up: f64,
}

impl StopShares {
    fn share(&self, l: Lang) -> f64 {
        STOP_CANDIDATES
            .iter()
            .position(|&c| c == l)
            .map(|i| self.shares[i])
            .unwrap_or(0.0)
    }

    /// Whether no function word of any language was found (or the text
    /// has too few words to tell).
    fn silent(&self) -> bool {
        self.shares.iter().all(|&s| s == 0.0)
    }

    /// The language [`combine`] returns whatever the trigrams say, if any.
    fn settled(&self) -> Option<Lang> {
        let l = self.best?;
        (self.best_share >= 0.2 && self.best_share >= 1.5 * self.runner_up).then_some(l)
    }
}

/// Stop-word membership of a word as a bit set over [`STOP_CANDIDATES`].
fn stop_mask(word: &str) -> u16 {
    use std::sync::OnceLock;
    static MASKS: OnceLock<rustc_hash::FxHashMap<String, u16>> = OnceLock::new();
    let masks = MASKS.get_or_init(|| {
        let mut m: rustc_hash::FxHashMap<String, u16> = rustc_hash::FxHashMap::default();
        for (i, &l) in STOP_CANDIDATES.iter().enumerate() {
            for w in crate::tokens::stop_words(l) {
                *m.entry(w.clone()).or_default() |= 1 << i;
            }
        }
        m
    });
    masks.get(word).copied().unwrap_or(0)
}

fn stop_word_shares(text: &str) -> StopShares {
    let sample = crate::util::prefix_at_char_boundary(text, 2000);
    let mut hits = [0usize; 13];
    let mut words = 0usize;
    // Normalising ASCII only lower-cases it (the backquote it would turn into
    // a quote separates words either way).
    let norm = if sample.is_ascii() {
        sample.to_ascii_lowercase()
    } else {
        crate::normalize::normalize_text(sample)
    };
    for w in norm.split(|c: char| !c.is_alphabetic()) {
        if w.is_empty() {
            continue;
        }
        words += 1;
        let mut m = stop_mask(w);
        while m != 0 {
            hits[m.trailing_zeros() as usize] += 1;
            m &= m - 1;
        }
    }
    let mut out = StopShares::default();
    if words < 3 {
        return out;
    }
    for (s, h) in out.shares.iter_mut().zip(hits) {
        *s = h as f64 / words as f64;
    }
    // The best, and the runner-up; ties go to the earlier language in the list.
    let mut order: Vec<usize> = (0..13).collect();
    order.sort_by(|&a, &b| out.shares[b].total_cmp(&out.shares[a]));
    let (s, s2) = (out.shares[order[0]], out.shares[order[1]]);
    out.runner_up = s2;
    // The winner must stand out from the runner-up.
    if s > 0.0 && s >= 1.3 * s2 {
        out.best = Some(STOP_CANDIDATES[order[0]]);
        out.best_share = s;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for l in Lang::ALL {
            assert_eq!(Lang::from_code(l.code()), Some(l));
            assert_eq!(Lang::from_code(l.code3()), Some(l));
        }
        assert!("xx".parse::<Lang>().is_err());
    }

    #[test]
    fn identifies_major_languages() {
        let cases = [
            (
                Lang::En,
                "The United States is in talks with allies and partners about the war.",
            ),
            (
                Lang::De,
                "Die Vereinigten Staaten sprechen mit ihren Verbündeten über den Krieg.",
            ),
            (
                Lang::Fr,
                "Les États-Unis discutent avec leurs alliés et partenaires de la guerre.",
            ),
            (
                Lang::Es,
                "Los Estados Unidos están hablando con sus aliados sobre la guerra.",
            ),
            (
                Lang::Nl,
                "De Verenigde Staten praten met hun bondgenoten over de oorlog.",
            ),
            (
                Lang::Pt,
                "Os Estados Unidos estão conversando com seus aliados sobre a guerra.",
            ),
        ];
        for (want, text) in cases {
            assert_eq!(identify(text).map(|g| g.lang), Some(want), "{text}");
        }
        assert!(identify("1234 5678 ---").is_none());
    }

    #[test]
    fn short_english_is_not_mistaken_for_a_neighbour() {
        let t = "Firefighters fought the blaze for six hours and saved the old lighthouse near the harbour.";
        assert_eq!(identify(t).map(|g| g.lang), Some(Lang::En));
        let t = "Il porto riaprirà lunedì.";
        assert_eq!(identify(t).map(|g| g.lang), Some(Lang::It));
    }
}
