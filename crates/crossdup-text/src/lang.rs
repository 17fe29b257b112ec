//! Languages crossdup can analyse, and language identification.
//!
//! Every language is one row of the table below (code, name, script, the
//! `whatlang` trigram profile when it has one); how its words are stemmed
//! and which stop words it has are in `data/stem/rules.tsv`, and the letters
//! and words that tell close languages apart in `data/lang/`. Adding a
//! language is adding a row and its data lines.
//!
//! Identification goes by script first (Hangul is Korean, kana Japanese,
//! Thai Thai...), then, among the languages sharing a script, by letters
//! only one of them uses (Ukrainian і, Serbian ђ, Urdu ے), by character
//! trigrams (`whatlang`) corrected by function words, and by the words that
//! tell close sisters apart (Malay from Indonesian, Serbian from Croatian).
//! A short text the evidence does not settle is `und`: [`identify`] returns
//! `None` rather than a guess.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use rustc_hash::FxHashMap;
use serde::{Serialize, Serializer};

use crate::script::{Script, ScriptCensus};

macro_rules! languages {
    ($($var:ident, $code:literal, $code3:literal, $name:literal, $wl:expr, $script:ident;)*) => {
        /// A language crossdup can tokenise, stem and match.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Lang {
            $(#[doc = $name] $var,)*
        }

        const COUNT: usize = [$($code),*].len();

        impl Lang {
            /// Every supported language, in the order of their codes.
            pub const ALL: [Lang; COUNT] = [$(Lang::$var),*];

            /// The ISO 639-1 code, e.g. `"it"`.
            pub fn code(self) -> &'static str {
                match self { $(Lang::$var => $code,)* }
            }

            /// The ISO 639-3 code, e.g. `"ita"`.
            pub fn code3(self) -> &'static str {
                match self { $(Lang::$var => $code3,)* }
            }

            /// The language's name in English, e.g. `"Italian"`.
            pub fn name(self) -> &'static str {
                match self { $(Lang::$var => $name,)* }
            }

            /// The script the language is written in (Serbian: Cyrillic,
            /// though its Latin texts are Serbian too).
            pub fn script(self) -> Script {
                match self { $(Lang::$var => Script::$script,)* }
            }

            fn whatlang(self) -> Option<whatlang::Lang> {
                match self { $(Lang::$var => $wl,)* }
            }
        }
    };
}

languages! {
    Ar, "ar", "ara", "Arabic", Some(whatlang::Lang::Ara), Arabic;
    Bg, "bg", "bul", "Bulgarian", Some(whatlang::Lang::Bul), Cyrillic;
    Bn, "bn", "ben", "Bengali", Some(whatlang::Lang::Ben), Bengali;
    Ca, "ca", "cat", "Catalan", Some(whatlang::Lang::Cat), Latin;
    Cs, "cs", "ces", "Czech", Some(whatlang::Lang::Ces), Latin;
    Da, "da", "dan", "Danish", Some(whatlang::Lang::Dan), Latin;
    De, "de", "deu", "German", Some(whatlang::Lang::Deu), Latin;
    El, "el", "ell", "Greek", Some(whatlang::Lang::Ell), Greek;
    En, "en", "eng", "English", Some(whatlang::Lang::Eng), Latin;
    Es, "es", "spa", "Spanish", Some(whatlang::Lang::Spa), Latin;
    Et, "et", "est", "Estonian", Some(whatlang::Lang::Est), Latin;
    Fa, "fa", "pes", "Persian", Some(whatlang::Lang::Pes), Arabic;
    Fi, "fi", "fin", "Finnish", Some(whatlang::Lang::Fin), Latin;
    Fr, "fr", "fra", "French", Some(whatlang::Lang::Fra), Latin;
    He, "he", "heb", "Hebrew", Some(whatlang::Lang::Heb), Hebrew;
    Hi, "hi", "hin", "Hindi", Some(whatlang::Lang::Hin), Devanagari;
    Hr, "hr", "hrv", "Croatian", Some(whatlang::Lang::Hrv), Latin;
    Hu, "hu", "hun", "Hungarian", Some(whatlang::Lang::Hun), Latin;
    Id, "id", "ind", "Indonesian", Some(whatlang::Lang::Ind), Latin;
    It, "it", "ita", "Italian", Some(whatlang::Lang::Ita), Latin;
    Ja, "ja", "jpn", "Japanese", Some(whatlang::Lang::Jpn), Kana;
    Ko, "ko", "kor", "Korean", Some(whatlang::Lang::Kor), Hangul;
    Lt, "lt", "lit", "Lithuanian", Some(whatlang::Lang::Lit), Latin;
    Lv, "lv", "lav", "Latvian", Some(whatlang::Lang::Lav), Latin;
    Ms, "ms", "msa", "Malay", None, Latin;
    Nl, "nl", "nld", "Dutch", Some(whatlang::Lang::Nld), Latin;
    No, "no", "nob", "Norwegian (Bokmål)", Some(whatlang::Lang::Nob), Latin;
    Pl, "pl", "pol", "Polish", Some(whatlang::Lang::Pol), Latin;
    Pt, "pt", "por", "Portuguese", Some(whatlang::Lang::Por), Latin;
    Ro, "ro", "ron", "Romanian", Some(whatlang::Lang::Ron), Latin;
    Ru, "ru", "rus", "Russian", Some(whatlang::Lang::Rus), Cyrillic;
    Sk, "sk", "slk", "Slovak", Some(whatlang::Lang::Slk), Latin;
    Sl, "sl", "slv", "Slovenian", Some(whatlang::Lang::Slv), Latin;
    Sr, "sr", "srp", "Serbian (Cyrillic and Latin)", Some(whatlang::Lang::Srp), Cyrillic;
    Sv, "sv", "swe", "Swedish", Some(whatlang::Lang::Swe), Latin;
    Sw, "sw", "swa", "Swahili", None, Latin;
    Ta, "ta", "tam", "Tamil", Some(whatlang::Lang::Tam), Tamil;
    Th, "th", "tha", "Thai", Some(whatlang::Lang::Tha), Thai;
    Tr, "tr", "tur", "Turkish", Some(whatlang::Lang::Tur), Latin;
    Uk, "uk", "ukr", "Ukrainian", Some(whatlang::Lang::Ukr), Cyrillic;
    Ur, "ur", "urd", "Urdu", Some(whatlang::Lang::Urd), Arabic;
    Vi, "vi", "vie", "Vietnamese", Some(whatlang::Lang::Vie), Latin;
    Zh, "zh", "zho", "Chinese", Some(whatlang::Lang::Cmn), Han;
}

impl Lang {
    /// Parses an ISO 639-1 or 639-3 code (`"it"`, `"ita"`), case-insensitively;
    /// `nb` is Norwegian, and region or script subtags (`zh-CN`, `sr-Latn`,
    /// `pt_BR`) are ignored.
    ///
    /// ```
    /// use crossdup_text::lang::Lang;
    /// assert_eq!(Lang::from_code("zh-Hans"), Some(Lang::Zh));
    /// assert_eq!(Lang::from_code("sr_Latn"), Some(Lang::Sr));
    /// assert_eq!(Lang::from_code("UKR"), Some(Lang::Uk));
    /// ```
    pub fn from_code(code: &str) -> Option<Lang> {
        let c = code.trim().to_ascii_lowercase();
        let c = c.split(['-', '_']).next().unwrap_or("");
        let c = match c {
            "nb" | "nor" => "no",
            "zho" | "chi" | "cmn" => "zh",
            "fas" | "per" => "fa",
            "zsm" | "may" => "ms",
            "swh" => "sw",
            other => other,
        };
        Lang::ALL
            .iter()
            .copied()
            .find(|l| l.code() == c || l.code3() == c)
    }

    /// The language's index in [`Lang::ALL`], for tables kept per language.
    pub fn index(self) -> usize {
        self as usize
    }

    fn from_whatlang(w: whatlang::Lang) -> Option<Lang> {
        Lang::ALL.iter().copied().find(|l| l.whatlang() == Some(w))
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

/// What a guess rests on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Basis {
    /// The script is written by one language only, or letters of one
    /// language alone are frequent, or function words settle it.
    Sure,
    /// Character trigrams (perhaps corrected by function words).
    Trigrams,
}

#[derive(Clone, Copy, Debug)]
struct Guess {
    lang: Lang,
    confidence: f64,
    basis: Basis,
    /// The language has a sister (`data/lang/sisters.tsv`) and the text
    /// holds marker words of neither.
    unmarked: bool,
}

/// Texts with fewer letters than this are short (a headline, a caption):
/// there, an unsure trigram guess is `und`.
const SHORT_LETTERS: usize = 60;

/// Texts with fewer letters than this (a sentence) cannot be told from a
/// sister language without one of the pair's marker words: they are `und`.
const SISTER_SHORT: usize = 100;

/// A text of this many letters of a script or more, with none of the
/// letters one of its languages never uses (`data/lang/absent.tsv`), is in
/// that language; Russian, Ukrainian or Bulgarian text this long always
/// shows some of я, ь, й, ъ, ю, щ, ы, э.
const ABSENT_SURE: usize = 80;

/// Below this trigram confidence a short text whose function words do not
/// settle its language is `und`.
const UND_CONFIDENCE: f64 = 0.5;

/// Below this confidence, trigrams alone (a text with no function word of
/// any language, such as "Golang tag parser") do not outweigh the
/// collection's main language.
const PRIOR_OVER_TRIGRAMS: f64 = 0.5;

/// Identifies the language of `text` among the languages crossdup supports.
///
/// Returns `None` (`und`) when the text has no letters to judge by, is in a
/// script none of them uses, or is short and the evidence does not settle
/// it.
///
/// ```
/// use crossdup_text::lang::{identify, Lang};
/// let g = identify("La Russia ha chiesto sostegno alla Cina nella guerra contro l'Ucraina.").unwrap();
/// assert_eq!(g.lang, Lang::It);
/// assert_eq!(identify("Україна отримала нову партію допомоги від союзників.").unwrap().lang, Lang::Uk);
/// assert_eq!(identify("东京股市周一收盘上涨").unwrap().lang, Lang::Zh);
/// assert!(identify("12:45 | 3.2%").is_none());
/// ```
pub fn identify(text: &str) -> Option<LangGuess> {
    let sample = crate::util::prefix_at_char_boundary(text, 4000);
    let ev = Evidence::of(sample);
    let g = ev.guess(sample, true)?;
    (!ev.undecided(&g)).then_some(LangGuess {
        lang: g.lang,
        confidence: g.confidence,
    })
}

/// The language [`identify`] gives `text`, without its confidence.
///
/// ```
/// use crossdup_text::lang::{identify, identify_lang, Lang};
/// let t = "The port was closed after the fire, and the ships were sent to the north.";
/// assert_eq!(identify_lang(t), Some(Lang::En));
/// assert_eq!(identify_lang(t), identify(t).map(|g| g.lang));
/// ```
pub fn identify_lang(text: &str) -> Option<Lang> {
    identify(text).map(|g| g.lang)
}

/// As [`identify_lang`], given the language most documents of the collection
/// are in: when function words give `prefer` at least the share they give
/// the language the character trigrams name, when the text has no
/// function word at all and the trigrams are unsure, or when the text is
/// short and undecided (`und`), `prefer` is taken, provided it is written in
/// the text's script. Short technical texts ("Provides a mock protocol for
/// gfal2") share their few function words with several languages, and
/// trigrams then guess at random among them; the collection's main language
/// is the better bet. A text whose script or letters name its language
/// keeps it.
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
/// let ko = "서울 지하철 요금이 다음 달부터 오른다";
/// assert_eq!(identify_lang_preferring(ko, Some(Lang::En)), Some(Lang::Ko));
/// ```
pub fn identify_lang_preferring(text: &str, prefer: Option<Lang>) -> Option<Lang> {
    let sample = crate::util::prefix_at_char_boundary(text, 4000);
    let ev = Evidence::of(sample);
    let g = ev.guess(sample, false)?;
    let undecided = ev.undecided(&g);
    match prefer {
        Some(p) if p == g.lang => Some(p),
        Some(p) if g.basis != Basis::Sure && ev.writes(p) => {
            let stops = &ev.stops;
            let prior = undecided
                || (stops.share(p) > 0.0 && stops.share(p) >= stops.share(g.lang))
                || (stops.silent() && g.confidence < PRIOR_OVER_TRIGRAMS);
            if prior {
                Some(p)
            } else {
                Some(g.lang)
            }
        }
        _ => (!undecided).then_some(g.lang),
    }
}

/// Whether a passage of a document in `lang` is in another language, and
/// which: `None` when [`identify`] would name `lang` (or nothing), or when
/// the passage's function words do not favour the other language over
/// `lang` (trigrams alone misjudge lists and technical phrases: "Keyboard
/// layout switcher: lets you assign different keyboard layouts for
/// different locales." is not French). Languages without a function-word
/// list need only the trigrams.
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
    let ev = Evidence::of(sample);
    let stops = &ev.stops;
    let own = stops.share(lang);
    // Plain ASCII is in no other script, and no list favours another language.
    if sample.is_ascii() && stops.shares.iter().all(|&s| s <= own) {
        return None;
    }
    let g = ev.guess(sample, true).filter(|g| g.lang != lang)?;
    if ev.undecided(&g) {
        return None;
    }
    let listed = stops_of(g.lang).is_some();
    (g.basis == Basis::Sure || !listed || stops.share(g.lang) > own).then_some(LangGuess {
        lang: g.lang,
        confidence: g.confidence,
    })
}

/// What a sample shows: its letters by script and its function words.
struct Evidence {
    census: ScriptCensus,
    script: Option<Script>,
    stops: StopShares,
    /// A language of the script none of whose never-used letters occur.
    absent_free: Option<Lang>,
}

impl Evidence {
    fn of(sample: &str) -> Evidence {
        let census = ScriptCensus::of(sample);
        let script = census.dominant();
        Evidence {
            stops: stop_word_shares(sample),
            absent_free: script.and_then(|s| free_of_absent(sample, s)),
            census,
            script,
        }
    }

    /// Whether `l` is written in the sample's script.
    fn writes(&self, l: Lang) -> bool {
        self.script.is_some_and(|s| script_langs(s).contains(&l))
    }

    /// Whether a guess is too weak to name a language: a short text, and
    /// trigrams unsure.
    fn undecided(&self, g: &Guess) -> bool {
        if g.unmarked && self.census.total() < SISTER_SHORT {
            return true;
        }
        // A short text without the letters one language of its script
        // never uses may be in that language, whatever the trigrams say.
        if self.census.total() < SHORT_LETTERS * 2 {
            if let Some(l) = self.absent_free {
                if l != g.lang {
                    return true;
                }
            }
        }
        g.basis == Basis::Trigrams
            && self.census.total() < SHORT_LETTERS
            && g.confidence < UND_CONFIDENCE
            && self.script.is_none_or(|s| {
                // Function words whose first language is the trigrams' decide it.
                self.stops
                    .ranked(script_langs(s))
                    .is_none_or(|(l, share, _)| l != g.lang || share == 0.0)
            })
    }

    /// The best guess; `confident` asks for the trigrams' confidence even
    /// where function words settle the language (it costs the trigrams).
    fn guess(&self, sample: &str, confident: bool) -> Option<Guess> {
        let script = self.script?;
        let langs = script_langs(script);
        let sure = |lang: Lang, confidence: f64| Guess {
            lang,
            confidence,
            basis: Basis::Sure,
            unmarked: false,
        };
        let share = self.census.count(script) as f64 / self.census.total().max(1) as f64;
        match langs {
            [] => return None,
            [only] if script != Script::Devanagari => return Some(sure(*only, share.min(1.0))),
            _ => {}
        }
        // Letters only one language of the script uses.
        if let Some(l) = marked_by_letters(sample, script, self.census.count(script)) {
            return Some(sure(l, 1.0));
        }
        if let Some(l) = self.absent_free {
            if self.census.count(script) >= ABSENT_SURE {
                return Some(sure(l, 1.0));
            }
        }
        let short = self.census.total() < SISTER_SHORT;
        if let Some(l) = self.stops.settled(langs) {
            let mut c = self.stops.best_share(langs).min(1.0);
            if confident {
                if let Some((_, tc)) = trigram_guess(sample, script).filter(|t| t.0 == l) {
                    c = c.max(tc.min(1.0));
                }
            }
            let (lang, unmarked) = sisters(sample, l, short);
            return Some(Guess {
                unmarked,
                ..sure(lang, c)
            });
        }
        let trigram = trigram_guess(sample, script);
        let g = match trigram {
            // Devanagari is also Marathi's and Nepali's: a text the trigrams
            // give to them is not Hindi.
            None if script == Script::Devanagari => return None,
            None => {
                let (l, s) = self.stops.best(langs)?;
                (s >= 0.2).then_some(Guess {
                    lang: l,
                    confidence: s,
                    basis: Basis::Trigrams,
                    unmarked: false,
                })?
            }
            Some((l, c)) => self.correct(l, c, langs),
        };
        let (lang, unmarked) = sisters(sample, g.lang, short);
        Some(Guess {
            lang,
            unmarked,
            ..g
        })
    }

    /// Character trigrams, corrected by function words: they are the
    /// strongest evidence on short texts, where trigrams often mistake one
    /// language for a neighbour.
    fn correct(&self, l: Lang, c: f64, langs: &[Lang]) -> Guess {
        if let Some((s, share)) = self.stops.best(langs) {
            if s != l && share >= 0.2 && share >= 1.5 * self.stops.share(l) {
                return Guess {
                    lang: s,
                    confidence: share.min(1.0),
                    basis: Basis::Trigrams,
                    unmarked: false,
                };
            }
        }
        Guess {
            lang: l,
            confidence: c,
            basis: Basis::Trigrams,
            unmarked: false,
        }
    }
}

/// The languages written in `script` (Serbian in Latin letters as well as
/// Cyrillic ones).
fn script_langs(script: Script) -> &'static [Lang] {
    static BY_SCRIPT: OnceLock<Vec<Vec<Lang>>> = OnceLock::new();
    let t = BY_SCRIPT.get_or_init(|| {
        Script::ALL
            .iter()
            .map(|&s| {
                Lang::ALL
                    .iter()
                    .copied()
                    .filter(|l| l.script() == s || (s == Script::Latin && *l == Lang::Sr))
                    .collect()
            })
            .collect()
    });
    &t[Script::ALL.iter().position(|&s| s == script).unwrap_or(0)]
}

fn script_name(s: Script) -> &'static str {
    match s {
        Script::Latin => "latin",
        Script::Cyrillic => "cyrillic",
        Script::Greek => "greek",
        Script::Arabic => "arabic",
        Script::Hebrew => "hebrew",
        Script::Devanagari => "devanagari",
        Script::Bengali => "bengali",
        Script::Tamil => "tamil",
        Script::Thai => "thai",
        Script::OtherSoutheastAsian => "southeast-asian",
        Script::Hangul => "hangul",
        Script::Kana => "kana",
        Script::Han => "han",
        Script::Other => "other",
    }
}

const LETTERS_TSV: &str = include_str!("../../../data/lang/letters.tsv");
const SISTERS_TSV: &str = include_str!("../../../data/lang/sisters.tsv");
const ABSENT_TSV: &str = include_str!("../../../data/lang/absent.tsv");

/// The language of `data/lang/absent.tsv` for `script` none of whose
/// never-used letters occur in the sample (when the sample has letters of
/// the script at all).
fn free_of_absent(sample: &str, script: Script) -> Option<Lang> {
    static TABLE: OnceLock<Vec<(Lang, String, Vec<char>)>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        ABSENT_TSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut f = l.split('\t');
                let lang = Lang::from_code(f.next()?)?;
                let script = f.next()?.trim().to_string();
                Some((lang, script, f.next()?.trim().chars().collect()))
            })
            .collect()
    });
    let name = script_name(script);
    table
        .iter()
        .filter(|(_, s, _)| s == name)
        .find(|(_, _, set)| {
            !sample
                .chars()
                .flat_map(char::to_lowercase)
                .any(|c| set.contains(&c))
        })
        .map(|(l, _, _)| *l)
}

/// Share of a script's letters from which a language's own letters name it
/// (and at least two of them, or one in a short text).
const MARKER_SHARE: f64 = 0.005;

/// The first language of `data/lang/letters.tsv` for `script` whose own
/// letters make at least [`MARKER_SHARE`] of the sample's letters in it.
fn marked_by_letters(sample: &str, script: Script, letters: usize) -> Option<Lang> {
    static TABLE: OnceLock<Vec<(Lang, String, Vec<char>)>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        LETTERS_TSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut f = l.split('\t');
                let lang = Lang::from_code(f.next()?)?;
                let script = f.next()?.trim().to_string();
                Some((lang, script, f.next()?.trim().chars().collect()))
            })
            .collect()
    });
    let name = script_name(script);
    let rows: Vec<_> = table.iter().filter(|(_, s, _)| s == name).collect();
    if rows.is_empty() || letters == 0 {
        return None;
    }
    let mut counts = vec![0usize; rows.len()];
    for c in sample.chars().flat_map(char::to_lowercase) {
        for (i, (_, _, set)) in rows.iter().enumerate() {
            if set.contains(&c) {
                counts[i] += 1;
            }
        }
    }
    rows.iter()
        .zip(counts)
        .find(|(_, n)| {
            // One marker letter names the language of a headline; a longer
            // text needs two, and a share of its letters.
            (*n >= 2 || *n == 1 && letters < SHORT_LETTERS)
                && *n as f64 >= MARKER_SHARE * letters as f64
        })
        .map(|((l, _, _), _)| *l)
}

/// `guessed`, or its sister language of `data/lang/sisters.tsv` when the
/// sample holds more of the sister's marker words (at least two, or one
/// against none in a `short` text); and whether `guessed` has a sister
/// while the sample holds marker words of neither.
fn sisters(sample: &str, guessed: Lang, short: bool) -> (Lang, bool) {
    type Pair = (
        Lang,
        Lang,
        rustc_hash::FxHashSet<String>,
        rustc_hash::FxHashSet<String>,
    );
    static PAIRS: OnceLock<Vec<Pair>> = OnceLock::new();
    let pairs = PAIRS.get_or_init(|| {
        let mut words: FxHashMap<(Lang, Lang), rustc_hash::FxHashSet<String>> =
            FxHashMap::default();
        for l in SISTERS_TSV.lines().filter(|l| !l.starts_with('#')) {
            let mut f = l.split('\t');
            let (Some(a), Some(b), Some(w)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            let (Some(a), Some(b)) = (Lang::from_code(a), Lang::from_code(b)) else {
                continue;
            };
            words
                .entry((a, b))
                .or_default()
                .extend(w.split_whitespace().map(str::to_string));
        }
        let mut out = Vec::new();
        for (&(a, b), wa) in &words {
            let wb = words.get(&(b, a)).cloned().unwrap_or_default();
            // Words of both lists tell nothing.
            let only_a = wa.difference(&wb).cloned().collect();
            let only_b = wb.difference(wa).cloned().collect();
            out.push((a, b, only_a, only_b));
        }
        out.sort_by_key(|p| (p.0, p.1));
        out
    });
    let mut norm: Option<String> = None;
    let mut unmarked = false;
    for (lang, sister, own, theirs) in pairs {
        if *sister != guessed {
            continue;
        }
        let n = norm.get_or_insert_with(|| crate::normalize::normalize_text(sample));
        let (mut a, mut b) = (0usize, 0usize);
        for w in n.split(|c: char| !c.is_alphabetic()) {
            a += marks(own, w) as usize;
            b += marks(theirs, w) as usize;
        }
        if a > b && (a >= 2 || short && b == 0) {
            return (*lang, false);
        }
        unmarked |= a == 0 && b == 0;
    }
    (guessed, unmarked)
}

/// Whether `word` is one of `words`, or an inflected form of one of four
/// letters or more (`beogradu` of `beograd`).
fn marks(words: &rustc_hash::FxHashSet<String>, word: &str) -> bool {
    if words.contains(word) {
        return true;
    }
    word.char_indices()
        .skip(4)
        .any(|(at, _)| words.contains(&word[..at]))
}

fn trigram_guess(sample: &str, script: Script) -> Option<(Lang, f64)> {
    static DETECTORS: OnceLock<Vec<Option<whatlang::Detector>>> = OnceLock::new();
    let dets = DETECTORS.get_or_init(|| {
        Script::ALL
            .iter()
            .map(|&s| {
                let mut list: Vec<whatlang::Lang> = script_langs(s)
                    .iter()
                    .filter(|l| s != Script::Latin || **l != Lang::Sr)
                    .filter_map(|l| l.whatlang())
                    .collect();
                if s == Script::Devanagari {
                    list.extend([whatlang::Lang::Mar, whatlang::Lang::Nep]);
                }
                (list.len() > 1).then(|| whatlang::Detector::with_allowlist(list))
            })
            .collect()
    });
    let det = dets[Script::ALL.iter().position(|&s| s == script)?].as_ref()?;
    // Words of other scripts (Latin names in a Russian text) are left out:
    // the trigrams judge the script's own letters.
    let mixed = sample
        .chars()
        .any(|c| Script::of(c).is_some_and(|s| s != script));
    let info = if mixed {
        let own: String = sample
            .chars()
            .map(|c| match Script::of(c) {
                Some(s) if s != script => ' ',
                _ => c,
            })
            .collect();
        det.detect(&own)?
    } else {
        det.detect(sample)?
    };
    Lang::from_whatlang(info.lang()).map(|l| (l, info.confidence()))
}

/// The stop-word list of `l` used for identification, if it has one and
/// is written with spaces between words.
fn stops_of(l: Lang) -> Option<&'static rustc_hash::FxHashSet<String>> {
    let s = crate::tokens::stop_words(l);
    (!s.is_empty() && !l.script().is_unspaced() && l.script() != Script::Hangul).then_some(s)
}

/// Shares of words that are stop words, per language.
#[derive(Clone, Debug)]
struct StopShares {
    /// Share per language, by [`Lang::index`].
    shares: [f64; COUNT],
}

impl Default for StopShares {
    fn default() -> Self {
        StopShares {
            shares: [0.0; COUNT],
        }
    }
}

impl StopShares {
    fn share(&self, l: Lang) -> f64 {
        self.shares[l.index()]
    }

    /// Whether no function word of any language was found (or the text
    /// has too few words to tell).
    fn silent(&self) -> bool {
        self.shares.iter().all(|&s| s == 0.0)
    }

    /// The best of `langs` and the largest share of any other of them.
    fn ranked(&self, langs: &[Lang]) -> Option<(Lang, f64, f64)> {
        let mut best: Option<(Lang, f64)> = None;
        let mut second = 0.0f64;
        // Ties go to the earlier language in the list.
        for &l in langs {
            let s = self.share(l);
            match best {
                Some((_, b)) if s <= b => second = second.max(s),
                _ => {
                    if let Some((_, b)) = best {
                        second = second.max(b);
                    }
                    best = Some((l, s));
                }
            }
        }
        best.map(|(l, s)| (l, s, second))
    }

    /// The winner among `langs`, if it stands out from the runner-up.
    fn best(&self, langs: &[Lang]) -> Option<(Lang, f64)> {
        let (l, s, s2) = self.ranked(langs)?;
        (s > 0.0 && s >= 1.3 * s2).then_some((l, s))
    }

    fn best_share(&self, langs: &[Lang]) -> f64 {
        self.best(langs).map(|b| b.1).unwrap_or(0.0)
    }

    /// The language function words name whatever the trigrams say, if any.
    fn settled(&self, langs: &[Lang]) -> Option<Lang> {
        let (l, s, s2) = self.ranked(langs)?;
        (s >= 0.2 && s >= 1.5 * s2).then_some(l)
    }
}

/// Stop-word membership of a word as a bit set over [`Lang::index`].
fn stop_mask(word: &str) -> u64 {
    static MASKS: OnceLock<FxHashMap<String, u64>> = OnceLock::new();
    let masks = MASKS.get_or_init(|| {
        let mut m: FxHashMap<String, u64> = FxHashMap::default();
        for l in Lang::ALL {
            for w in stops_of(l).into_iter().flatten() {
                *m.entry(w.clone()).or_default() |= 1 << l.index();
            }
        }
        m
    });
    masks.get(word).copied().unwrap_or(0)
}

fn stop_word_shares(text: &str) -> StopShares {
    let sample = crate::util::prefix_at_char_boundary(text, 2000);
    let mut hits = [0usize; COUNT];
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
            assert_eq!(Lang::ALL[l.index()], l);
        }
        assert!("xx".parse::<Lang>().is_err());
        assert_eq!(Lang::ALL.len(), 43);
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
    fn scripts_and_letters_name_their_languages() {
        let cases = [
            (
                Lang::Ru,
                "Президент подписал закон о бюджете на следующий год, сообщили в Кремле.",
            ),
            (
                Lang::Uk,
                "Президент підписав закон про бюджет на наступний рік, повідомили в офісі.",
            ),
            (
                Lang::Sr,
                "Председник је потписао закон о буџету за следећу годину, саопштено је.",
            ),
            (
                Lang::Bg,
                "Президентът подписа закона за бюджета за следващата година, съобщиха от кабинета.",
            ),
            (
                Lang::Fa,
                "رئیس جمهور قانون بودجه سال آینده را امضا کرد و گفت که این کار مهم است.",
            ),
            (
                Lang::Ur,
                "صدر نے اگلے سال کے بجٹ کے قانون پر دستخط کر دیے ہیں اور کہا کہ یہ اہم ہے۔",
            ),
            (
                Lang::Ar,
                "وقع الرئيس على قانون الميزانية للعام المقبل، حسبما أفادت الرئاسة.",
            ),
            (
                Lang::He,
                "הנשיא חתם על חוק התקציב לשנה הבאה, כך נמסר מלשכתו.",
            ),
            (
                Lang::Hi,
                "राष्ट्रपति ने अगले वर्ष के बजट कानून पर हस्ताक्षर किए, कार्यालय ने बताया।",
            ),
            (
                Lang::Ja,
                "大統領は来年度の予算法案に署名したと、事務所が発表した。",
            ),
            (
                Lang::Ko,
                "대통령은 내년도 예산 법안에 서명했다고 대변인이 밝혔다.",
            ),
            (Lang::Th, "ประธานาธิบดีลงนามในกฎหมายงบประมาณสำหรับปีหน้าแล้ว"),
            (
                Lang::El,
                "Ο πρόεδρος υπέγραψε τον νόμο για τον προϋπολογισμό του επόμενου έτους.",
            ),
        ];
        for (want, text) in cases {
            assert_eq!(identify(text).map(|g| g.lang), Some(want), "{text}");
        }
    }

    #[test]
    fn a_quoted_name_does_not_change_the_language() {
        let t = "Российские войска продолжают наступление в направлении города, \
                 сообщили в штабе. Жители Київщини получили предупреждение о ракетной опасности.";
        assert_eq!(identify(t).map(|g| g.lang), Some(Lang::Ru));
    }

    #[test]
    fn short_english_is_not_mistaken_for_a_neighbour() {
        let t = "Firefighters fought the blaze for six hours and saved the old lighthouse near the harbour.";
        assert_eq!(identify(t).map(|g| g.lang), Some(Lang::En));
        let t = "Il porto riaprirà lunedì.";
        assert_eq!(identify(t).map(|g| g.lang), Some(Lang::It));
    }

    #[test]
    fn sisters_are_told_apart_by_their_words() {
        let ms =
            "Kerajaan negeri telah mengumumkan bahawa sekolah akan dibuka semula selepas cuti, \
                  dan ibu bapa boleh menghantar anak mereka seperti biasa.";
        assert_eq!(identify(ms).map(|g| g.lang), Some(Lang::Ms));
        let sr = "Vlada Srbije je saopštila da će nove mere važiti od jula, a građani će imati \
                  vremena da se pripreme, rekao je ministar u Beogradu.";
        assert_eq!(identify(sr).map(|g| g.lang), Some(Lang::Sr));
    }

    #[test]
    fn headlines_are_right_or_und() {
        // Serbian Cyrillic without its own letters, but without the letters
        // Russian and Bulgarian need either: Serbian, or not sure.
        let sr = "Општина се простире на површини од 29 квадратних километара";
        assert!(matches!(identify_lang(sr), Some(Lang::Sr) | None));
        // One letter of Serbian's own in a headline names it.
        let sr = "Устанак је коначно угушен после три дана";
        assert_eq!(identify_lang(sr), Some(Lang::Sr));
        // Urdu's heh goal and yeh barree.
        assert_eq!(identify_lang("خاموشی عافیت کی علامات ہے۔"), Some(Lang::Ur));
        // Malay or Indonesian, with no word that tells them apart.
        assert_eq!(
            identify_lang("Peperangan kembali pecah dengan sengit"),
            None
        );
        // One Danish word against no Norwegian one.
        assert_eq!(
            identify_lang("Regeringen har lagt sig fast på en ny plan"),
            Some(Lang::Da)
        );
    }

    #[test]
    fn latin_lists_do_not_outweigh_the_prose() {
        let ru = "Пакет содержит основные служебные программы для работы с файлами, оболочкой и \
                  текстом. Утилиты: arch base64 basename cat chcon chgrp chmod chown chroot cksum \
                  comm cp csplit cut date dd df dir dircolors dirname du echo env expand expr factor \
                  false flock fmt fold groups head hostid id install join link ln logname ls mkdir";
        assert_eq!(identify_lang(ru), Some(Lang::Ru));
        let zh = "此软件包包含这些字体家族的核心字体：Noto Sans, Noto Serif, Noto Sans Mono, \
                  Noto Sans Arabic, Noto Sans Hebrew, Noto Sans Thai";
        assert_eq!(identify_lang(zh), Some(Lang::Zh));
        // A short quotation in another script leaves an English text English.
        let en = "The minister, who spoke to reporters in Moscow on Tuesday, said that the talks \
                  would go on next week and that both sides had agreed to meet again. \
                  \"Переговоры продолжатся\", he said.";
        assert_eq!(identify_lang(en), Some(Lang::En));
        let sk = "Riadiace centrum obsahuje konfiguračné aplety umožňujúce nastavenie písma, \
                  klávesnice a myši, zvuku a používateľského rozhrania a ďalších parametrov.";
        assert_eq!(identify_lang(sk), Some(Lang::Sk));
    }
}
