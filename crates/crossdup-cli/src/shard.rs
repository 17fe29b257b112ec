//! `crossdup shard`: the stages of a scan as separate commands over shards
//! of a collection, reading and writing JSON Lines that a query engine joins
//! in between (see `docs/scaling.md` and `crossdup::shard`).
//!
//! Worker commands take explicit files, so any engine can lay them out as it
//! likes. `crossdup shard engine` does the engine's steps in one process over
//! a work folder laid out as `benches/shard_sim.py` lays it out:
//! `W/<table>/<shard>.jsonl`.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crossdup::shard::{
    self, engine, Evidence, LineDf, LineRow, MetaRow, NormRow, PairRow, PairTask, Plan, ShardDoc,
    TermDf, TermRow,
};
use crossdup::{read_inputs, PairRecord, ReadOptions, ScanOptions};

use crate::parse_lang;

/// The stages of a scan over shards, for a cluster's query engine to run.
#[derive(Subcommand)]
pub enum ShardCommand {
    /// Number the documents in input order and deal them to shards: DIR/docs/S.jsonl, DIR/split.json.
    #[command(after_help = "Example:\n  crossdup shard split data/samples --shards 2 --dir work")]
    Split(SplitArgs),
    /// The distinct line keys of a shard's documents (for line frequencies).
    #[command(
        after_help = "Example:\n  crossdup shard lines --docs work/docs/0.jsonl --out work/lines/0.jsonl"
    )]
    Lines {
        /// A shard's documents (from `split`).
        #[arg(long)]
        docs: PathBuf,
        /// Rows {seq, key}.
        #[arg(long)]
        out: PathBuf,
    },
    /// Analyse a shard: doc records and candidate-search terms.
    #[command(
        after_help = "Example:\n  crossdup shard analyze --docs work/docs/0.jsonl --line-df work/linedf/0.jsonl --documents 7 --meta work/meta/0.jsonl --terms work/terms/0.jsonl"
    )]
    Analyze(AnalyzeArgs),
    /// Print the parameters of candidate search for the engine (JSON).
    #[command(after_help = "Example:\n  crossdup shard plan --profiles 7")]
    Plan {
        /// Number of analysed documents (metadata rows without an error).
        #[arg(long)]
        profiles: u32,
    },
    /// A shard's document norms in both candidate indexes.
    #[command(
        after_help = "Example:\n  crossdup shard norms --term-df work/termdf/0.jsonl --plan work/plan.json --out work/norms/0.jsonl"
    )]
    Norms {
        /// The shard's terms with document frequencies, cut at the plan's max_df.
        #[arg(long)]
        term_df: PathBuf,
        /// The plan (`crossdup shard plan`).
        #[arg(long)]
        plan: PathBuf,
        /// Rows {seq, index, norm}.
        #[arg(long)]
        out: PathBuf,
    },
    /// Exact top-k candidates of a shard's documents from the engine's bucket join.
    #[command(
        after_help = "Example:\n  crossdup shard candidates --evidence work/evidence/0.jsonl --plan work/plan.json --out work/cands/0.jsonl"
    )]
    Candidates {
        /// Evidence rows for the shard's query documents.
        #[arg(long)]
        evidence: PathBuf,
        /// The plan (`crossdup shard plan`).
        #[arg(long)]
        plan: PathBuf,
        /// Rows {a, b}.
        #[arg(long)]
        out: PathBuf,
    },
    /// Align and judge pairs of documents: pair records.
    #[command(
        after_help = "Example:\n  crossdup shard verify --tasks work/verify/tasks/0.jsonl --docs work/verify/docs/0.jsonl --line-df work/verify/linedf/0.jsonl --documents 7 --out work/pairs/0.jsonl"
    )]
    Verify(VerifyArgs),
    /// Keep the best translations, and list pairs of translations of one document to verify.
    #[command(
        after_help = "Example:\n  crossdup shard bridge --pairs work/pairs/0.jsonl work/pairs/1.jsonl --meta work/meta/0.jsonl work/meta/1.jsonl --kept work/kept.jsonl --tasks work/bridge.jsonl"
    )]
    Bridge {
        /// Pair records from `verify`.
        #[arg(long, num_args = 1.., required = true)]
        pairs: Vec<PathBuf>,
        /// Metadata from `analyze`, every shard.
        #[arg(long, num_args = 1.., required = true)]
        meta: Vec<PathBuf>,
        /// Where to write the kept pair records.
        #[arg(long)]
        kept: PathBuf,
        /// Where to write the pairs to verify, rows {a, b}.
        #[arg(long)]
        tasks: PathBuf,
    },
    /// Merge the kept and bridged pairs, number clusters, print what `scan --format jsonl` prints.
    #[command(
        after_help = "Example:\n  crossdup shard finish --pairs work/kept.jsonl --meta work/meta/0.jsonl work/meta/1.jsonl --clusters"
    )]
    Finish(FinishArgs),
    /// Run one of the engine's steps in this process (the reference for a real engine).
    #[command(after_help = "Example:\n  crossdup shard engine line-df --dir work --shards 2")]
    Engine(EngineArgs),
}

#[derive(Args)]
pub struct SplitArgs {
    /// Files, folders or .jsonl files, as for `scan`.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Number of shards.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    shards: u32,
    /// Work folder.
    #[arg(long)]
    dir: PathBuf,
    /// No warnings about skipped inputs.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args)]
pub struct AnalyzeArgs {
    /// A shard's documents (from `split`).
    #[arg(long)]
    docs: PathBuf,
    /// Line frequencies of the shard's lines, rows {key, df}.
    #[arg(long)]
    line_df: PathBuf,
    /// Number of documents in the collection (split.json).
    #[arg(long)]
    documents: u32,
    /// Treat every document as this language (as `scan --lang`).
    #[arg(long)]
    lang: Option<String>,
    /// The collection's main language (split.json's `prefer`).
    #[arg(long)]
    prefer_lang: Option<String>,
    /// Where to write metadata rows (doc records, languages, lengths).
    #[arg(long)]
    meta: PathBuf,
    /// Where to write term rows {seq, index, lang, term, count}.
    #[arg(long)]
    terms: PathBuf,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// Pairs to verify, rows {a, b}.
    #[arg(long)]
    tasks: PathBuf,
    /// Every document the pairs name (rows as `split` writes them).
    #[arg(long)]
    docs: PathBuf,
    /// Line frequencies of those documents' lines.
    #[arg(long)]
    line_df: PathBuf,
    /// Number of documents in the collection (split.json).
    #[arg(long)]
    documents: u32,
    /// Treat every document as this language (as `scan --lang`).
    #[arg(long)]
    lang: Option<String>,
    /// The collection's main language (split.json's `prefer`).
    #[arg(long)]
    prefer_lang: Option<String>,
    /// Do not report pairs scoring below this (as `scan --min-score`).
    #[arg(long, default_value_t = 0.0)]
    min_score: f32,
    /// Where to write pair records.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
pub struct FinishArgs {
    /// Kept pair records (from `bridge`).
    #[arg(long, num_args = 1.., required = true)]
    pairs: Vec<PathBuf>,
    /// Pair records of the bridged pairs (from the second `verify` round).
    #[arg(long, num_args = 0..)]
    extra: Vec<PathBuf>,
    /// Metadata from `analyze`, every shard.
    #[arg(long, num_args = 1.., required = true)]
    meta: Vec<PathBuf>,
    /// Also print cluster records (as `scan --clusters`).
    #[arg(long)]
    clusters: bool,
    /// Write there instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// No closing summary or warnings on stderr.
    #[arg(long, short)]
    quiet: bool,
}

/// The engine's steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Step {
    /// lines/S -> linedf/S (lines in two or more documents).
    LineDf,
    /// meta/S, terms/S -> plan.json, termdf/S.
    TermDf,
    /// termdf/S, norms/S -> evidence/S (bucket join, approximate top-k).
    Evidence,
    /// cands/S -> verify/{tasks,docs,linedf}/S.
    VerifyTasks,
    /// bridge.jsonl -> bridge/{tasks,docs,linedf}/S.
    BridgeTasks,
}

#[derive(Args)]
pub struct EngineArgs {
    /// The step.
    #[arg(value_enum)]
    step: Step,
    /// Work folder.
    #[arg(long)]
    dir: PathBuf,
    /// Number of shards.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    shards: u32,
}

/// Runs a `crossdup shard` command.
pub fn run(cmd: ShardCommand) -> Result<u8> {
    match cmd {
        ShardCommand::Split(a) => run_split(a),
        ShardCommand::Lines { docs, out } => {
            let docs: Vec<ShardDoc> = read_rows(&docs)?;
            write_rows(&out, docs.iter().flat_map(shard::line_rows))?;
            Ok(0)
        }
        ShardCommand::Analyze(a) => run_analyze(a),
        ShardCommand::Plan { profiles } => {
            let plan = Plan::new(profiles, &ScanOptions::default());
            println!("{}", serde_json::to_string(&plan)?);
            Ok(0)
        }
        ShardCommand::Norms { term_df, plan, out } => {
            let plan = read_plan(&plan)?;
            let rows: Vec<TermDf> = read_rows(&term_df)?;
            let norms = shard::norms(rows, &plan).with_context(|| term_df.display().to_string())?;
            write_rows(&out, norms)?;
            Ok(0)
        }
        ShardCommand::Candidates {
            evidence,
            plan,
            out,
        } => {
            let plan = read_plan(&plan)?;
            let rows: Vec<Evidence> = read_rows(&evidence)?;
            let cands =
                shard::candidates(rows, &plan).with_context(|| evidence.display().to_string())?;
            write_rows(&out, cands)?;
            Ok(0)
        }
        ShardCommand::Verify(a) => run_verify(a),
        ShardCommand::Bridge {
            pairs,
            meta,
            kept,
            tasks,
        } => {
            let pairs = read_pairs(&pairs)?;
            let meta: Vec<MetaRow> = read_many(&meta)?;
            let (k, todo) = shard::bridge(pairs, &meta);
            write_rows(&kept, k)?;
            write_rows(&tasks, todo)?;
            Ok(0)
        }
        ShardCommand::Finish(a) => run_finish(a),
        ShardCommand::Engine(a) => run_engine(a),
    }
}

fn run_split(a: SplitArgs) -> Result<u8> {
    let read = read_inputs(&a.paths, &ReadOptions::default());
    if !a.quiet {
        for s in &read.skipped {
            eprintln!("crossdup: skipped {}: {}", s.what, s.reason);
        }
    }
    let documents = read.documents.len();
    let prefer = crossdup::collection_language(&read.documents).map(|l| l.code());
    let shards = shard::split(read.documents, a.shards as usize);
    for (s, docs) in shards.iter().enumerate() {
        write_rows(&table(&a.dir, "docs", s), docs)?;
    }
    let info = serde_json::json!({
        "documents": documents,
        "shards": a.shards,
        "skipped": read.skipped.len(),
        "prefer": prefer,
    });
    fs::write(a.dir.join("split.json"), format!("{info}\n"))
        .with_context(|| format!("writing {}", a.dir.join("split.json").display()))?;
    Ok(if read.skipped.is_empty() { 0 } else { 1 })
}

fn run_analyze(a: AnalyzeArgs) -> Result<u8> {
    let lang = parse_lang(&a.lang)?;
    let docs: Vec<ShardDoc> = read_rows(&a.docs)?;
    let stats = shard::line_stats(read_rows::<LineDf>(&a.line_df)?, a.documents);
    let prefer = parse_lang(&a.prefer_lang)?;
    let (meta, terms) = shard::analyze_shard(docs, &stats, lang, prefer);
    write_rows(&a.meta, meta)?;
    write_rows(&a.terms, terms)?;
    Ok(0)
}

fn run_verify(a: VerifyArgs) -> Result<u8> {
    let lang = parse_lang(&a.lang)?;
    let tasks: Vec<PairTask> = read_rows(&a.tasks)?;
    let docs: Vec<ShardDoc> = read_rows(&a.docs)?;
    let stats = shard::line_stats(read_rows::<LineDf>(&a.line_df)?, a.documents);
    let opts = ScanOptions {
        lang,
        prefer: parse_lang(&a.prefer_lang)?,
        min_score: a.min_score,
        ..ScanOptions::default()
    };
    let pairs = shard::verify(&tasks, docs, &stats, &opts)
        .with_context(|| format!("verifying {}", a.tasks.display()))?;
    write_rows(&a.out, pairs)?;
    Ok(0)
}

fn run_finish(a: FinishArgs) -> Result<u8> {
    let kept = read_pairs(&a.pairs)?;
    let extra = read_pairs(&a.extra)?;
    let meta: Vec<MetaRow> = read_many(&a.meta)?;
    let done = shard::finish(kept, extra, meta)?;
    let mut out: Box<dyn Write> = match &a.output {
        Some(p) => Box::new(BufWriter::new(
            File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    // The records as `scan --format jsonl` prints them: pairs, clusters if
    // asked, then the doc records exactly as the analysis stage wrote them.
    for p in &done.pairs {
        serde_json::to_writer(&mut out, p)?;
        out.write_all(b"\n")?;
    }
    if a.clusters {
        for c in &done.clusters {
            serde_json::to_writer(&mut out, c)?;
            out.write_all(b"\n")?;
        }
    }
    for d in &done.docs {
        out.write_all(d.as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    if !a.quiet {
        for (id, e) in &done.failures {
            eprintln!("crossdup: skipped {id}: {e}");
        }
        eprintln!(
            "crossdup: {} documents, {} pairs, {} clusters, {} documents failed",
            done.docs.len(),
            done.pairs.len(),
            done.clusters.len(),
            done.failures.len()
        );
    }
    Ok(if done.failures.is_empty() { 0 } else { 1 })
}

/// `W/<name>/<shard>.jsonl`
fn table(dir: &Path, name: &str, s: usize) -> PathBuf {
    dir.join(name).join(format!("{s}.jsonl"))
}

fn tables(dir: &Path, name: &str, shards: usize) -> Vec<PathBuf> {
    (0..shards).map(|s| table(dir, name, s)).collect()
}

fn run_engine(a: EngineArgs) -> Result<u8> {
    let (dir, n) = (a.dir.as_path(), a.shards as usize);
    match a.step {
        Step::LineDf => {
            let per: Vec<Vec<LineRow>> = tables(dir, "lines", n)
                .iter()
                .map(|p| read_rows(p))
                .collect::<Result<_>>()?;
            let df = engine::line_df(per.iter().flatten().cloned());
            for (s, rows) in per.iter().enumerate() {
                write_rows(&table(dir, "linedf", s), engine::line_df_for(&df, rows))?;
            }
        }
        Step::TermDf => {
            let meta: Vec<MetaRow> = read_many(&tables(dir, "meta", n))?;
            let profiles = meta.iter().filter(|m| m.error.is_none()).count() as u32;
            let plan = Plan::new(profiles, &ScanOptions::default());
            fs::write(dir.join("plan.json"), serde_json::to_string(&plan)? + "\n")?;
            let per: Vec<Vec<TermRow>> = tables(dir, "terms", n)
                .iter()
                .map(|p| read_rows(p))
                .collect::<Result<_>>()?;
            let df = engine::term_df(per.iter().flatten());
            for (s, rows) in per.iter().enumerate() {
                write_rows(
                    &table(dir, "termdf", s),
                    engine::with_df(rows.clone(), &df, &plan),
                )?;
            }
        }
        Step::Evidence => {
            let plan = read_plan(&dir.join("plan.json"))?;
            let rows: Vec<TermDf> = read_many(&tables(dir, "termdf", n))?;
            let norms: Vec<NormRow> = read_many(&tables(dir, "norms", n))?;
            let mut per: Vec<Vec<Evidence>> = vec![Vec::new(); n];
            for e in engine::evidence(&rows, &norms, &plan) {
                per[shard::shard_of(e.i, n)].push(e);
            }
            for (s, rows) in per.into_iter().enumerate() {
                write_rows(&table(dir, "evidence", s), rows)?;
            }
        }
        Step::VerifyTasks => {
            let tasks: Vec<PairTask> = read_many(&tables(dir, "cands", n))?;
            route(dir, n, tasks, "verify")?;
        }
        Step::BridgeTasks => {
            let tasks: Vec<PairTask> = read_rows(&dir.join("bridge.jsonl"))?;
            route(dir, n, tasks, "bridge")?;
        }
    }
    Ok(0)
}

/// Deduplicates pairs, routes each to the shard of its first document, with
/// the texts and line frequencies of every document it names.
fn route(dir: &Path, n: usize, mut tasks: Vec<PairTask>, round: &str) -> Result<()> {
    tasks.sort_unstable();
    tasks.dedup();
    let mut per: Vec<Vec<PairTask>> = vec![Vec::new(); n];
    for t in tasks {
        per[shard::shard_of(t.a, n)].push(t);
    }
    let docs: Vec<ShardDoc> = read_many(&tables(dir, "docs", n))?;
    let lines: Vec<LineRow> = read_many(&tables(dir, "lines", n))?;
    let df = engine::line_df(lines.iter().cloned());
    let base = dir.join(round);
    for (s, ts) in per.iter().enumerate() {
        let need: std::collections::HashSet<u64> = ts.iter().flat_map(|t| [t.a, t.b]).collect();
        write_rows(&table(&base, "tasks", s), ts)?;
        write_rows(
            &table(&base, "docs", s),
            docs.iter().filter(|d| need.contains(&d.seq)),
        )?;
        write_rows(
            &table(&base, "linedf", s),
            engine::line_df_for(&df, lines.iter().filter(|l| need.contains(&l.seq))),
        )?;
    }
    Ok(())
}

fn read_plan(path: &Path) -> Result<Plan> {
    let text =
        fs::read_to_string(path).with_context(|| format!("reading the plan {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{}: not a plan", path.display()))
}

fn read_pairs(paths: &[PathBuf]) -> Result<Vec<PairRecord>> {
    let rows: Vec<PairRow> = read_many(paths)?;
    rows.into_iter()
        .map(|r| PairRecord::try_from(r).map_err(anyhow::Error::from))
        .collect()
}

/// Every row of a JSON Lines file (blank lines are skipped).
fn read_rows<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>> {
    let f = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut out = Vec::new();
    for (k, line) in BufReader::new(f).lines().enumerate() {
        let line = line.with_context(|| format!("reading {} line {}", path.display(), k + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(
            serde_json::from_str(&line)
                .with_context(|| format!("{} line {}: bad row", path.display(), k + 1))?,
        );
    }
    Ok(out)
}

fn read_many<T: DeserializeOwned>(paths: &[PathBuf]) -> Result<Vec<T>> {
    let mut out = Vec::new();
    for p in paths {
        out.extend(read_rows(p)?);
    }
    Ok(out)
}

/// Writes rows as JSON Lines, creating the folder if needed.
fn write_rows<T: Serialize>(path: &Path, rows: impl IntoIterator<Item = T>) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    let f = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut w = BufWriter::new(f);
    for r in rows {
        serde_json::to_writer(&mut w, &r)?;
        w.write_all(b"\n")?;
    }
    w.flush()
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
