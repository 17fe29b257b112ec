//! Prints the words of each input line as crossdup's tokenizer cuts them, one
//! output line per input line, words separated by spaces: what the lexicon
//! builder (`data/lexicons/build_lexicons.py`) learns from, so that its
//! entries are the words the matcher looks up (segmented words in scripts
//! written without spaces).
//!
//! `cargo run --release -p crossdup-text --example words -- LANG [--stem] < lines.txt`
//!
//! With `--stem` the words are folded as the matcher folds them; for
//! languages folded by truncation or not at all, folding twice changes
//! nothing, so the builder may learn from the folded forms.

use std::io::{BufRead, BufWriter, Write};

use crossdup_text::tokens::{tokenize, TokenKind};
use crossdup_text::Lang;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stem = args.iter().any(|a| a == "--stem");
    let Some(lang) = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .and_then(|c| Lang::from_code(c))
    else {
        eprintln!("usage: words LANG [--stem] < lines");
        std::process::exit(2);
    };
    let stdin = std::io::stdin();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut line = String::new();
    let mut input = stdin.lock();
    loop {
        line.clear();
        match input.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                eprintln!("words: {e}");
                std::process::exit(1);
            }
        }
        let text = line.trim_end_matches(['\n', '\r']);
        let words: Vec<String> = tokenize(text, 0, text.len(), lang)
            .into_iter()
            .filter(|t| t.kind == TokenKind::Word)
            .map(|t| {
                if stem {
                    t.stem.to_string()
                } else {
                    t.norm.to_string()
                }
            })
            .collect();
        if writeln!(out, "{}", words.join(" ")).is_err() {
            break;
        }
    }
}
