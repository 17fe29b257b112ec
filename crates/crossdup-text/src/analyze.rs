//! The whole text pipeline for one document: lines, noise, language,
//! sentences and tokens.

use serde::Serialize;

use crate::document::Document;
use crate::lang::{identify_lang_preferring, identify_unless, Lang};
use crate::lines::{split_lines, Line};
use crate::noise::{self, LineStats, NoiseContext, NoiseFlag};
use crate::segment::{self, Span};
use crate::tokens::{tokenize, Token, TokenKind};

/// Options for [`analyze`].
#[derive(Clone, Debug, Default)]
pub struct AnalyzeOptions {
    /// Force this language for every document (the `--lang` override).
    pub lang: Option<Lang>,
    /// Language used when identification fails and none is given.
    pub fallback: Option<Lang>,
    /// The collection's main language, which wins when a document's function
    /// words cannot tell it from the language identified (see
    /// [`crate::lang::identify_lang_preferring`]).
    pub prefer: Option<Lang>,
}

/// A sentence of the article body with its tokens.
#[derive(Clone, Debug)]
pub struct Sentence {
    /// Byte span in the original text.
    pub span: Span,
    /// 1-based line number of the sentence's first byte.
    pub line: u32,
    /// Index of the paragraph (non-blank line) among the body's paragraphs.
    pub para: u32,
    /// Language the sentence was analysed in.
    pub lang: Lang,
    /// Tokens, in order.
    pub tokens: Vec<Token>,
    /// In how many documents of the collection the sentence's line occurs
    /// (1 when no collection statistics were given): boilerplate shared by
    /// many documents is weak evidence of copying.
    pub line_df: u32,
}

impl Sentence {
    /// The sentence's text in the original.
    pub fn text<'a>(&self, original: &'a str) -> &'a str {
        &original[self.span.start..self.span.end]
    }

    /// Number of word tokens that are not stop words.
    pub fn content_words(&self) -> usize {
        self.tokens
            .iter()
            .filter(|t| t.kind == TokenKind::Word && !t.stop)
            .count()
    }
}

/// The language of one paragraph, for documents that mix languages.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct ParagraphLang {
    /// 1-based line number of the paragraph.
    pub line: u32,
    /// Its language.
    pub lang: Lang,
}

/// A document after analysis.
#[derive(Clone, Debug)]
pub struct Article {
    /// The document as read.
    pub doc: Document,
    /// The main language.
    pub lang: Lang,
    /// How the language was decided: `"given"`, `"detected"` or `"fallback"`.
    pub lang_source: &'static str,
    /// Paragraphs whose language differs from the main one.
    pub other_langs: Vec<ParagraphLang>,
    /// Lines of the original.
    pub lines: Vec<Line>,
    /// Noise blocks, sorted.
    pub noise: Vec<NoiseFlag>,
    /// Body sentences (noise excluded), in order.
    pub sentences: Vec<Sentence>,
}

impl Article {
    /// The id of the document.
    pub fn id(&self) -> &str {
        &self.doc.id
    }

    /// The original text.
    pub fn text(&self) -> &str {
        &self.doc.text
    }

    /// Bytes of body text (sum of sentence lengths).
    pub fn body_len(&self) -> usize {
        self.sentences
            .iter()
            .map(|s| s.span.end - s.span.start)
            .sum()
    }

    /// Whether a line is inside a noise block.
    pub fn is_noise_line(&self, number: u32) -> bool {
        self.noise
            .iter()
            .any(|f| f.lines[0] <= number && number <= f.lines[1])
    }
}

/// Why a document could not be analysed.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    /// The document's `lang` field names a language crossdup cannot stem.
    #[error("document {id}: {source}")]
    UnknownLang {
        /// Document id.
        id: String,
        /// The parse error.
        source: crate::lang::UnknownLang,
    },
    /// No language could be identified and no fallback was given.
    #[error("document {0}: language not identified (give one with --lang)")]
    NoLanguage(String),
}

/// Text size from which a document is analysed on every core: its lines'
/// noise cues, its paragraphs, and (in crossdup-match) its sentence profiles.
pub const PARALLEL_BYTES: usize = 8 * 1024;

/// Runs the pipeline on one document.
///
/// ```
/// use crossdup_text::{analyze::{analyze, AnalyzeOptions}, document::Document, lang::Lang};
/// let doc = Document::new("a.txt", "Russia asked China for help. The request included drones.\n\nLeave a Reply\n");
/// let art = analyze(doc, &AnalyzeOptions::default(), None).unwrap();
/// assert_eq!(art.lang, Lang::En);
/// assert_eq!(art.sentences.len(), 2);
/// ```
pub fn analyze(
    doc: Document,
    opts: &AnalyzeOptions,
    stats: Option<&LineStats>,
) -> Result<Article, AnalyzeError> {
    let lines = split_lines(&doc.text);
    let given = match (&opts.lang, &doc.lang) {
        (Some(l), _) => Some(*l),
        (None, Some(code)) => {
            Some(
                code.parse::<Lang>()
                    .map_err(|e| AnalyzeError::UnknownLang {
                        id: doc.id.clone(),
                        source: e,
                    })?,
            )
        }
        (None, None) => None,
    };
    // The cue tables hold every language's phrases, so noise is found before
    // the language is identified, on the body alone.
    let noise = noise::detect(&NoiseContext {
        text: &doc.text,
        lines: &lines,
        lang: given,
        stats,
        cues: None,
    });
    let in_noise = |n: u32| noise.iter().any(|f| f.lines[0] <= n && n <= f.lines[1]);
    let body: Vec<Line> = lines
        .iter()
        .copied()
        .filter(|l| !l.is_blank(&doc.text) && !in_noise(l.number))
        .collect();

    // The main language: given, or identified on the body.
    let (lang, lang_source) = match given {
        Some(l) => (l, "given"),
        None => {
            let mut body_text = String::new();
            for l in &body {
                body_text.push_str(l.text(&doc.text));
                body_text.push('\n');
                if body_text.len() > 4000 {
                    break;
                }
            }
            let id = |t: &str| identify_lang_preferring(t, opts.prefer);
            match id(&body_text).or_else(|| id(&doc.text)) {
                Some(l) => (l, "detected"),
                None => match opts.fallback {
                    Some(l) => (l, "fallback"),
                    None => return Err(AnalyzeError::NoLanguage(doc.id.clone())),
                },
            }
        }
    };

    // Each paragraph's language, sentences and tokens depend on it alone: a
    // long document's are found in parallel (a wire-feed check waits on
    // them), a short one's in order, without the hand-off.
    let paragraph = |spans: &mut Vec<Span>, para: usize, line: &Line| {
        let mut plang = lang;
        let mut other = None;
        if given.is_none() {
            let t = line.text(&doc.text);
            // Long paragraphs are judged on their own so mixed documents are seen.
            if t.len() >= 80 {
                if let Some(g) = identify_unless(t, lang) {
                    if g.confidence > 0.9 {
                        plang = g.lang;
                        other = Some(ParagraphLang {
                            line: line.number,
                            lang: g.lang,
                        });
                    }
                }
            }
        }
        let line_df = stats
            .map(|st| st.count(line.text(&doc.text)))
            .unwrap_or(1)
            .max(1);
        spans.clear();
        segment::split_line(&doc.text, line.start, line.end, plang, spans);
        let sentences: Vec<Sentence> = spans
            .iter()
            .filter_map(|s| {
                let tokens = tokenize(&doc.text, s.start, s.end, plang);
                (!tokens.is_empty()).then(|| Sentence {
                    span: *s,
                    line: line.number,
                    para: para as u32,
                    lang: plang,
                    tokens,
                    line_df,
                })
            })
            .collect();
        (other, sentences)
    };
    let paragraphs: Vec<(Option<ParagraphLang>, Vec<Sentence>)> =
        if doc.text.len() >= PARALLEL_BYTES {
            use rayon::prelude::*;
            body.par_iter()
                .enumerate()
                .map_init(Vec::new, |spans, (para, line)| paragraph(spans, para, line))
                .collect()
        } else {
            let mut spans = Vec::new();
            body.iter()
                .enumerate()
                .map(|(para, line)| paragraph(&mut spans, para, line))
                .collect()
        };
    let mut sentences = Vec::with_capacity(paragraphs.iter().map(|p| p.1.len()).sum());
    let mut other_langs = Vec::new();
    for (other, sents) in paragraphs {
        other_langs.extend(other);
        sentences.extend(sents);
    }
    Ok(Article {
        doc,
        lang,
        lang_source,
        other_langs,
        lines,
        noise,
        sentences,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A long document (analysed in parallel) gives, paragraph by paragraph,
    /// what each paragraph gives alone: the same sentences in order, and the
    /// paragraph in another language found where it is.
    #[test]
    fn long_documents_keep_their_order() {
        let mut text = String::new();
        let mut starts = Vec::new();
        let mut k = 0;
        while text.len() < 2 * PARALLEL_BYTES {
            starts.push(text.len());
            if k == 40 {
                text.push_str(
                    "Il governo italiano ha approvato ieri sera una nuova legge sulla scuola \
                     pubblica. I sindacati hanno annunciato uno sciopero per la prossima settimana.\n\n",
                );
            } else {
                text.push_str(&format!(
                    "Paragraph {k} tells of the harbour and its {k} ships. \
                     The crews of the fleet sailed at dawn on day {k}.\n\n"
                ));
            }
            k += 1;
        }
        let opts = AnalyzeOptions::default();
        let art = analyze(Document::new("long.txt", &text), &opts, None).unwrap();
        assert!(text.len() >= PARALLEL_BYTES);
        assert_eq!(art.lang, Lang::En);
        assert_eq!(art.other_langs.len(), 1);
        assert_eq!(art.other_langs[0].lang, Lang::It);
        assert_eq!(art.other_langs[0].line, 81);
        assert_eq!(art.sentences.len(), 2 * starts.len());
        for (n, pair) in art.sentences.chunks(2).enumerate() {
            let alone = &text[starts[n]..starts.get(n + 1).copied().unwrap_or(text.len())];
            let part = analyze(Document::new("p.txt", alone), &opts, None).unwrap();
            assert_eq!(part.sentences.len(), 2);
            for (s, p) in pair.iter().zip(&part.sentences) {
                assert_eq!(s.para as usize, n);
                assert_eq!(s.span.start, p.span.start + starts[n]);
                assert_eq!(s.text(&text), p.text(alone));
                assert_eq!(s.tokens.len(), p.tokens.len());
            }
        }
    }
}
