//! Tokens, stop words, stems and normalised numbers.
//!
//! Words are the runs of letters and digits between spaces and punctuation;
//! runs of scripts written without spaces (Chinese, Japanese, Thai, Lao,
//! Khmer, Myanmar) are cut into words with ICU4X's dictionary segmenter.
//! How each language's words are stemmed (a Snowball algorithm, truncation
//! to a prefix, or not at all) and which stop words it has is read from
//! `data/stem/rules.tsv`. Digits of every script read as numbers.

use std::sync::OnceLock;

use compact_str::CompactString;
use rust_stemmers::Stemmer;
use rustc_hash::FxHashSet;

use icu_segmenter::WordSegmenter;

use crate::lang::Lang;
use crate::normalize::{normalize, normalize_text};
use crate::script::is_unspaced;

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A word (letters, possibly with digits).
    Word,
    /// A number, normalised: `5.000`, `5,000` and `5000` all read `5000`.
    Number,
}

/// One token of a sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// First byte in the original text.
    pub start: u32,
    /// One past the last byte in the original text.
    pub end: u32,
    /// Normalised form (NFKC, lower case; numbers without separators);
    /// held inline, without a heap allocation, up to 24 bytes.
    pub norm: CompactString,
    /// Snowball stem of `norm` (for numbers, `norm`), inline likewise.
    pub stem: CompactString,
    /// Word or number.
    pub kind: TokenKind,
    /// Whether `norm` is a stop word of the sentence's language.
    pub stop: bool,
    /// Whether the token starts with an upper-case letter in the original.
    pub capitalized: bool,
}

const RULES_TSV: &str = include_str!("../../../data/stem/rules.tsv");
/// Stop words of our own, added to the `stop-words` crate's list of the
/// language (`data/stop/LANG.txt`, one word a line, `#` comments).
const EXTRA_STOP: &[(&str, &str)] = &[("ur", include_str!("../../../data/stop/ur.txt"))];
const SERBIAN_TSV: &str = include_str!("../../../data/translit/sr.tsv");

/// How a language's words are folded to stems.
enum Folding {
    /// A Snowball algorithm.
    Snowball(Stemmer),
    /// The first `n` letters of longer words.
    Truncate(usize),
    /// Words as they are.
    Identity,
}

/// One language's line of `data/stem/rules.tsv`.
struct Rule {
    folding: Folding,
    stop_list: Option<&'static str>,
    /// Whether words are spelled in Latin letters first (Serbian).
    translit: bool,
}

fn snowball(name: &str) -> Option<rust_stemmers::Algorithm> {
    use rust_stemmers::Algorithm as A;
    Some(match name {
        "arabic" => A::Arabic,
        "danish" => A::Danish,
        "dutch" => A::Dutch,
        "english" => A::English,
        "finnish" => A::Finnish,
        "french" => A::French,
        "german" => A::German,
        "greek" => A::Greek,
        "hungarian" => A::Hungarian,
        "italian" => A::Italian,
        "norwegian" => A::Norwegian,
        "portuguese" => A::Portuguese,
        "romanian" => A::Romanian,
        "russian" => A::Russian,
        "spanish" => A::Spanish,
        "swedish" => A::Swedish,
        "tamil" => A::Tamil,
        "turkish" => A::Turkish,
        _ => return None,
    })
}

/// The rules of every language, by [`Lang::index`]; a language without a
/// line (or with one that does not parse) is not stemmed and has no stop
/// words.
fn rules() -> &'static [Rule] {
    static R: OnceLock<Vec<Rule>> = OnceLock::new();
    R.get_or_init(|| {
        let mut out: Vec<Rule> = Lang::ALL
            .iter()
            .map(|_| Rule {
                folding: Folding::Identity,
                stop_list: None,
                translit: false,
            })
            .collect();
        for line in RULES_TSV.lines().filter(|l| !l.starts_with('#')) {
            let mut f = line.split('\t');
            let (Some(code), Some(stem), stop, extra) = (f.next(), f.next(), f.next(), f.next())
            else {
                continue;
            };
            let Some(lang) = Lang::from_code(code) else {
                continue;
            };
            let folding = match stem.trim().split_once(':') {
                Some(("snowball", name)) => snowball(name)
                    .map(|a| Folding::Snowball(Stemmer::create(a)))
                    .unwrap_or(Folding::Identity),
                Some(("truncate", n)) => n
                    .parse()
                    .map(Folding::Truncate)
                    .unwrap_or(Folding::Identity),
                _ => Folding::Identity,
            };
            let stop_list = stop.map(str::trim).filter(|s| !s.is_empty() && *s != "-");
            // Only Serbian's table ships (data/translit/sr.tsv).
            let translit = extra.map(str::trim) == Some("translit:sr");
            out[lang.index()] = Rule {
                folding,
                stop_list,
                translit,
            };
        }
        out
    })
}

/// The stem of a normalised word by its language's rule.
fn fold<'a>(word: &'a str, lang: Lang) -> std::borrow::Cow<'a, str> {
    use std::borrow::Cow;
    match &rules()[lang.index()].folding {
        Folding::Snowball(s) => s.stem(word),
        Folding::Truncate(n) => match word.char_indices().nth(*n) {
            Some((at, _)) => Cow::Borrowed(&word[..at]),
            None => Cow::Borrowed(word),
        },
        Folding::Identity => Cow::Borrowed(word),
    }
}

/// Serbian Cyrillic spelled in Serbian Latin letters (`data/translit/sr.tsv`),
/// so that the two scripts of Serbian give one word form; `None` when the
/// word has no Cyrillic letter.
///
/// ```
/// use crossdup_text::tokens::serbian_latin;
/// assert_eq!(serbian_latin("београд").as_deref(), Some("beograd"));
/// assert_eq!(serbian_latin("љубав").as_deref(), Some("ljubav"));
/// assert_eq!(serbian_latin("beograd"), None);
/// ```
pub fn serbian_latin(word: &str) -> Option<String> {
    static MAP: OnceLock<rustc_hash::FxHashMap<char, &'static str>> = OnceLock::new();
    let map = MAP.get_or_init(|| {
        SERBIAN_TSV
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (c, lat) = l.split_once('\t')?;
                let mut cs = c.chars();
                let c = cs.next()?;
                cs.next().is_none().then_some((c, lat.trim()))
            })
            .collect()
    });
    if !word.chars().any(|c| map.contains_key(&c)) {
        return None;
    }
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        match map.get(&c) {
            Some(l) => out.push_str(l),
            None => out.push(c),
        }
    }
    Some(out)
}

/// Stem of a normalised (lower-case) word, by its language's rule in
/// `data/stem/rules.tsv` (Snowball, truncation or the word itself).
///
/// ```
/// use crossdup_text::{lang::Lang, tokens::stem};
/// assert_eq!(stem("officials", Lang::En), stem("official", Lang::En));
/// assert_eq!(stem("funzionari", Lang::It), stem("funzionario", Lang::It));
/// assert_eq!(stem("ministrem", Lang::Cs), stem("ministrovi", Lang::Cs));
/// assert_eq!(stem("北京", Lang::Zh), "北京");
/// ```
pub fn stem(word: &str, lang: Lang) -> String {
    with_stem(word, lang, str::to_owned)
}

/// As [`stem`], without the per-thread memory of recent words: for word
/// lists read once (lexicons, thesauri), which would only push the words of
/// the documents out of it.
///
/// ```
/// use crossdup_text::{lang::Lang, tokens::{stem, stem_once}};
/// assert_eq!(stem_once("officials", Lang::En), stem("officials", Lang::En));
/// ```
pub fn stem_once(word: &str, lang: Lang) -> String {
    fold(word, lang).into_owned()
}

/// Most words a thread remembers the stems of, per language; the memory is
/// emptied when full.
const STEM_CACHE: usize = 1 << 15;

/// Calls `f` with the Snowball stem of `word`, from a per-thread memory of
/// the words met before: words repeat, and stemming is the costly part of
/// tokenising (and of loading lexicons and thesauri).
fn with_stem<R>(word: &str, lang: Lang, f: impl FnOnce(&str) -> R) -> R {
    use std::cell::RefCell;
    type Memo = Vec<rustc_hash::FxHashMap<CompactString, CompactString>>;
    thread_local! {
        static MEMO: RefCell<Memo> = RefCell::new(vec![Default::default(); Lang::ALL.len()]);
    }
    MEMO.with(|m| {
        let mut m = m.borrow_mut();
        let memo = &mut m[lang.index()];
        if let Some(s) = memo.get(word) {
            return f(s);
        }
        let s = fold(word, lang);
        let r = f(&s);
        if memo.len() >= STEM_CACHE {
            memo.clear();
        }
        memo.insert(word.into(), CompactString::from(&*s));
        r
    })
}

/// The stop words of `lang`, normalised as tokens are.
///
/// The lists are NLTK's where it has one and stopwords-iso's otherwise, as
/// packaged by the `stop-words` crate; `data/stem/rules.tsv` names the list
/// of each language (Serbian uses the Croatian list, its words being those
/// of Serbian in Latin letters). See `data/README.md`.
///
/// ```
/// use crossdup_text::{lang::Lang, tokens::is_stop_word};
/// assert!(is_stop_word("и", Lang::Ru) && is_stop_word("的", Lang::Zh));
/// ```
pub fn stop_words(lang: Lang) -> &'static FxHashSet<String> {
    static SETS: OnceLock<Vec<FxHashSet<String>>> = OnceLock::new();
    let sets = SETS.get_or_init(|| {
        Lang::ALL
            .iter()
            .map(|l| {
                let extra = EXTRA_STOP
                    .iter()
                    .filter(|(code, _)| *code == l.code())
                    .flat_map(|(_, list)| list.lines())
                    .map(str::trim)
                    .filter(|w| !w.is_empty() && !w.starts_with('#'));
                rules()[l.index()]
                    .stop_list
                    .and_then(stop_words::lookup)
                    .unwrap_or(&[])
                    .iter()
                    .copied()
                    .chain(extra)
                    .flat_map(|w| {
                        // "l'" style entries split like our tokens do.
                        normalize(w)
                            .text
                            .split(|c: char| !c.is_alphanumeric())
                            .filter(|p| !p.is_empty())
                            .map(str::to_string)
                            .collect::<Vec<_>>()
                    })
                    .collect()
            })
            .collect()
    });
    &sets[lang.index()]
}

/// Whether the normalised word is a stop word in `lang`.
pub fn is_stop_word(word: &str, lang: Lang) -> bool {
    stop_words(lang).contains(word)
}

/// Normalises a number's digits and separators: thousands separators are
/// dropped, a decimal comma becomes a point.
///
/// ```
/// use crossdup_text::tokens::normalize_number;
/// assert_eq!(normalize_number("5.000"), "5000");
/// assert_eq!(normalize_number("5,000"), "5000");
/// assert_eq!(normalize_number("1.234.567,5"), "1234567.5");
/// assert_eq!(normalize_number("3,5"), "3.5");
/// assert_eq!(normalize_number("2015"), "2015");
/// ```
pub fn normalize_number(raw: &str) -> String {
    let groups: Vec<&str> = raw.split(['.', ',', '\'', ' ', '\u{202F}']).collect();
    if groups.len() == 1 {
        return raw.to_string();
    }
    let seps: Vec<char> = raw.chars().filter(|c| !c.is_ascii_digit()).collect();
    let last = *groups.last().unwrap_or(&"");
    let all_thousands =
        groups[1..].iter().all(|g| g.len() == 3) && !groups[0].is_empty() && groups[0].len() <= 3;
    let mixed = seps.iter().any(|&c| c != seps[0]);
    if all_thousands && !mixed {
        return groups.concat();
    }
    // The last separator is a decimal mark; the earlier ones group thousands.
    let int: String = groups[..groups.len() - 1].concat();
    let frac = last.trim_end_matches('0');
    if frac.is_empty() {
        int
    } else {
        format!("{int}.{frac}")
    }
}

/// Tokenises `text[start..end]` (a sentence) in language `lang`.
///
/// Apostrophes and hyphens split words (`l'Ucraina` gives `l` and `ucraina`);
/// digits with `.`/`,` between them form one number token.
///
/// ```
/// use crossdup_text::{lang::Lang, tokens::{tokenize, TokenKind}};
/// let text = "Le vittime sono 5.000, l’Ucraina resiste.";
/// let toks = tokenize(text, 0, text.len(), Lang::It);
/// let norms: Vec<&str> = toks.iter().map(|t| t.norm.as_str()).collect();
/// assert_eq!(norms, ["le", "vittime", "sono", "5000", "l", "ucraina", "resiste"]);
/// assert_eq!(toks[3].kind, TokenKind::Number);
/// assert!(toks[0].stop && toks[0].capitalized);
/// assert_eq!(&text[toks[5].start as usize..toks[5].end as usize], "Ucraina");
/// ```
pub fn tokenize(text: &str, start: usize, end: usize, lang: Lang) -> Vec<Token> {
    crate::util::with_char_indices(&text[start..end], |chars| {
        tokenize_chars(text, start, end, lang, chars)
    })
}

/// [`tokenize`], given the span's `char_indices`.
fn tokenize_chars(
    text: &str,
    start: usize,
    end: usize,
    lang: Lang,
    chars: &[(usize, char)],
) -> Vec<Token> {
    let s = &text[start..end];
    // About one token in every six bytes of running text: most spans are
    // tokenised without growing the vector.
    let mut out = Vec::with_capacity(s.len() / 6 + 2);
    let mut i = 0;
    while i < chars.len() {
        let (p, c) = chars[i];
        if digit_value(c).is_some() {
            let mut j = i + 1;
            while j < chars.len() {
                let cj = chars[j].1;
                if digit_value(cj).is_some() {
                    j += 1;
                } else if matches!(cj, '.' | ',' | '\u{066B}' | '\u{066C}')
                    && j + 1 < chars.len()
                    && digit_value(chars[j + 1].1).is_some()
                {
                    j += 2;
                } else {
                    break;
                }
            }
            // Digits glued to letters (e.g. "TB2", "mp3") form a word.
            if j < chars.len() && chars[j].1.is_alphabetic() {
                let mut k = j;
                while k < chars.len() && chars[k].1.is_alphanumeric() {
                    k += 1;
                }
                push_word(&mut out, s, start, chars, i, k, lang);
                i = k;
                continue;
            }
            let e = if j < chars.len() { chars[j].0 } else { s.len() };
            let norm = CompactString::from(normalize_number(&ascii_digits(&s[p..e])));
            out.push(Token {
                start: (start + p) as u32,
                end: (start + e) as u32,
                stem: norm.clone(),
                norm,
                kind: TokenKind::Number,
                stop: false,
                capitalized: false,
            });
            i = j;
        } else if is_unspaced(c) {
            // A run of a script without spaces, cut into words.
            let mut j = i + 1;
            while j < chars.len() && (is_unspaced(chars[j].1) || is_joiner(chars[j].1)) {
                j += 1;
            }
            let run_end = if j < chars.len() { chars[j].0 } else { s.len() };
            let run = &s[p..run_end];
            let mut k = i;
            let mut last = 0usize;
            for b in WordSegmenter::new_dictionary(Default::default()).segment_str(run) {
                if b == 0 {
                    continue;
                }
                // The characters of the word run[last..b].
                let first = k;
                while k < j && chars[k].0 - p < b {
                    k += 1;
                }
                if run[last..b].chars().any(char::is_alphanumeric) {
                    push_word(&mut out, s, start, chars, first, k, lang);
                }
                last = b;
            }
            i = j;
        } else if c.is_alphanumeric() {
            let mut j = i + 1;
            while j < chars.len()
                && (chars[j].1.is_alphanumeric() || is_joiner(chars[j].1))
                && !is_unspaced(chars[j].1)
            {
                j += 1;
            }
            push_word(&mut out, s, start, chars, i, j, lang);
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// The value of a decimal digit of any script (ASCII, Arabic-Indic,
/// Persian, Devanagari, Bengali, Tamil, Thai, full-width...).
///
/// ```
/// use crossdup_text::tokens::digit_value;
/// assert_eq!(digit_value('7'), Some(7));
/// assert_eq!(digit_value('٣'), Some(3)); // Arabic-Indic
/// assert_eq!(digit_value('۵'), Some(5)); // Persian
/// assert_eq!(digit_value('४'), Some(4)); // Devanagari
/// assert_eq!(digit_value('９'), Some(9)); // full-width
/// assert_eq!(digit_value('x'), None);
/// ```
pub fn digit_value(c: char) -> Option<u32> {
    if c.is_ascii_digit() {
        return Some(c as u32 - '0' as u32);
    }
    crate::normalize::script_digit(c)
}

/// `raw` with every digit in ASCII and the Arabic decimal and thousands
/// separators as `.` and `,`.
fn ascii_digits(raw: &str) -> std::borrow::Cow<'_, str> {
    if raw.is_ascii() {
        return std::borrow::Cow::Borrowed(raw);
    }
    raw.chars()
        .map(|c| match c {
            '\u{066B}' => '.',
            '\u{066C}' => ',',
            c => digit_value(c)
                .and_then(|d| char::from_digit(d, 10))
                .unwrap_or(c),
        })
        .collect::<String>()
        .into()
}

fn is_joiner(c: char) -> bool {
    // Combining marks stay inside words.
    unicode_normalization::char::is_combining_mark(c)
}

#[allow(clippy::too_many_arguments)]
fn push_word(
    out: &mut Vec<Token>,
    s: &str,
    base: usize,
    chars: &[(usize, char)],
    i: usize,
    j: usize,
    lang: Lang,
) {
    let p = chars[i].0;
    let e = if j < chars.len() { chars[j].0 } else { s.len() };
    let raw = &s[p..e];
    // Plain ASCII (but the backquote) normalises to its lower case.
    let norm = if raw.bytes().all(|b| b.is_ascii() && b != b'`') {
        let mut n = CompactString::from(raw);
        n.make_ascii_lowercase();
        n
    } else {
        CompactString::from(normalize_text(raw))
    };
    let norm = match rules()[lang.index()].translit {
        true => serbian_latin(&norm)
            .map(CompactString::from)
            .unwrap_or(norm),
        false => norm,
    };
    let stop = is_stop_word(&norm, lang);
    let stem = with_stem(&norm, lang, |s| CompactString::from(s));
    out.push(Token {
        start: (base + p) as u32,
        end: (base + e) as u32,
        norm,
        stem,
        kind: TokenKind::Word,
        stop,
        capitalized: chars[i].1.is_uppercase(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_one_token_whatever_the_separators() {
        for t in ["5.000", "5,000", "5000"] {
            let toks = tokenize(t, 0, t.len(), Lang::En);
            assert_eq!(toks.len(), 1);
            assert_eq!(toks[0].norm, "5000");
        }
    }

    #[test]
    fn word_forms_are_the_normalised_text_ascii_or_not() {
        let t = "The MP3 Player’s e-Mail ÉCOLE straße `quoted` Ｆｕｌｌ ﬁne TB2";
        let toks = tokenize(t, 0, t.len(), Lang::En);
        assert!(toks.len() >= 10);
        for tok in toks.iter().filter(|k| k.kind == TokenKind::Word) {
            let raw = &t[tok.start as usize..tok.end as usize];
            assert_eq!(tok.norm, normalize_text(raw), "{raw}");
        }
    }

    #[test]
    fn alphanumerics_are_words() {
        let t = "TB2 drones";
        let toks = tokenize(t, 0, t.len(), Lang::En);
        assert_eq!(toks[0].norm, "tb2");
        assert_eq!(toks[0].kind, TokenKind::Word);
    }

    #[test]
    fn unspaced_scripts_are_cut_into_words_with_their_offsets() {
        let t = "习近平在北京会见了普京。";
        let toks = tokenize(t, 0, t.len(), Lang::Zh);
        let words: Vec<&str> = toks
            .iter()
            .map(|k| &t[k.start as usize..k.end as usize])
            .collect();
        assert!(words.contains(&"北京"), "{words:?}");
        assert!(words.len() >= 4 && words.iter().all(|w| w.chars().count() <= 4));
        let t = "東京都は新しい計画を発表した";
        let toks = tokenize(t, 0, t.len(), Lang::Ja);
        assert!(toks.len() >= 5);
        let joined: String = toks
            .iter()
            .map(|k| &t[k.start as usize..k.end as usize])
            .collect();
        assert_eq!(joined, "東京都は新しい計画を発表した");
        let t = "รัฐบาลประกาศมาตรการใหม่";
        let toks = tokenize(t, 0, t.len(), Lang::Th);
        assert!(toks.len() >= 3, "{toks:?}");
        // Latin words glued to ideographs stand apart.
        let t = "iPhone手机";
        let toks = tokenize(t, 0, t.len(), Lang::Zh);
        assert_eq!(toks[0].norm, "iphone");
    }

    #[test]
    fn digits_of_every_script_are_numbers() {
        for t in ["٢٠٢٤", "۲۰۲۴", "२०२४", "২০২৪", "２０２４", "2024"] {
            let toks = tokenize(t, 0, t.len(), Lang::En);
            assert_eq!(toks.len(), 1, "{t}");
            assert_eq!(toks[0].kind, TokenKind::Number);
            assert_eq!(toks[0].norm, "2024", "{t}");
        }
        let t = "٣٫٥";
        assert_eq!(tokenize(t, 0, t.len(), Lang::Ar)[0].norm, "3.5");
    }

    #[test]
    fn serbian_in_both_scripts_gives_one_form() {
        let c = "Влада Србије";
        let l = "Vlada Srbije";
        let a: Vec<_> = tokenize(c, 0, c.len(), Lang::Sr)
            .into_iter()
            .map(|t| t.stem)
            .collect();
        let b: Vec<_> = tokenize(l, 0, l.len(), Lang::Sr)
            .into_iter()
            .map(|t| t.stem)
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn stop_words_in_several_languages() {
        assert!(is_stop_word("the", Lang::En));
        assert!(is_stop_word("della", Lang::It));
        assert!(is_stop_word("und", Lang::De));
        assert!(!is_stop_word("drone", Lang::En));
        // Urdu from data/stop/ur.txt, normalised as tokens are.
        let ke = crate::normalize::normalize("کے").text;
        assert!(is_stop_word(&ke, Lang::Ur));
    }
}
