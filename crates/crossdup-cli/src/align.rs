//! `crossdup align`: sentence alignment of two parallel texts, as a tool for
//! people and for corpus builders (hunalign-compatible ladders, TSV, JSON
//! Lines with byte spans, and a side-by-side view).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

use crossdup::matching::bitext::{
    align_sides, article_from_lines, Bead, BitextOptions, BitextSide,
};
use crossdup::text::analyze::{analyze, AnalyzeOptions};
use crossdup::text::lang::identify;
use crossdup::text::reader::{decode, SkipReason};
use crossdup::text::util::prefix_at_char_boundary;
use crossdup::text::Article;
use crossdup::{Document, Lang};

use crate::{parse_lang, UsageError};

/// How the inputs are cut into sentences.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Segments {
    /// crossdup's segmenter (noise lines such as share bars are left out).
    Auto,
    /// One sentence a line, blank lines included (as hunalign takes it).
    Lines,
}

/// Output format of `crossdup align`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AlignFormat {
    /// Side by side, with each bead's sentence numbers and score, for a person.
    #[value(alias = "table")]
    Text,
    /// One JSON object per bead: sentence ranges, byte spans, score.
    Jsonl,
    /// Source text, target text, score (merged sentences joined by " ~~~ ").
    Tsv,
    /// hunalign's ladder: rungs `i<TAB>j<TAB>score`, 0-based.
    Ladder,
}

/// Arguments of `crossdup align`.
#[derive(clap::Args)]
pub struct AlignArgs {
    /// First (source) text.
    src: PathBuf,
    /// Second (target) text.
    tgt: PathBuf,
    /// How the texts are cut into sentences.
    #[arg(long, value_enum, default_value = "auto")]
    segments: Segments,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: AlignFormat,
    /// Language of both texts (ISO code); detected per text otherwise.
    #[arg(long)]
    lang: Option<String>,
    /// Language of the source text.
    #[arg(long)]
    src_lang: Option<String>,
    /// Language of the target text.
    #[arg(long)]
    tgt_lang: Option<String>,
    /// One pass only: no lexicon learned from the texts, no realignment.
    #[arg(long)]
    no_realign: bool,
    /// Write output to this file instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

/// One input, read and segmented.
struct Input {
    path: String,
    art: Article,
}

impl Input {
    fn text(&self) -> &str {
        self.art.text()
    }

    /// Drops the sentences' tokens (only their spans are needed for output).
    fn free_tokens(&mut self) {
        for s in &mut self.art.sentences {
            s.tokens = Vec::new();
        }
    }

    /// Byte span of sentences `r.0..r.1`, or `None` for an empty range.
    fn span(&self, r: (usize, usize)) -> Option<(usize, usize)> {
        (r.1 > r.0).then(|| {
            (
                self.art.sentences[r.0].span.start,
                self.art.sentences[r.1 - 1].span.end,
            )
        })
    }

    /// The sentences `r.0..r.1`, each on one line of text.
    fn sentences(&self, r: (usize, usize)) -> Vec<String> {
        self.art.sentences[r.0..r.1]
            .iter()
            .map(|s| {
                s.text(self.text())
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }
}

fn read(path: &Path, lang: Option<Lang>, segments: Segments) -> Result<Input> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| format!("reading {shown}"))?;
    let text = match decode(bytes) {
        Ok(t) => t,
        Err(SkipReason::Empty) => String::new(),
        Err(e) => anyhow::bail!("{shown}: {e}"),
    };
    let art = match segments {
        Segments::Lines => {
            let lang = lang
                .or_else(|| identify(prefix_at_char_boundary(&text, 20_000)).map(|g| g.lang))
                .unwrap_or(Lang::En);
            article_from_lines(Document::new(shown.clone(), text), lang)
        }
        Segments::Auto => {
            if text.is_empty() {
                article_from_lines(Document::new(shown.clone(), text), lang.unwrap_or(Lang::En))
            } else {
                let opts = AnalyzeOptions {
                    lang,
                    fallback: Some(Lang::En),
                    prefer: None,
                };
                analyze(Document::new(shown.clone(), text), &opts, None)
                    .with_context(|| format!("analysing {shown}"))?
            }
        }
    };
    Ok(Input { path: shown, art })
}

/// Runs `crossdup align`.
pub fn run(args: AlignArgs) -> Result<u8> {
    let both = parse_lang(&args.lang)?;
    let src_lang = parse_lang(&args.src_lang)?.or(both);
    let tgt_lang = parse_lang(&args.tgt_lang)?.or(both);
    for p in [&args.src, &args.tgt] {
        if !p.is_file() {
            return Err(UsageError(format!("no such file: {}", p.display())).into());
        }
    }
    // Each text is turned into the aligner's compact form as soon as it is
    // read, and its tokens freed: large inputs stay within bounded memory.
    let mut a = read(&args.src, src_lang, args.segments)?;
    let side_a = BitextSide::new(&a.art);
    a.free_tokens();
    let mut b = read(&args.tgt, tgt_lang, args.segments)?;
    let side_b = BitextSide::new(&b.art);
    b.free_tokens();
    for (x, y) in [(&a, &b), (&b, &a)] {
        if x.art.sentences.is_empty() {
            eprintln!(
                "crossdup: warning: {} has no sentences: nothing to align, the {} sentences of {} stay unaligned",
                x.path,
                y.art.sentences.len(),
                y.path
            );
        }
    }
    let opts = BitextOptions {
        realign: !args.no_realign,
        ..BitextOptions::default()
    };
    let beads = align_sides(&side_a, &side_b, &opts).beads;
    let sink: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => Box::new(io::BufWriter::new(io::stdout().lock())),
    };
    let mut out = sink;
    match args.format {
        AlignFormat::Ladder => write_ladder(&mut out, &beads, &a, &b)?,
        AlignFormat::Tsv => write_tsv(&mut out, &beads, &a, &b)?,
        AlignFormat::Jsonl => write_jsonl(&mut out, &beads, &a, &b)?,
        AlignFormat::Text => write_text(&mut out, &beads, &a, &b)?,
    }
    out.flush()?;
    Ok(0)
}

fn round3(x: f32) -> f64 {
    (x as f64 * 1000.0).round() / 1000.0
}

fn write_ladder(out: &mut dyn Write, beads: &[Bead], a: &Input, b: &Input) -> io::Result<()> {
    for bead in beads {
        writeln!(out, "{}\t{}\t{}", bead.a.0, bead.b.0, round3(bead.score))?;
    }
    writeln!(
        out,
        "{}\t{}\t0",
        a.art.sentences.len(),
        b.art.sentences.len()
    )
}

fn tsv_field(sents: &[String]) -> String {
    sents.join(" ~~~ ").replace(['\t', '\r', '\n'], " ")
}

fn write_tsv(out: &mut dyn Write, beads: &[Bead], a: &Input, b: &Input) -> io::Result<()> {
    for bead in beads {
        writeln!(
            out,
            "{}\t{}\t{}",
            tsv_field(&a.sentences(bead.a)),
            tsv_field(&b.sentences(bead.b)),
            round3(bead.score)
        )?;
    }
    Ok(())
}

/// A bead as a JSON Lines record.
#[derive(Serialize)]
struct BeadRecord {
    /// Sentence range `[first, end)` in the source (0-based).
    a: [usize; 2],
    /// Sentence range in the target.
    b: [usize; 2],
    /// Byte span `[start, end)` in the source file, `null` for an empty side.
    a_span: Option<[usize; 2]>,
    /// Byte span in the target file.
    b_span: Option<[usize; 2]>,
    score: f64,
}

fn write_jsonl(out: &mut dyn Write, beads: &[Bead], a: &Input, b: &Input) -> io::Result<()> {
    for bead in beads {
        let rec = BeadRecord {
            a: [bead.a.0, bead.a.1],
            b: [bead.b.0, bead.b.1],
            a_span: a.span(bead.a).map(|(s, e)| [s, e]),
            b_span: b.span(bead.b).map(|(s, e)| [s, e]),
            score: round3(bead.score),
        };
        serde_json::to_writer(&mut *out, &rec)?;
        writeln!(out)?;
    }
    Ok(())
}

/// 1-based sentence numbers of a range: `12`, `12-13`, or `-` when empty.
fn numbers(r: (usize, usize)) -> String {
    match r.1 - r.0 {
        0 => "-".to_string(),
        1 => format!("{}", r.0 + 1),
        _ => format!("{}-{}", r.0 + 1, r.1),
    }
}

fn write_text(out: &mut dyn Write, beads: &[Bead], a: &Input, b: &Input) -> io::Result<()> {
    let links = beads
        .iter()
        .filter(|x| x.a.1 > x.a.0 && x.b.1 > x.b.0)
        .count();
    writeln!(
        out,
        "{} ({}, {} sentences) <-> {} ({}, {} sentences): {} links, {} beads with one side empty",
        a.path,
        a.art.lang,
        a.art.sentences.len(),
        b.path,
        b.art.lang,
        b.art.sentences.len(),
        links,
        beads.len() - links
    )?;
    let width = terminal_width().saturating_sub(3).max(20) / 2;
    for bead in beads {
        writeln!(out)?;
        let head = format!("#{}", numbers(bead.a));
        writeln!(
            out,
            "{head:<width$} | #{}  score {:.3}",
            numbers(bead.b),
            bead.score
        )?;
        let (wa, wb) = (
            wrap(&a.sentences(bead.a).join(" "), width),
            wrap(&b.sentences(bead.b).join(" "), width),
        );
        for k in 0..wa.len().max(wb.len()) {
            let left = wa.get(k).map(String::as_str).unwrap_or("");
            let right = wb.get(k).map(String::as_str).unwrap_or("");
            let pad = width.saturating_sub(left.chars().count());
            writeln!(out, "{left}{:pad$} | {right}", "")?;
        }
    }
    Ok(())
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(160)
}

/// Wraps `s` at spaces into lines of at most `width` characters (longer
/// words are cut).
fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut cur_len = 0usize;
    for w in s.split_whitespace() {
        let mut word: Vec<char> = w.chars().collect();
        if cur_len > 0 && cur_len + 1 + word.len() > width {
            lines.push(std::mem::take(&mut cur));
            cur_len = 0;
        }
        while word.len() > width {
            let rest = word.split_off(width);
            if cur_len > 0 {
                lines.push(std::mem::take(&mut cur));
                cur_len = 0;
            }
            lines.push(word.into_iter().collect());
            word = rest;
        }
        if cur_len > 0 {
            cur.push(' ');
            cur_len += 1;
        }
        cur_len += word.len();
        cur.extend(word);
    }
    if cur_len > 0 || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_every_word_and_the_width() {
        let s = "a bb ccc dddddddddddddddddddddd e";
        let lines = wrap(s, 8);
        assert!(lines.iter().all(|l| l.chars().count() <= 8));
        assert_eq!(lines.concat().replace(' ', ""), s.replace(' ', ""));
    }

    #[test]
    fn sentence_numbers_are_one_based() {
        assert_eq!(numbers((0, 1)), "1");
        assert_eq!(numbers((4, 6)), "5-6");
        assert_eq!(numbers((3, 3)), "-");
    }
}
