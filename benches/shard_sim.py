#!/usr/bin/env python3
"""A cluster run of crossdup simulated on one machine (docs/scaling.md).

For each folder: one `crossdup scan --format jsonl --clusters` as the
reference, then the same scan as stages over N shards, each worker stage
as N separate `crossdup shard ...` processes run at once, and the global
steps between them on a query engine: Apache DataFusion (the `datafusion`
Python package, `--engine datafusion`, the default) or crossdup's in-memory
reference (`--engine local`). The final JSON Lines is compared byte for byte
with the reference: pair records (ids, relation, scores, coverage, alignment,
cluster numbers), cluster records and doc records (language, sentences, noise).

    python3 benches/shard_sim.py ../shared/seeds ../shared/bench/feed-dev/docs --shards 4

Exit status 0 when every folder gives equal output, 1 otherwise.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Sim:
    def __init__(self, bin_path, work, shards, engine, lang):
        self.bin = str(bin_path)
        self.w = Path(work)
        self.n = shards
        self.engine = engine
        self.lang = ["--lang", lang] if lang else []
        self.times = []

    # --- running crossdup ---------------------------------------------------

    def t(self, name, s):
        return str(self.w / name / f"{s}.jsonl")

    def run(self, args, stdout=None):
        r = subprocess.run([self.bin] + args, stdout=stdout, stderr=subprocess.PIPE, text=True)
        if r.returncode not in (0, 1) or "panicked" in r.stderr:
            sys.exit(f"crossdup {' '.join(args)} failed ({r.returncode}):\n{r.stderr}")
        return r

    def parallel(self, name, make_args):
        """One process per shard, all at once (the workers of a stage)."""
        start = time.time()
        procs = []
        for s in range(self.n):
            args = make_args(s)
            procs.append((args, subprocess.Popen([self.bin] + args, stderr=subprocess.PIPE, text=True)))
        for args, p in procs:
            _, err = p.communicate()
            if p.returncode != 0:
                sys.exit(f"crossdup {' '.join(args)} failed ({p.returncode}):\n{err}")
        self.times.append((f"{name} x{self.n}", time.time() - start))

    def step(self, name, fn):
        start = time.time()
        fn()
        self.times.append((name, time.time() - start))

    # --- the pipeline ---------------------------------------------------------

    def simulate(self, folder):
        if self.w.exists():
            shutil.rmtree(self.w)
        self.w.mkdir(parents=True)
        start = time.time()
        self.run(["shard", "split", str(folder), "--shards", str(self.n), "--dir", str(self.w), "--quiet"])
        self.times.append(("split", time.time() - start))
        split = json.loads((self.w / "split.json").read_text())
        docs = str(split["documents"])
        # The collection's main language, found by split, goes to every analysis.
        if split.get("prefer") and not self.lang:
            self.lang = ["--prefer-lang", split["prefer"]]
        self.parallel("lines", lambda s: ["shard", "lines", "--docs", self.t("docs", s), "--out", self.t("lines", s)])
        self.step("E: line df", lambda: self.e_line_df())
        self.parallel("analyze", lambda s: ["shard", "analyze", "--docs", self.t("docs", s),
                                            "--line-df", self.t("linedf", s), "--documents", docs,
                                            "--meta", self.t("meta", s), "--terms", self.t("terms", s)] + self.lang)
        self.step("E: term df", lambda: self.e_term_df())
        plan = str(self.w / "plan.json")
        self.parallel("norms", lambda s: ["shard", "norms", "--term-df", self.t("termdf", s),
                                          "--plan", plan, "--out", self.t("norms", s)])
        self.step("E: bucket join", lambda: self.e_evidence())
        self.parallel("candidates", lambda s: ["shard", "candidates", "--evidence", self.t("evidence", s),
                                               "--plan", plan, "--out", self.t("cands", s)])
        self.step("E: route pairs", lambda: self.e_tasks("verify"))
        self.parallel("verify", lambda s: self.verify_args("verify", "pairs", s, docs))
        metas = [self.t("meta", s) for s in range(self.n)]
        start = time.time()
        self.run(["shard", "bridge", "--pairs"] + [self.t("pairs", s) for s in range(self.n)]
                 + ["--meta"] + metas + ["--kept", str(self.w / "kept.jsonl"),
                                         "--tasks", str(self.w / "bridge.jsonl")])
        self.times.append(("bridge", time.time() - start))
        self.step("E: route bridge pairs", lambda: self.e_tasks("bridge"))
        self.parallel("verify bridge", lambda s: self.verify_args("bridge", "extra", s, docs))
        start = time.time()
        self.run(["shard", "finish", "--pairs", str(self.w / "kept.jsonl"), "--extra"]
                 + [self.t("extra", s) for s in range(self.n)] + ["--meta"] + metas
                 + ["--clusters", "--quiet", "--output", str(self.w / "final.jsonl")])
        self.times.append(("finish", time.time() - start))

    def verify_args(self, rnd, out, s, docs):
        base = self.w / rnd
        return ["shard", "verify", "--tasks", str(base / "tasks" / f"{s}.jsonl"),
                "--docs", str(base / "docs" / f"{s}.jsonl"),
                "--line-df", str(base / "linedf" / f"{s}.jsonl"),
                "--documents", docs, "--out", self.t(out, s)] + self.lang

    # --- the engine's steps ---------------------------------------------------

    def local(self, step):
        self.run(["shard", "engine", step, "--dir", str(self.w), "--shards", str(self.n)])

    def e_line_df(self):
        if self.engine == "local":
            return self.local("line-df")
        ctx = self.ctx()
        if not self.table(ctx, "lines", self.w / "lines"):
            return self.empty("linedf")
        self.keep(ctx, "ldf", "SELECT key, COUNT(*) AS df FROM lines GROUP BY key HAVING COUNT(*) > 1 OR (key & 1) = 1")
        for s in range(self.n):
            if not self.table(ctx, "lines_s", Path(self.t("lines", s))):
                self.empty_file(self.t("linedf", s))
                continue
            self.copy(ctx, "SELECT DISTINCT g.key, g.df FROM lines_s l JOIN ldf g ON g.key = l.key OR g.key = (l.key | 1)",
                      self.t("linedf", s))
            ctx.deregister_table("lines_s")

    def e_term_df(self):
        if self.engine == "local":
            return self.local("term-df")
        ctx = self.ctx()
        self.table(ctx, "meta", self.w / "meta")
        profiles = ctx.sql("SELECT COUNT(*) AS n FROM meta WHERE error IS NULL").to_pydict()["n"][0]
        plan = self.run(["shard", "plan", "--profiles", str(profiles)], stdout=subprocess.PIPE).stdout
        (self.w / "plan.json").write_text(plan)
        max_df = json.loads(plan)["max_df"]
        if not self.table(ctx, "terms", self.w / "terms"):
            return self.empty("termdf")
        self.keep(ctx, "tdf", f'SELECT "index", term, COUNT(*) AS df FROM terms GROUP BY "index", term '
                              f'HAVING COUNT(*) <= {max_df}')
        for s in range(self.n):
            if not self.table(ctx, "terms_s", Path(self.t("terms", s))):
                self.empty_file(self.t("termdf", s))
                continue
            self.copy(ctx, 'SELECT t.seq, t."index", t.lang, t.term, t."count", g.df FROM terms_s t '
                           'JOIN tdf g ON t."index" = g."index" AND t.term = g.term', self.t("termdf", s))
            ctx.deregister_table("terms_s")

    def e_evidence(self):
        if self.engine == "local":
            return self.local("evidence")
        start = time.time()
        plan = json.loads((self.w / "plan.json").read_text())
        ctx = self.ctx()
        if not self.table(ctx, "termdf_files", self.w / "termdf"):
            return self.empty("evidence")
        self.table(ctx, "norms_files", self.w / "norms")
        self.keep(ctx, "norms", 'SELECT seq, "index" AS ix, norm FROM norms_files')
        profiles = max(plan["profiles"], 1)
        # Weights as the index computes them, in f64: tf = 1 + ln(count), idf = ln(n / df) + 1.
        self.keep(ctx, "p", f'SELECT seq, "index" AS ix, lang, term, "count" AS c, df, '
                            f'1.0 + ln(CAST("count" AS DOUBLE)) AS w, '
                            f'ln({profiles}.0 / CAST(df AS DOUBLE)) + 1.0 AS idf FROM termdf_files')
        margin, min_cand = plan["margin"], plan["min_candidate"]
        k_same, k_cross = plan["same_language"], plan["cross_language"]
        # The bucket join: every pair sharing a term below the cut, its
        # approximate cosine, and those within the margin of the k-th best.
        self.keep(ctx, "sup", f"""
            WITH half AS (
                SELECT a.ix, a.seq AS i, b.seq AS d, SUM(a.w * a.idf * a.idf * b.w) AS dot
                FROM p a JOIN p b ON a.ix = b.ix AND a.term = b.term
                WHERE a.seq < b.seq AND ((a.ix = 'mono') = (a.lang = b.lang))
                GROUP BY a.ix, a.seq, b.seq),
            -- The approximate dot product is symmetric: join each pair once.
            dots AS (
                SELECT ix, i, d, dot FROM half
                UNION ALL SELECT ix, d AS i, i AS d, dot FROM half),
            scored AS (
                SELECT x.ix, x.i, x.d, ni.norm AS norm_i, nd.norm AS norm_d,
                       x.dot / GREATEST(ni.norm * nd.norm, 1e-9) AS approx
                FROM dots x
                JOIN norms ni ON ni.seq = x.i AND ni.ix = x.ix
                JOIN norms nd ON nd.seq = x.d AND nd.ix = x.ix),
            ranked AS (
                SELECT *, ROW_NUMBER() OVER (PARTITION BY ix, i ORDER BY approx DESC, d) AS rn
                FROM scored WHERE approx >= {min_cand} - {margin}),
            kth AS (
                SELECT ix, i, approx AS kth FROM ranked
                WHERE rn = CASE WHEN ix = 'mono' THEN {k_same} ELSE {k_cross} END)
            SELECT r.ix, r.i, r.d, r.norm_i, r.norm_d, r.approx
            FROM ranked r LEFT JOIN kth k ON r.ix = k.ix AND r.i = k.i
            WHERE k.kth IS NULL OR r.approx >= k.kth - {margin}""")
        self.times.append(("E: (approximate top k)", time.time() - start))
        for s in range(self.n):
            self.copy(ctx, f"""
                SELECT s.ix AS "index", s.i, s.d, a.lang AS lang_i, b.lang AS lang_d,
                       s.norm_i, s.norm_d, s.approx,
                       array_agg(a.term ORDER BY a.term) AS terms,
                       array_agg(a.c ORDER BY a.term) AS ci,
                       array_agg(b.c ORDER BY a.term) AS cd,
                       array_agg(a.df ORDER BY a.term) AS df
                FROM sup s
                JOIN p a ON a.ix = s.ix AND a.seq = s.i
                JOIN p b ON b.ix = s.ix AND b.seq = s.d AND b.term = a.term
                WHERE s.i % {self.n} = {s}
                GROUP BY s.ix, s.i, s.d, a.lang, b.lang, s.norm_i, s.norm_d, s.approx""",
                      self.t("evidence", s))

    def e_tasks(self, rnd):
        if self.engine == "local":
            return self.local(f"{rnd}-tasks")
        ctx = self.ctx()
        src = self.w / "cands" if rnd == "verify" else self.w / "bridge.jsonl"
        base = self.w / rnd
        if not self.table(ctx, "tasks_in", src):
            for name in ("tasks", "docs", "linedf"):
                self.empty(f"{rnd}/{name}")
            return
        self.keep(ctx, "tasks", "SELECT DISTINCT a, b FROM tasks_in")
        self.keep(ctx, "need", f"SELECT a AS seq, a % {self.n} AS part FROM tasks "
                               f"UNION SELECT b AS seq, a % {self.n} AS part FROM tasks")
        self.table(ctx, "docs", self.w / "docs")
        self.table(ctx, "lines", self.w / "lines")
        self.keep(ctx, "ldf", "SELECT key, COUNT(*) AS df FROM lines GROUP BY key HAVING COUNT(*) > 1 OR (key & 1) = 1")
        for s in range(self.n):
            for name, sql in (
                ("tasks", f"SELECT a, b FROM tasks WHERE a % {self.n} = {s}"),
                ("docs", f"SELECT d.* FROM docs d JOIN need n ON d.seq = n.seq WHERE n.part = {s}"),
                ("linedf", f"SELECT DISTINCT g.key, g.df FROM lines l JOIN need n ON l.seq = n.seq "
                           f"JOIN ldf g ON g.key = l.key OR g.key = (l.key | 1) WHERE n.part = {s}"),
            ):
                self.copy(ctx, sql, str(base / name / f"{s}.jsonl"))

    # --- DataFusion helpers -----------------------------------------------------

    def ctx(self):
        from datafusion import SessionContext
        return SessionContext()

    def table(self, ctx, name, path):
        """Registers JSON Lines (a file, or every shard file of a folder); False if there are no rows."""
        files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
        if not any(f.exists() and f.stat().st_size > 0 for f in files):
            return False
        ctx.register_json(name, str(path) + ("/" if path.is_dir() else ""), file_extension=".jsonl")
        return True

    def keep(self, ctx, name, sql):
        """Runs a query once and keeps its result in memory under a name."""
        import pyarrow as pa
        df = ctx.sql(sql)
        batches = df.collect() or [pa.RecordBatch.from_pylist([], schema=df.schema())]
        ctx.register_record_batches(name, [batches])

    def copy(self, ctx, sql, path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        ctx.sql(f"COPY ({sql}) TO '{path}' STORED AS JSON").collect()
        if not Path(path).exists():
            self.empty_file(path)

    def empty(self, name):
        for s in range(self.n):
            self.empty_file(str(self.w / name / f"{s}.jsonl"))

    @staticmethod
    def empty_file(path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text("")


def records(path):
    counts = {}
    for line in Path(path).read_text().splitlines():
        t = json.loads(line)["type"]
        counts[t] = counts.get(t, 0) + 1
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--engine", choices=["datafusion", "local"], default="datafusion")
    ap.add_argument("--bin", type=Path, default=ROOT / "target/release/crossdup")
    ap.add_argument("--work", type=Path, default=ROOT / "out/shard-sim")
    ap.add_argument("--lang", help="as scan --lang")
    a = ap.parse_args()
    if not a.bin.exists():
        sys.exit(f"{a.bin} not found: cargo build --release first")
    if a.engine == "datafusion":
        try:
            import datafusion  # noqa: F401
            import pyarrow  # noqa: F401
        except ImportError:
            sys.exit("the datafusion engine needs `pip install datafusion pyarrow` (or use --engine local)")
    ok = True
    for folder in a.folders:
        if not folder.exists():
            sys.exit(f"{folder} not found")
        # feed-dev/docs -> feed-dev-docs
        name = "-".join(folder.resolve().parts[-2:])
        work = a.work / name
        sim = Sim(a.bin, work, a.shards, a.engine, a.lang)
        work.mkdir(parents=True, exist_ok=True)
        ref = a.work / f"{name}.scan.jsonl"
        start = time.time()
        sim.run(["scan", str(folder), "--format", "jsonl", "--clusters", "--quiet", "--output", str(ref)]
                + sim.lang)
        scan_s = time.time() - start
        start = time.time()
        sim.simulate(folder)
        shard_s = time.time() - start
        final = work / "final.jsonl"
        same = ref.read_bytes() == final.read_bytes()
        ok &= same
        print(f"{folder}: {'EQUAL' if same else 'DIFFERENT'} "
              f"(scan {records(ref)}, shards {records(final)}); "
              f"scan {scan_s:.1f} s, {a.shards} shards on {a.engine} {shard_s:.1f} s")
        for name, secs in sim.times:
            print(f"    {name:<24} {secs:7.2f} s")
        if not same:
            print(f"    diff {ref} {final}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
