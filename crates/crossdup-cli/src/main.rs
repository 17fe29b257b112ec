//! The `crossdup` command-line tool.

mod align;
mod printer;
mod serve;
mod shard;

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{CommandFactory, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crossdup::text::analyze::{analyze, AnalyzeOptions};
use crossdup::{read_inputs, scan, Lang, ReadOptions, ScanOptions, Stage};
use printer::{Format, Printer};

// The checks of the service and the alignments of a scan make and drop many
// small vectors from several threads at once; mimalloc's per-thread heaps
// serve them faster than the system allocator (in-process check p99 about
// 9% lower on the serve benchmark's 20,000-document index).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Find copies, rewrites and translations of news articles across a collection.
#[derive(Parser)]
#[command(name = "crossdup", version, after_help = TOP_EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The examples under `crossdup --help`. Every line of every `after_help`
/// that starts with `crossdup ` is parsed by a unit test below.
const TOP_EXAMPLES: &str = "\
Examples:
  crossdup scan data/samples --format table
  crossdup index add --index archive data/samples
  crossdup check --index archive data/samples/it/harbour-fire.txt
  crossdup serve --index archive --listen 127.0.0.1:7878
  crossdup completions bash > ~/.local/share/bash-completion/completions/crossdup

The user's guide, with every option and the service's endpoints: docs/guide.md";

#[derive(Subcommand)]
enum Command {
    /// Scan files, folders or JSON Lines for copies of each other, and report noise.
    #[command(after_help = "Example:\n  crossdup scan data/samples --format table --clusters")]
    Scan(ScanArgs),
    /// Print an article without its syndication noise.
    #[command(
        after_help = "Example:\n  crossdup clean --show-noise data/samples/en/tram-line-vote-syndicated.txt"
    )]
    Clean(CleanArgs),
    /// Align two texts sentence by sentence (a hunalign-compatible aligner).
    #[command(
        after_help = "Example:\n  crossdup align data/samples/en/harbour-fire.txt data/samples/it/harbour-fire.txt"
    )]
    Align(align::AlignArgs),
    /// Manage a persistent index (archive) of documents.
    #[command(
        subcommand,
        after_help = "Example:\n  crossdup index add --index archive data/samples"
    )]
    Index(IndexCommand),
    /// Check documents against an index: their copies, rewrites and translations.
    #[command(
        after_help = "Example:\n  crossdup check --index archive data/samples/it/harbour-fire.txt --format table"
    )]
    Check(CheckArgs),
    /// Serve an index over HTTP/JSON: add, check, get and delete articles.
    #[command(after_help = "Example:\n  crossdup serve --index archive --listen 127.0.0.1:7878")]
    Serve(serve::ServeArgs),
    /// Run a scan as stages over shards, for a cluster's query engine (docs/scaling.md).
    #[command(
        subcommand,
        after_help = "Example:\n  crossdup shard split data/samples --shards 2 --dir work"
    )]
    Shard(shard::ShardCommand),
    /// Print a shell completion script on standard output.
    #[command(after_help = "Example:\n  \
        crossdup completions bash > ~/.local/share/bash-completion/completions/crossdup\n  \
        crossdup completions zsh > ~/.zfunc/_crossdup\n  \
        crossdup completions fish > ~/.config/fish/completions/crossdup.fish")]
    Completions(CompletionsArgs),
    /// Print the manual page (roff) on standard output, or write one page per command.
    #[command(after_help = "Example:\n  \
        crossdup man > crossdup.1 && man -l crossdup.1\n  \
        crossdup man --out /usr/local/share/man/man1")]
    Man(ManArgs),
}

#[derive(clap::Args)]
struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

#[derive(clap::Args)]
struct ManArgs {
    /// Write crossdup.1 and a page for each subcommand (crossdup-scan.1 ...)
    /// into this folder instead of printing crossdup.1.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Subcommand)]
enum IndexCommand {
    /// Add files, folders or JSON Lines to the index (creating it if needed).
    #[command(after_help = "Example:\n  crossdup index add --index archive data/samples")]
    Add {
        /// Index folder.
        #[arg(long)]
        index: PathBuf,
        /// Inputs, as for `scan`.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Treat every document as this language.
        #[arg(long)]
        lang: Option<String>,
        /// No progress bar or warnings.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Delete documents by id.
    #[command(
        after_help = "Example:\n  crossdup index delete --index archive en/tram-line-vote.txt"
    )]
    Delete {
        /// Index folder.
        #[arg(long)]
        index: PathBuf,
        /// Document ids.
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Print document counts per language and the index size.
    #[command(after_help = "Example:\n  crossdup index stats --index archive")]
    Stats {
        /// Index folder.
        #[arg(long)]
        index: PathBuf,
    },
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Index folder.
    #[arg(long)]
    index: PathBuf,
    /// Documents to check (files, folders, JSON Lines, - for stdin).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Also add each document to the index after checking it.
    #[arg(long)]
    add: bool,
    /// Output format (default: table on a terminal, JSON Lines otherwise).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Treat every document as this language.
    #[arg(long)]
    lang: Option<String>,
    /// Do not report pairs scoring below this.
    #[arg(long, default_value_t = 0.0)]
    min_score: f32,
}

#[derive(clap::Args)]
struct ScanArgs {
    /// Files, folders (recursive, .txt and .md), .jsonl files, or - for stdin.
    #[arg(required_unless_present = "index")]
    paths: Vec<PathBuf>,
    /// Also scan every document of this index (with the given paths, if any).
    #[arg(long)]
    index: Option<PathBuf>,
    /// Output format (default: table on a terminal, JSON Lines otherwise).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write output to this file instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Treat every document as this language (ISO code, e.g. it).
    #[arg(long)]
    lang: Option<String>,
    /// Do not report pairs scoring below this.
    #[arg(long, default_value_t = 0.0)]
    min_score: f32,
    /// Also print one record per cluster of connected copies.
    #[arg(long)]
    clusters: bool,
    /// No progress bar or warnings.
    #[arg(long, short)]
    quiet: bool,
    /// Print how long each stage took (reading, analysis, candidates,
    /// verification, output) on standard error.
    #[arg(long)]
    timings: bool,
}

#[derive(clap::Args)]
struct CleanArgs {
    /// The article.
    file: PathBuf,
    /// Mark what was removed and why, instead of removing it.
    #[arg(long)]
    show_noise: bool,
    /// The article's language.
    #[arg(long)]
    lang: Option<String>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let r = match cli.command {
        Command::Scan(a) => run_scan(a),
        Command::Clean(a) => run_clean(a),
        Command::Align(a) => align::run(a),
        Command::Index(c) => run_index(c),
        Command::Check(a) => run_check(a),
        Command::Serve(a) => serve::run(a),
        Command::Shard(c) => shard::run(c),
        Command::Completions(a) => run_completions(a),
        Command::Man(a) => run_man(a),
    };
    match r {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("crossdup: error: {e:#}");
            ExitCode::from(if e.downcast_ref::<UsageError>().is_some() {
                2
            } else {
                1
            })
        }
    }
}

/// A mistake in the command line (exit code 2).
#[derive(Debug)]
struct UsageError(String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for UsageError {}

fn parse_lang(l: &Option<String>) -> Result<Option<Lang>> {
    match l {
        None => Ok(None),
        Some(s) => s
            .parse::<Lang>()
            .map(Some)
            .map_err(|e| UsageError(e.to_string()).into()),
    }
}

/// Prints the completion script for `args.shell`, generated from the clap
/// definitions above.
fn run_completions(args: CompletionsArgs) -> Result<u8> {
    let mut out = io::stdout().lock();
    clap_complete::generate(args.shell, &mut Cli::command(), "crossdup", &mut out);
    out.flush()?;
    Ok(0)
}

/// Prints `crossdup.1`, or writes it and one page per subcommand into
/// `args.out`.
fn run_man(args: ManArgs) -> Result<u8> {
    let cmd = Cli::command();
    match &args.out {
        None => {
            let mut out = io::stdout().lock();
            clap_mangen::Man::new(cmd).render(&mut out)?;
            out.flush()?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            clap_mangen::generate_to(cmd, dir)
                .with_context(|| format!("writing manual pages to {}", dir.display()))?;
        }
    }
    Ok(0)
}

fn run_scan(args: ScanArgs) -> Result<u8> {
    let lang = parse_lang(&args.lang)?;
    if let Some(t) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t.max(1))
            .build_global()
            .context("setting up worker threads")?;
    }
    let stderr_tty = io::stderr().is_terminal() && !args.quiet;
    let clock = Timings::new(args.timings);
    let mut read = read_inputs(&args.paths, &ReadOptions::default());
    if let Some(dir) = &args.index {
        let archive = crossdup::Archive::open_existing(dir)?;
        let mut docs = archive.documents()?;
        let given: std::collections::HashSet<String> =
            read.documents.iter().map(|d| d.id.clone()).collect();
        docs.retain(|d| !given.contains(&d.id));
        docs.append(&mut read.documents);
        read.documents = docs;
    }
    if !args.quiet {
        for s in &read.skipped {
            eprintln!("crossdup: skipped {}: {}", s.what, s.reason);
        }
    }
    let n_skipped = read.skipped.len();
    let n_docs = read.documents.len();
    let bar = if stderr_tty && n_docs >= 200 {
        let b = ProgressBar::new(n_docs as u64);
        b.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg:10} [{bar:40}] {human_pos}/{human_len} elapsed {elapsed} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        Some(b)
    } else {
        None
    };
    let opts = ScanOptions {
        lang,
        min_score: args.min_score,
        ..ScanOptions::default()
    };
    clock.lap("read");
    let progress = |stage: Stage, done: u64, total: u64| {
        clock.stage(stage);
        if let Some(b) = &bar {
            b.set_message(stage.label());
            b.set_length(total);
            b.set_position(done);
        }
    };
    let out = scan(read.documents, &opts, &progress);
    clock.lap("verify");
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let format = args
        .format
        .unwrap_or(if io::stdout().is_terminal() && args.output.is_none() {
            Format::Table
        } else {
            Format::Jsonl
        });
    let sink: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => Box::new(io::BufWriter::new(io::stdout().lock())),
    };
    let mut pr = Printer::new(sink, format);
    pr.begin()?;
    for p in &out.pairs {
        pr.pair(p)?;
    }
    if args.clusters {
        for c in &out.clusters {
            pr.cluster(c)?;
        }
    }
    for d in &out.docs {
        pr.doc(d)?;
    }
    if !args.quiet {
        for f in &out.failures {
            eprintln!("crossdup: skipped {}: {}", f.id, f.error);
        }
    }
    let summary = format!(
        "{} documents, {} pairs, {} clusters, {} inputs skipped",
        out.docs.len(),
        out.pairs.len(),
        out.clusters.len(),
        n_skipped + out.failures.len()
    );
    pr.finish(&summary)?;
    clock.lap("output");
    clock.report();
    if !args.quiet && format != Format::Table {
        eprintln!("crossdup: {summary}");
    }
    let code = if n_skipped + out.failures.len() > 0 {
        1
    } else {
        0
    };
    // The process ends here: the system takes the results' memory back at
    // once, which freeing block by block would only delay.
    std::mem::forget(out);
    Ok(code)
}

fn load_one(path: &std::path::Path) -> Result<crossdup::Document> {
    let text = crossdup::text::reader::load_file(path, &ReadOptions::default())
        .map_err(|r| anyhow::anyhow!("{}: {r}", path.display()))?;
    let id = path.display().to_string();
    Ok(crossdup::Document::new(id, text))
}

fn run_clean(args: CleanArgs) -> Result<u8> {
    let lang = parse_lang(&args.lang)?;
    let doc = load_one(&args.file)?;
    let art = analyze(
        doc,
        &AnalyzeOptions {
            lang,
            fallback: Some(Lang::En),
            prefer: None,
        },
        None,
    )?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    let text = art.text();
    for line in &art.lines {
        let flag = art
            .noise
            .iter()
            .find(|f| f.lines[0] <= line.number && line.number <= f.lines[1]);
        match (flag, args.show_noise) {
            (None, _) => writeln!(out, "{}", line.text(text))?,
            (Some(f), true) => writeln!(out, "[{}] {}", f.kind.as_str(), line.text(text))?,
            (Some(_), false) => {}
        }
    }
    out.flush()?;
    Ok(0)
}

fn run_index(cmd: IndexCommand) -> Result<u8> {
    match cmd {
        IndexCommand::Add {
            index,
            paths,
            lang,
            quiet,
        } => {
            let lang = parse_lang(&lang)?;
            let mut archive = crossdup::Archive::open(&index)?;
            archive.set_options(ScanOptions {
                lang,
                ..ScanOptions::default()
            });
            let read = read_inputs(&paths, &ReadOptions::default());
            if !quiet {
                for s in &read.skipped {
                    eprintln!("crossdup: skipped {}: {}", s.what, s.reason);
                }
            }
            let bar = (io::stderr().is_terminal() && !quiet && read.documents.len() >= 200)
                .then(|| ProgressBar::new(read.documents.len() as u64));
            let (mut added, mut failed) = (0usize, 0usize);
            for (k, doc) in read.documents.into_iter().enumerate() {
                let id = doc.id.clone();
                match archive.put(doc) {
                    Ok(_) => added += 1,
                    Err(e) => {
                        failed += 1;
                        if !quiet {
                            eprintln!("crossdup: skipped {id}: {e}");
                        }
                    }
                }
                // Commit in batches so a killed run keeps what it finished.
                if (k + 1) % 5000 == 0 {
                    archive.commit()?;
                }
                if let Some(b) = &bar {
                    b.inc(1);
                }
            }
            archive.commit()?;
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            if !quiet {
                eprintln!(
                    "crossdup: added {added} documents to {} ({} in all), {} inputs skipped",
                    index.display(),
                    archive.len(),
                    read.skipped.len() + failed
                );
            }
            Ok(if read.skipped.len() + failed > 0 {
                1
            } else {
                0
            })
        }
        IndexCommand::Delete { index, ids } => {
            let archive = crossdup::Archive::open_existing(&index)?;
            let mut missing = 0;
            for id in &ids {
                if !archive.delete(id)? {
                    eprintln!("crossdup: no document {id:?} in the index");
                    missing += 1;
                }
            }
            archive.commit()?;
            Ok(if missing > 0 { 1 } else { 0 })
        }
        IndexCommand::Stats { index } => {
            let archive = crossdup::Archive::open_existing(&index)?;
            let stats = serde_json::json!({
                "documents": archive.len(),
                "languages": archive.languages()?,
                "size_bytes": archive.index().size_bytes(),
                "segments": archive.index().segments(),
            });
            println!("{}", serde_json::to_string_pretty(&stats)?);
            Ok(0)
        }
    }
}

fn run_check(args: CheckArgs) -> Result<u8> {
    let lang = parse_lang(&args.lang)?;
    let mut archive = crossdup::Archive::open_existing(&args.index)?;
    archive.set_options(ScanOptions {
        lang,
        min_score: args.min_score,
        ..ScanOptions::default()
    });
    let read = read_inputs(&args.paths, &ReadOptions::default());
    for s in &read.skipped {
        eprintln!("crossdup: skipped {}: {}", s.what, s.reason);
    }
    let format = args.format.unwrap_or(if io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Jsonl
    });
    let mut pr = Printer::new(io::BufWriter::new(io::stdout().lock()), format);
    pr.begin()?;
    let mut failed = 0;
    let mut found = 0;
    for doc in read.documents {
        let id = doc.id.clone();
        let r = if args.add {
            archive.put(doc).map(|a| a.matches)
        } else {
            archive.check(&doc)
        };
        match r {
            Ok(pairs) => {
                for p in &pairs {
                    pr.pair(p)?;
                }
                found += pairs.len();
            }
            Err(e) => {
                failed += 1;
                eprintln!("crossdup: skipped {id}: {e}");
            }
        }
        if args.add {
            archive.commit()?;
        }
    }
    pr.finish(&format!("{found} matches"))?;
    Ok(if failed + read.skipped.len() > 0 {
        1
    } else {
        0
    })
}

/// Wall time per stage of a scan, for `--timings`. The library reports the
/// stage it is in through the progress callback; a stage ends when the next
/// one starts.
struct Timings {
    on: bool,
    start: std::time::Instant,
    laps: std::sync::Mutex<Laps>,
}

/// When the running stage started, which library stage it is (if any), and
/// the stages done with their seconds.
type Laps = (std::time::Instant, Option<Stage>, Vec<(String, f64)>);

impl Timings {
    fn new(on: bool) -> Self {
        let now = std::time::Instant::now();
        Timings {
            on,
            start: now,
            laps: std::sync::Mutex::new((now, None, Vec::new())),
        }
    }

    /// Ends the current stage under `name` (or the library stage running).
    fn lap(&self, name: &str) {
        if !self.on {
            return;
        }
        let mut g = self.laps.lock().unwrap_or_else(|e| e.into_inner());
        let now = std::time::Instant::now();
        let secs = (now - g.0).as_secs_f64();
        let label =
            g.1.take()
                .map_or(name.to_string(), |s| s.label().to_lowercase());
        g.2.push((label, secs));
        g.0 = now;
    }

    /// Notes the stage the library reports; a new stage closes the last.
    fn stage(&self, stage: Stage) {
        if !self.on {
            return;
        }
        let mut g = self.laps.lock().unwrap_or_else(|e| e.into_inner());
        if g.1 == Some(stage) {
            return;
        }
        let now = std::time::Instant::now();
        if let Some(prev) = g.1 {
            let secs = (now - g.0).as_secs_f64();
            g.2.push((prev.label().to_lowercase(), secs));
            g.0 = now;
        }
        g.1 = Some(stage);
    }

    fn report(&self) {
        if !self.on {
            return;
        }
        let g = self.laps.lock().unwrap_or_else(|e| e.into_inner());
        let parts: Vec<String> = g.2.iter().map(|(l, s)| format!("{l} {s:.2} s")).collect();
        eprintln!(
            "crossdup: timings: {}; total {:.2} s",
            parts.join(", "),
            self.start.elapsed().as_secs_f64()
        );
    }
}

#[cfg(test)]
mod tests {
    //! The command lines the documentation shows must parse: the examples
    //! of every `--help` and every `crossdup` line in a code block of the
    //! README and the user's guide (blocks marked `text` hold synopses with
    //! placeholders and are left out).

    use super::*;

    /// Splits a shell command line into words: single and double quotes,
    /// backslash escapes; stops at a comment, a redirection or a pipe.
    fn words(line: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = String::new();
        let mut started = false;
        let mut chars = line.chars().peekable();
        let mut quote: Option<char> = None;
        while let Some(c) = chars.next() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), c) => cur.push(c),
                (None, '\'' | '"') => {
                    quote = Some(c);
                    started = true;
                }
                (None, '\\') => {
                    if let Some(n) = chars.next() {
                        cur.push(n);
                        started = true;
                    }
                }
                (None, c) if c.is_whitespace() => {
                    if started {
                        out.push(std::mem::take(&mut cur));
                        started = false;
                    }
                }
                (None, '#' | '>' | '<' | '|' | '&' | ';') if !started => break,
                (None, c) => {
                    cur.push(c);
                    started = true;
                }
            }
        }
        if started {
            out.push(cur);
        }
        out
    }

    /// The argument vector of a documented command line, if it runs
    /// crossdup (`crossdup ...`, `$ crossdup ...` or `cargo run --release -- ...`).
    fn command_line(line: &str) -> Option<Vec<String>> {
        let line = line.trim().trim_start_matches("$ ");
        let rest = if let Some(r) = line.strip_prefix("cargo run --release -- ") {
            r
        } else {
            line.strip_prefix("crossdup ")?
        };
        let mut v = vec!["crossdup".to_string()];
        v.extend(words(rest));
        Some(v)
    }

    /// Every crossdup command line in the fenced code blocks of a Markdown
    /// file, with its line number (continuation lines joined).
    fn documented_commands(path: &str) -> Vec<(usize, Vec<String>)> {
        let full = format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"));
        let md = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
        let mut found = Vec::new();
        let mut block: Option<String> = None;
        let mut pending: Option<(usize, String)> = None;
        for (k, line) in md.lines().enumerate() {
            let t = line.trim_start();
            if let Some(info) = t.strip_prefix("```") {
                block = match block {
                    None => Some(info.trim().to_string()),
                    Some(_) => None,
                };
                continue;
            }
            let Some(lang) = &block else { continue };
            if lang == "text" || lang == "json" || lang == "rust" || lang == "toml" {
                continue;
            }
            let (start, mut text) = match pending.take() {
                Some((s, prev)) => (s, prev + " " + t),
                None => (k + 1, t.to_string()),
            };
            if text.ends_with('\\') {
                text.pop();
                pending = Some((start, text));
                continue;
            }
            if let Some(args) = command_line(&text) {
                found.push((start, args));
            }
        }
        found
    }

    fn assert_parses(what: &str, args: &[String]) {
        if let Err(e) = Cli::try_parse_from(args) {
            // `--help` and `--version` are documented too, and "fail" to parse.
            use clap::error::ErrorKind::{DisplayHelp, DisplayVersion};
            if !matches!(e.kind(), DisplayHelp | DisplayVersion) {
                panic!("{what}: {args:?} does not parse:\n{e}");
            }
        }
    }

    #[test]
    fn words_split_like_a_shell() {
        assert_eq!(
            words(r#"scan 'a b' "c d" e\ f > out.jsonl"#),
            ["scan", "a b", "c d", "e f"]
        );
        assert_eq!(
            words("check --index x a.txt   # comment"),
            ["check", "--index", "x", "a.txt"]
        );
        assert_eq!(words("a|b"), ["a|b"]);
        assert!(command_line("curl -s $B/health").is_none());
        assert_eq!(command_line("$ crossdup man").unwrap(), ["crossdup", "man"]);
    }

    #[test]
    fn readme_and_guide_commands_parse() {
        for file in ["README.md", "docs/guide.md"] {
            let cmds = documented_commands(file);
            assert!(
                cmds.len() >= 5,
                "{file}: only {} commands found",
                cmds.len()
            );
            for (line, args) in cmds {
                assert_parses(&format!("{file}:{line}"), &args);
            }
        }
    }

    #[test]
    fn help_examples_parse() {
        fn walk(cmd: &clap::Command, path: &str, n: &mut usize) {
            let help = cmd.get_after_help().map(|h| h.to_string());
            let top = cmd.get_name() == "crossdup";
            assert!(
                help.is_some() || cmd.get_name() == "help",
                "{path} has no example in its --help"
            );
            for line in help.unwrap_or_default().lines() {
                if let Some(args) = command_line(line) {
                    assert_parses(&format!("`{path} --help`"), &args);
                    *n += 1;
                }
            }
            for sub in cmd.get_subcommands() {
                let p = if top {
                    format!("crossdup {}", sub.get_name())
                } else {
                    format!("{path} {}", sub.get_name())
                };
                walk(sub, &p, n);
            }
        }
        let mut n = 0;
        walk(&Cli::command(), "crossdup", &mut n);
        assert!(n >= 20, "only {n} examples");
    }

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
