#!/usr/bin/env python3
"""Paired comparison of the check latency of two `crossdup serve` builds.

Python 3 standard library only.

serve_bench.py runs one build at a time, and on a shared 2-core VM the same
build's p99 moves by 15-20% from one quarter of an hour to the next: two
runs minutes apart cannot tell builds apart by less than that. Here both
builds serve at once, each on its own copy of one index, and every check goes
to both, back to back, the order alternating from check to check. Only one
of them works at a time, and a slow moment of the machine hits both alike.

The index is built once with build A's `crossdup index add` from the
articles serve_bench.py adds (same --add, --no-mix, --checks and seed), or
given with --index (and --b-index, to compare two indexes with one build).
Both servers then check the held-out articles once to warm up, then
--passes times. Each pass prints both builds' p50, p90, p99 and total time;
the summary gives the ratio B/A of the totals and of the p99 of each pass,
and their medians. Comparing a build with itself (the default: both are
target/release/crossdup) shows the noise floor of the comparison.

Usage: python3 benches/serve_ab.py [--a BIN] [--b BIN] [--a-env K=V]...
       [--b-env K=V]... [--index DIR] [--b-index DIR] [--add 20000]
       [--checks 1000] [--no-mix] [--passes 5] [--shared ../shared]
"""

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_bench import articles, pct, request, start, stop  # noqa: E402


def environment(pairs):
    env = dict(os.environ)
    for kv in pairs:
        if "=" not in kv:
            sys.exit("environment settings are K=V, not %r" % kv)
        k, v = kv.split("=", 1)
        env[k] = v
    return env


def build_index(binary, to_add, ix, tmp):
    src = os.path.join(tmp, "add.jsonl")
    with open(src, "w", encoding="utf-8") as f:
        for id_, text in to_add:
            f.write(json.dumps({"id": id_, "text": text}) + "\n")
    t = time.perf_counter()
    r = subprocess.run(
        [binary, "index", "add", "--index", ix, "--quiet", src],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if r.returncode != 0:
        sys.exit("building the index failed:\n" + r.stderr)
    print("index:  %d articles indexed in %.0f s" % (len(to_add), time.perf_counter() - t), flush=True)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    default_bin = os.path.join(root, "target/release/crossdup")
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--a", default=default_bin, help="build A (the reference)")
    ap.add_argument("--b", default=default_bin, help="build B (the change)")
    ap.add_argument("--a-env", action="append", default=[], metavar="K=V", help="environment of A's server")
    ap.add_argument("--b-env", action="append", default=[], metavar="K=V", help="environment of B's server")
    ap.add_argument("--index", help="an existing index for both (copied; default: build one)")
    ap.add_argument("--b-index", help="another existing index for B (copied)")
    ap.add_argument("--add", type=int, default=20000, help="articles to index when building the index")
    ap.add_argument("--checks", type=int, default=1000, help="held-out checks per pass")
    ap.add_argument("--no-mix", action="store_true", help="real files only")
    ap.add_argument("--passes", type=int, default=5, help="timed passes over the checks")
    ap.add_argument("--shared", default=os.path.join(root, "../shared"))
    args = ap.parse_args()
    if args.passes < 1:
        sys.exit("--passes takes a positive number")
    if args.b_index and not args.index:
        sys.exit("--b-index needs --index")
    for b in (args.a, args.b):
        if not os.path.exists(b):
            sys.exit("no %s: run `cargo build --release` first" % b)
    for d in (args.index, args.b_index):
        if d and not os.path.isdir(d):
            sys.exit("no index folder %s" % d)
    bench = os.path.join(args.shared, "bench")
    if not os.path.isdir(bench):
        sys.exit("no %s: nothing to benchmark" % bench)

    checks, to_add, _, _ = articles(bench, args.checks, args.add, args.no_mix)
    envs = [environment(args.a_env), environment(args.b_env)]
    tmp = tempfile.TemporaryDirectory(prefix="crossdup-serve-ab-")
    procs = []
    try:
        source = [args.index, args.b_index or args.index]
        if not args.index:
            built = os.path.join(tmp.name, "built")
            build_index(args.a, to_add, built, tmp.name)
            source = [built, built]
        conns = []
        for side, (binary, env, src) in enumerate(zip((args.a, args.b), envs, source)):
            ix = os.path.join(tmp.name, "ix-" + "ab"[side])
            shutil.copytree(src, ix)
            proc, host, port = start(binary, ix, env)
            procs.append(proc)
            conns.append(http.client.HTTPConnection(host, port, timeout=120))

        def stats_now():
            out = []
            for c in conns:
                st, body = request(c, "GET", "/stats")
                got = json.loads(body) if st == 200 else {}
                out.append((got.get("segments"), got.get("size_bytes")))
            return out

        # A server merges the small segments it opens with once it has been
        # idle a few seconds: time the checks only after that, once segment
        # counts and index sizes (a merge writes files, then drops the old
        # ones) have not changed for 10 s.
        started, now, stable = time.time(), stats_now(), 0
        while time.time() - started < 600:
            time.sleep(1)
            last, now = now, stats_now()
            stable = stable + 1 if now == last else 0
            if stable >= 10 and time.time() - started >= 10:
                break
        segments = [n for n, _ in now]

        def one(side, id_, text):
            t = time.perf_counter()
            st, _ = request(conns[side], "POST", "/check", {"id": id_, "text": text})
            if st != 200:
                sys.exit("build %s answered %d to the check of %s" % ("AB"[side], st, id_))
            return time.perf_counter() - t

        def paired(turn):
            lat = ([], [])
            for n, (id_, text) in enumerate(checks):
                first = (n + turn) % 2
                for side in (first, 1 - first):
                    lat[side].append(one(side, id_, text))
            return lat

        ms = lambda x: x * 1000.0
        print(
            "servers: A %s (%s segments), B %s (%s segments); %d checks a pass"
            % (args.a, segments[0], args.b, segments[1], len(checks)),
            flush=True,
        )
        paired(0)  # warm-up: page cache, remembered profiles
        totals, p99s = [], []
        for k in range(args.passes):
            lat = paired(k + 1)
            line = []
            for side in (0, 1):
                xs = lat[side]
                line.append(
                    "%s p50 %.2f p90 %.1f p99 %.1f total %.2f s"
                    % ("AB"[side], ms(pct(xs, 0.5)), ms(pct(xs, 0.9)), ms(pct(xs, 0.99)), sum(xs))
                )
            totals.append(sum(lat[1]) / sum(lat[0]))
            p99s.append((pct(lat[0], 0.99), pct(lat[1], 0.99)))
            print("pass %d: %s | %s" % (k + 1, line[0], line[1]), flush=True)
    finally:
        for p in procs:
            stop(p)
        tmp.cleanup()

    ratios = [b / a for a, b in p99s]
    print()
    print("== paired check latency, %d passes (%d cores)" % (args.passes, os.cpu_count() or 0))
    print(
        "total time B/A: median %.3f (passes %s)"
        % (pct(totals, 0.5), ", ".join("%.3f" % r for r in totals))
    )
    print(
        "p99: A median %.1f ms, B median %.1f ms; B/A median %.3f (passes %s)"
        % (
            ms(pct([a for a, _ in p99s], 0.5)),
            ms(pct([b for _, b in p99s], 0.5)),
            pct(ratios, 0.5),
            ", ".join("%.3f" % r for r in ratios),
        )
    )


if __name__ == "__main__":
    main()
