#!/usr/bin/env python3
"""Whole-run benchmark: `crossdup scan` against the MinHash LSH peers (datasketch and
rensa) on the same folders, back to back in one run, plus thread scaling and scores.
Not a test: run it by hand or with `just bench` / `just bench-scale`.

  benches/harness.py [FOLDER...] [--peers datasketch,rensa] [--repeat N]
                     [--scaling FOLDER] [--feed DIR] [--out out/bench] [--bin PATH]

For each FOLDER (default: ../shared/bench/ddtp-dev/docs/en) every tool runs on the same
files; the table gives wall seconds, documents/s, MB/s of input, peak RSS (GNU time),
pairs found and, for each peer, its time divided by crossdup's (above 1: crossdup is
faster). With --repeat N the tools take turns N times and each one's fastest run is kept.
--scaling FOLDER times `crossdup scan --threads 1` and `--threads 2` (taking turns) and
prints the speed-up. --feed DIR (default ../shared/bench/feed-dev) runs all three on
DIR/docs and scores their pairs with ../shared/bench/score.py against DIR/gold.tsv, all
pairs and same-language pairs (the peers find no translations), so speed is never bought
with recall.

Needs a release build (cargo build --release), GNU time (/usr/bin/time), python3 with
datasketch and rensa for the peers (pip install datasketch rensa; a missing peer is
skipped with a note). The load average is printed with each run: the machine may be
shared, so compare ratios from one run rather than seconds across runs.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("CROSSDUP_SHARED", os.path.normpath(os.path.join(ROOT, "..", "shared")))
PEERS = {
    "datasketch": ("minhash_lsh.py", "datasketch"),
    "rensa": ("rensa_lsh.py", "rensa"),
}


def folder_size(folder):
    """(documents, bytes) of the *.txt files below folder (what the peers read)."""
    docs = size = 0
    for root, _, files in os.walk(folder):
        for name in files:
            if name.endswith(".txt"):
                docs += 1
                size += os.path.getsize(os.path.join(root, name))
    return docs, size


def timed(cmd, out_path):
    """Runs cmd with stdout to out_path under GNU time: (wall seconds, peak RSS in MB)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf, open(out_path, "w") as out:
        t0 = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", tf.name] + cmd, stdout=out,
                              stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode not in (0, 1):
            sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
        rss_kb = int(tf.read().strip().splitlines()[-1])
    return wall, rss_kb / 1024


def count_pairs(path):
    n = 0
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith('{"type":"pair"') or '"type": "pair"' in line[:20]:
                n += 1
    return n


def tools(args):
    """(name, command builder) of every tool to run, crossdup first."""
    out = [("crossdup", lambda folder: [args.bin, "scan", folder, "--format", "jsonl", "--quiet"])]
    for name in [p for p in args.peers.split(",") if p]:
        if name not in PEERS:
            sys.exit(f"unknown peer {name!r} (known: {', '.join(PEERS)})")
        script, module = PEERS[name]
        try:
            __import__(module)
        except ImportError:
            print(f"note: peer {name} skipped (pip install {module})")
            continue
        path = os.path.join(SHARED, "bench", "peers", script)
        out.append((name, lambda folder, path=path: [sys.executable, path, folder]))
    return out


def load():
    return f"load {os.getloadavg()[0]:.2f}"


def bench_folder(folder, args, runners):
    docs, size = folder_size(folder)
    mb = size / 1e6
    print(f"\n## {folder}: {docs} documents, {mb:.1f} MB")
    best = {}
    for rep in range(args.repeat):
        for name, cmd in runners:
            out_path = os.path.join(args.out, f"{name}.jsonl")
            wall, rss = timed(cmd(folder), out_path)
            print(f"   run {rep + 1} {name:10} {wall:8.2f} s  {rss:8.0f} MB  ({load()})", flush=True)
            if name not in best or wall < best[name][0]:
                best[name] = (wall, rss, count_pairs(out_path))
    base = best["crossdup"][0]
    print(f"{'tool':10} {'seconds':>8} {'docs/s':>9} {'MB/s':>7} {'peak RSS':>9} {'pairs':>8}  ratio")
    for name, _ in runners:
        wall, rss, pairs = best[name]
        ratio = "" if name == "crossdup" else f"{wall / base:.2f}x (crossdup faster)" if wall > base \
            else f"{wall / base:.2f}x (peer faster)"
        print(f"{name:10} {wall:8.2f} {docs / wall:9.0f} {mb / wall:7.2f} {rss:6.0f} MB {pairs:8}  {ratio}")
    return best


def scaling(folder, args):
    docs, size = folder_size(folder)
    print(f"\n## thread scaling on {folder}: {docs} documents")
    best = {}
    for rep in range(args.repeat):
        for t in (1, 2):
            wall, rss = timed([args.bin, "scan", folder, "--format", "jsonl", "--quiet", "--threads", str(t)],
                              os.path.join(args.out, f"threads{t}.jsonl"))
            print(f"   run {rep + 1} --threads {t}: {wall:.2f} s  {rss:.0f} MB  ({load()})", flush=True)
            best[t] = min(best.get(t, wall), wall)
    for t in (1, 2):
        print(f"--threads {t}: {best[t]:8.2f} s  {docs / best[t]:9.0f} docs/s")
    print(f"speed-up 1 -> 2 threads: {best[1] / best[2]:.2f}x")


def score(feed, args, runners):
    docs_dir, gold = os.path.join(feed, "docs"), os.path.join(feed, "gold.tsv")
    print(f"\n## scores on {feed} (pairs, ../shared/bench/score.py)")
    scorer = os.path.join(SHARED, "bench", "score.py")
    for name, cmd in runners:
        out_path = os.path.join(args.out, f"feed-{name}.jsonl")
        timed(cmd(docs_dir), out_path)
        lines = []
        for scope in ("all", "same"):
            r = subprocess.run([sys.executable, scorer, "pairs", gold, out_path, "--scope", scope],
                               stdout=subprocess.PIPE, text=True, check=True)
            lines.append(f"{scope}: {r.stdout.strip().splitlines()[-1]}")
        print(f"{name:10} " + "   ".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="*")
    ap.add_argument("--peers", default="datasketch,rensa")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--scaling", metavar="FOLDER")
    ap.add_argument("--feed", default=os.path.join(SHARED, "bench", "feed-dev"))
    ap.add_argument("--no-score", action="store_true")
    ap.add_argument("--out", default=os.path.join(ROOT, "out", "bench"))
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "crossdup"))
    args = ap.parse_args()
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"{args.bin} not found: cargo build --release")
    if not os.path.exists("/usr/bin/time"):
        sys.exit("GNU time (/usr/bin/time) is needed for peak RSS: apt-get install time")
    os.makedirs(args.out, exist_ok=True)
    folders = args.folders or [os.path.join(SHARED, "bench", "ddtp-dev", "docs", "en")]
    runners = tools(args)
    print(f"crossdup: {args.bin}; {os.cpu_count()} cores; {load()}")
    for folder in folders:
        bench_folder(folder, args, runners)
    if args.scaling:
        scaling(args.scaling, args)
    if not args.no_score and os.path.isdir(args.feed):
        score(args.feed, args, runners)


if __name__ == "__main__":
    main()
