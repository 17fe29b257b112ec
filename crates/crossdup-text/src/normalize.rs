//! Unicode normalisation that remembers where every byte came from.
//!
//! The normalised form is NFKC, with typographic quotes, dashes and spaces
//! folded to their plain ASCII kin, and lower-cased. Each script's variants
//! are folded too ([`fold_script`]): Arabic and Persian letter variants and
//! diacritics, Hebrew points, Greek accents, Cyrillic `ё`, and digits of
//! every script to ASCII digits (NFKC already folds full-width forms and
//! keeps Devanagari nukta letters in one decomposed form). Each byte of the
//! normalised text maps back to the byte offset of the original character it
//! came from, so results found on normalised text can be shown in the source.

use unicode_normalization::char::{compose, is_combining_mark};
use unicode_normalization::UnicodeNormalization;

/// Text after normalisation, with a map back into the original.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Normalized {
    /// The normalised text.
    pub text: String,
    /// `origin[i]` is the byte offset in the original text of the character that
    /// produced byte `i` of `text`; one extra entry maps `text.len()` to the
    /// original's end.
    pub origin: Vec<u32>,
}

impl Normalized {
    /// The original byte span of the normalised span `start..end`.
    pub fn original_span(&self, start: usize, end: usize) -> (usize, usize) {
        let s = self.origin[start.min(self.text.len())] as usize;
        let e = if end == 0 {
            s
        } else {
            // End at the end of the original character behind the last byte.
            let last = self.origin[end - 1] as usize;
            let next = self.origin[end.min(self.text.len())] as usize;
            next.max(last + 1)
        };
        (s, e)
    }
}

/// Options for [`normalize_with`].
#[derive(Clone, Copy, Debug)]
pub struct NormalizeOptions {
    /// Lower-case the text (Unicode case folding by `to_lowercase`).
    pub fold_case: bool,
}

impl Default for NormalizeOptions {
    fn default() -> Self {
        NormalizeOptions { fold_case: true }
    }
}

/// Folds one typographic character to its plain form, if it has one.
pub fn fold_typography(c: char) -> Option<char> {
    Some(match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' | '`'
        | '\u{00B4}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{00AB}' | '\u{00BB}'
        | '\u{2033}' | '\u{2039}' | '\u{203A}' => '"',
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2212}' => '-',
        '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => ' ',
        '\u{2026}' => return None, // handled by NFKC: "..."
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => '\u{0}',
        _ => return None,
    })
}

/// The zero of each block of decimal digits outside ASCII that news text
/// uses (NFKC folds the full-width ones already).
const DIGIT_ZEROS: [u32; 20] = [
    0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66,
    0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x17E0, 0x1810, 0xFF10,
];

/// The value of a decimal digit of a script other than ASCII.
pub fn script_digit(c: char) -> Option<u32> {
    let u = c as u32;
    if u < 0x660 {
        return None;
    }
    DIGIT_ZEROS
        .iter()
        .find(|&&z| (z..z + 10).contains(&u))
        .map(|&z| u - z)
}

/// Folds one (lower-case) character of a script's variants to its plain
/// form; `Some('\0')` drops it, `None` keeps it.
///
/// ```
/// use crossdup_text::normalize::fold_script;
/// assert_eq!(fold_script('أ'), Some('ا')); // Arabic alef with hamza
/// assert_eq!(fold_script('ی'), Some('ي')); // Persian yeh
/// assert_eq!(fold_script('\u{064E}'), Some('\0')); // Arabic fatha
/// assert_eq!(fold_script('\u{05B8}'), Some('\0')); // Hebrew qamats
/// assert_eq!(fold_script('ё'), Some('е'));
/// assert_eq!(fold_script('ά'), Some('α'));
/// assert_eq!(fold_script('٣'), Some('3'));
/// assert_eq!(fold_script('a'), None);
/// ```
pub fn fold_script(c: char) -> Option<char> {
    let u = c as u32;
    if u < 0x370 {
        return None;
    }
    if let Some(d) = script_digit(c) {
        return char::from_digit(d, 10);
    }
    Some(match c {
        // Greek: accents and diaeresis.
        'ά' => 'α',
        'έ' => 'ε',
        'ή' => 'η',
        'ί' | 'ϊ' | 'ΐ' => 'ι',
        'ό' => 'ο',
        'ύ' | 'ϋ' | 'ΰ' => 'υ',
        'ώ' => 'ω',
        // Cyrillic.
        'ё' => 'е',
        // Hebrew points and cantillation marks.
        '\u{0591}'..='\u{05BD}'
        | '\u{05BF}'
        | '\u{05C1}'
        | '\u{05C2}'
        | '\u{05C4}'
        | '\u{05C5}'
        | '\u{05C7}' => '\0',
        // Arabic: diacritics (harakat, tanwin, shadda, sukun, dagger alef), tatweel.
        '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' => '\0',
        // Alef with hamza or madda, alef wasla.
        'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
        // Alef maksura and the Persian and Urdu yeh; the Persian keheh.
        'ى' | 'ی' | 'ے' => 'ي',
        'ک' => 'ك',
        // Arabic decimal and thousands separators.
        '\u{066B}' => '.',
        '\u{066C}' => ',',
        _ => return None,
    })
}

/// Normalises `text` with default options (NFKC, typography folded, lower case).
///
/// ```
/// use crossdup_text::normalize::normalize;
/// let n = normalize("L’Ucraina — “Kyiv”");
/// assert_eq!(n.text, "l'ucraina - \"kyiv\"");
/// // "kyiv" starts after the opening quote, whose original is 3 bytes long.
/// let at = n.text.find("kyiv").unwrap();
/// let (s, e) = n.original_span(at, at + 4);
/// assert_eq!(&"L’Ucraina — “Kyiv”"[s..e], "Kyiv");
/// ```
pub fn normalize(text: &str) -> Normalized {
    normalize_with(text, NormalizeOptions::default())
}

/// Normalises `text` with the given options.
pub fn normalize_with(text: &str, opts: NormalizeOptions) -> Normalized {
    let mut origin: Vec<u32> = Vec::with_capacity(text.len() + 1);
    let out = normalize_into(text, opts, Some(&mut origin));
    origin.push(text.len() as u32);
    Normalized { text: out, origin }
}

/// The text of [`normalize`], without the map back into the original.
///
/// ```
/// use crossdup_text::normalize::{normalize, normalize_text};
/// assert_eq!(normalize_text("L’Ucraina — “Kyiv”"), normalize("L’Ucraina — “Kyiv”").text);
/// ```
pub fn normalize_text(text: &str) -> String {
    normalize_into(text, NormalizeOptions::default(), None)
}

fn normalize_into(text: &str, opts: NormalizeOptions, mut origin: Option<&mut Vec<u32>>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut buf = [0u8; 4];
    let mut push = |out: &mut String, origin: &mut Option<&mut Vec<u32>>, c: char, at: usize| {
        let s = c.encode_utf8(&mut buf);
        out.push_str(s);
        if let Some(o) = origin {
            for _ in 0..s.len() {
                o.push(at as u32);
            }
        }
    };
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        // Runs of plain ASCII (all but the backquote, which typography
        // folds) only change case.
        let run = bytes[at..]
            .iter()
            .position(|&b| !b.is_ascii() || b == b'`')
            .unwrap_or(bytes.len() - at);
        if run > 0 {
            let piece = &text[at..at + run];
            if opts.fold_case {
                out.extend(piece.bytes().map(|b| b.to_ascii_lowercase() as char));
            } else {
                out.push_str(piece);
            }
            if let Some(o) = &mut origin {
                o.extend(at as u32..(at + run) as u32);
            }
            at += run;
            continue;
        }
        let Some(c) = text[at..].chars().next() else {
            break;
        };
        let start = at;
        at += c.len_utf8();
        if let Some(f) = fold_typography(c) {
            if f != '\u{0}' {
                push(&mut out, &mut origin, f, start);
            }
            continue;
        }
        for k in std::iter::once(c).nfkc() {
            let k = fold_typography(k).unwrap_or(k);
            if k == '\u{0}' {
                continue;
            }
            // Compose a combining mark with the character before it when possible.
            if is_combining_mark(k) {
                if let Some(prev) = out.chars().next_back() {
                    if let Some(comp) = compose(prev, k) {
                        let plen = prev.len_utf8();
                        let prev_at = match &mut origin {
                            Some(o) => {
                                let p = o[o.len() - plen];
                                o.truncate(o.len() - plen);
                                p as usize
                            }
                            None => 0,
                        };
                        out.truncate(out.len() - plen);
                        push(&mut out, &mut origin, comp, prev_at);
                        continue;
                    }
                }
            }
            if opts.fold_case {
                for l in k.to_lowercase() {
                    match fold_script(l) {
                        Some('\0') => {}
                        Some(f) => push(&mut out, &mut origin, f, start),
                        None => push(&mut out, &mut origin, l, start),
                    }
                }
            } else {
                push(&mut out, &mut origin, k, start);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_quotes_dashes_ligatures_and_case() {
        assert_eq!(normalize("“Ciao” – ﬁne’s").text, "\"ciao\" - fine's");
        assert_eq!(normalize("Ｆｕｌｌ").text, "full");
    }

    #[test]
    fn composes_decomposed_accents() {
        let n = normalize("citta\u{0300} E\u{0301}");
        assert_eq!(n.text, "città é");
        let (s, e) = n.original_span(0, n.text.find(' ').unwrap());
        assert_eq!(&"citta\u{0300} E\u{0301}"[s..e], "citta\u{0300}");
    }

    #[test]
    fn scripts_fold_their_variants_and_keep_the_map() {
        let src = "الْعَرَبِيَّة ٢٠٢٤";
        let n = normalize(src);
        assert_eq!(n.text, "العربية 2024");
        let at = n.text.find("2024").unwrap();
        let (s, e) = n.original_span(at, at + 4);
        assert_eq!(&src[s..e], "٢٠٢٤");
        assert_eq!(normalize("שָׁלוֹם").text, "שלום");
        assert_eq!(normalize("Ёлка").text, "елка");
        assert_eq!(normalize("Αθήνα").text, "αθηνα");
        // Both spellings of a Devanagari nukta letter normalise alike.
        assert_eq!(
            normalize("\u{0958}").text,
            normalize("\u{0915}\u{093C}").text
        );
        // Persian and Arabic spellings of one word meet.
        assert_eq!(normalize("ایران").text, normalize("ايران").text);
    }

    #[test]
    fn map_covers_every_byte() {
        let src = "Ärger … “x” ½";
        let n = normalize(src);
        assert_eq!(n.origin.len(), n.text.len() + 1);
        for w in n.origin.windows(2) {
            assert!(w[0] <= w[1]);
        }
        assert!(n.text.contains("..."));
        assert!(n.text.contains("1⁄2"));
    }
}
