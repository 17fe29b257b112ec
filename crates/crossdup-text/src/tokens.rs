//! Tokens, stop words, Snowball stems and normalised numbers.

use std::sync::OnceLock;

use compact_str::CompactString;
use rust_stemmers::Stemmer;
use rustc_hash::FxHashSet;

use crate::lang::Lang;
use crate::normalize::{normalize, normalize_text};

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

fn stemmers() -> &'static Vec<Stemmer> {
    static S: OnceLock<Vec<Stemmer>> = OnceLock::new();
    S.get_or_init(|| {
        Lang::ALL
            .iter()
            .map(|l| Stemmer::create(l.stemmer_algorithm()))
            .collect()
    })
}

fn lang_index(lang: Lang) -> usize {
    Lang::ALL.iter().position(|&l| l == lang).unwrap_or(0)
}

/// Snowball stem of a normalised (lower-case) word.
///
/// ```
/// use crossdup_text::{lang::Lang, tokens::stem};
/// assert_eq!(stem("officials", Lang::En), stem("official", Lang::En));
/// assert_eq!(stem("funzionari", Lang::It), stem("funzionario", Lang::It));
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
    stemmers()[lang_index(lang)].stem(word).into_owned()
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
        let memo = &mut m[lang_index(lang)];
        if let Some(s) = memo.get(word) {
            return f(s);
        }
        let s = stemmers()[lang_index(lang)].stem(word);
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
/// The lists are NLTK's, as packaged by the `stop-words` crate (see `data/README.md`).
pub fn stop_words(lang: Lang) -> &'static FxHashSet<String> {
    static SETS: OnceLock<Vec<FxHashSet<String>>> = OnceLock::new();
    let sets = SETS.get_or_init(|| {
        Lang::ALL
            .iter()
            .map(|l| {
                let code = match l {
                    Lang::No => "no",
                    other => other.code(),
                };
                stop_words::lookup(code)
                    .unwrap_or(&[])
                    .iter()
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
    &sets[lang_index(lang)]
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
        if c.is_numeric() && c.is_ascii_digit() {
            let mut j = i + 1;
            while j < chars.len() {
                let cj = chars[j].1;
                if cj.is_ascii_digit() {
                    j += 1;
                } else if matches!(cj, '.' | ',')
                    && j + 1 < chars.len()
                    && chars[j + 1].1.is_ascii_digit()
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
            let norm = CompactString::from(normalize_number(&s[p..e]));
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
        } else if c.is_alphanumeric() {
            let mut j = i + 1;
            while j < chars.len() && (chars[j].1.is_alphanumeric() || is_joiner(chars[j].1)) {
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
    fn stop_words_in_several_languages() {
        assert!(is_stop_word("the", Lang::En));
        assert!(is_stop_word("della", Lang::It));
        assert!(is_stop_word("und", Lang::De));
        assert!(!is_stop_word("drone", Lang::En));
    }
}
