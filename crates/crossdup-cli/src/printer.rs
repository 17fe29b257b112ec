//! Every output format of the CLI: table, JSON Lines, JSON and CSV.

use std::io::{self, Write};

use crossdup::{ClusterRecord, DocRecord, PairRecord};

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table for people.
    Table,
    /// One JSON object per line.
    Jsonl,
    /// One JSON document.
    Json,
    /// Comma-separated pairs.
    Csv,
}

/// Writes scan results in a format.
pub struct Printer<W: Write> {
    out: W,
    format: Format,
    json_items: Vec<serde_json::Value>,
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl<W: Write> Printer<W> {
    /// A printer writing to `out`.
    pub fn new(out: W, format: Format) -> Printer<W> {
        Printer {
            out,
            format,
            json_items: Vec::new(),
        }
    }

    /// Writes one record as a JSON line, or keeps it for the JSON array.
    fn record<T: serde::Serialize>(&mut self, r: &T) -> io::Result<()> {
        if self.format == Format::Json {
            self.json_items
                .push(serde_json::to_value(r).map_err(io::Error::other)?);
            return Ok(());
        }
        serde_json::to_writer(&mut self.out, r)?;
        writeln!(self.out)
    }

    /// Writes the header, if the format has one.
    pub fn begin(&mut self) -> io::Result<()> {
        match self.format {
            Format::Csv => writeln!(
                self.out,
                "a,b,relation,score,lang_a,lang_b,coverage_a,coverage_b,partial,cluster,links"
            ),
            Format::Table => writeln!(
                self.out,
                "{:<40} {:<40} {:<15} {:>6} {:>7} {:>7} {:>6}",
                "A", "B", "RELATION", "SCORE", "COV_A", "COV_B", "LINKS"
            ),
            _ => Ok(()),
        }
    }

    /// Writes a pair.
    pub fn pair(&mut self, p: &PairRecord) -> io::Result<()> {
        match self.format {
            Format::Jsonl | Format::Json => self.record(p),
            Format::Csv => writeln!(
                self.out,
                "{},{},{},{},{},{},{},{},{},{},{}",
                csv_field(&p.a),
                csv_field(&p.b),
                p.relation,
                p.score,
                p.lang_a,
                p.lang_b,
                p.coverage_a,
                p.coverage_b,
                p.partial,
                p.cluster.map(|c| c.to_string()).unwrap_or_default(),
                p.alignment.len()
            ),
            Format::Table => writeln!(
                self.out,
                "{:<40} {:<40} {:<15} {:>6.3} {:>7.3} {:>7.3} {:>6}",
                ellipsize(&p.a, 40),
                ellipsize(&p.b, 40),
                p.relation,
                p.score,
                p.coverage_a,
                p.coverage_b,
                p.alignment.len()
            ),
        }
    }

    /// Writes a document record (noise report). Tables and CSV list pairs only.
    pub fn doc(&mut self, d: &DocRecord) -> io::Result<()> {
        match self.format {
            Format::Jsonl | Format::Json => self.record(d),
            _ => Ok(()),
        }
    }

    /// Writes a cluster record.
    pub fn cluster(&mut self, c: &ClusterRecord) -> io::Result<()> {
        match self.format {
            Format::Jsonl | Format::Json => self.record(c),
            Format::Csv | Format::Table => writeln!(
                self.out,
                "cluster {}: {} (representative {})",
                c.cluster,
                c.members.join(" "),
                c.representative
            ),
        }
    }

    /// Writes a closing summary (tables) and flushes.
    pub fn finish(mut self, summary: &str) -> io::Result<()> {
        match self.format {
            Format::Json => {
                serde_json::to_writer_pretty(&mut self.out, &self.json_items)?;
                writeln!(self.out)?;
            }
            Format::Table => writeln!(self.out, "{summary}")?,
            _ => {}
        }
        self.out.flush()
    }
}

fn ellipsize(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let tail: String = s
            .chars()
            .rev()
            .take(n - 1)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("…{tail}")
    }
}
