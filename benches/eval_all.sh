#!/usr/bin/env bash
# Score a crossdup binary on every dev set: seeds, feed-dev, ddtp-dev (translation and alignment),
# manpages-dev, world-dev (copies, noise) and ddtp-world-dev (per language). Prints the figures
# and leaves the scans in OUT.
#
#   benches/eval_all.sh [BIN] [OUT]      (defaults: target/release/crossdup, out/eval)
#
# CROSSDUP_DATA is set to this checkout's data/ unless given.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/target/release/crossdup}
out=${2:-$here/out/eval}
shared=${SHARED:-$here/../shared}
export CROSSDUP_DATA=${CROSSDUP_DATA:-$here/data}
mkdir -p "$out"
score="python3 $shared/bench/score.py"
b=$shared/bench
"$bin" scan "$shared/seeds" --format jsonl --quiet > "$out/seeds.jsonl"
"$bin" scan "$b/feed-dev/docs" --format jsonl --quiet > "$out/feed.jsonl"
"$bin" scan "$b/ddtp-dev/docs" --format jsonl --quiet > "$out/ddtp.jsonl"
"$bin" scan "$b/manpages-dev/docs" --format jsonl --quiet > "$out/man.jsonl"
[ -d "$here/benches/world-dev/docs" ] || python3 "$here/benches/world_dev.py" build > /dev/null
"$bin" scan "$here/benches/world-dev/docs" --format jsonl --quiet > "$out/world.jsonl"
"$bin" scan "$b/ddtp-world-dev/docs" --format jsonl --quiet > "$out/wdev.jsonl"
echo "== seeds";        $score pairs "$shared/seeds/gold.tsv" "$out/seeds.jsonl"
                        $score noise "$shared/seeds/noise.tsv" "$out/seeds.jsonl"
                        $score align "$shared/seeds/gold_align.tsv" "$out/seeds.jsonl" --docs "$shared/seeds"
echo "== feed-dev";     $score pairs "$b/feed-dev/gold.tsv" "$out/feed.jsonl"
                        $score noise "$b/feed-dev/noise.tsv" "$out/feed.jsonl"
echo "== ddtp-dev";     $score pairs "$b/ddtp-dev/gold.tsv" "$out/ddtp.jsonl" --scope cross --kind translation
                        $score align "$b/ddtp-dev/gold_align.tsv" "$out/ddtp.jsonl" --docs "$b/ddtp-dev/docs"
echo "== manpages-dev";  $score pairs "$b/manpages-dev/gold.tsv" "$out/man.jsonl" --lenient --scope cross
echo "== world-dev";    python3 "$here/benches/world_dev.py" score "$out/world.jsonl"
echo "== ddtp-world-dev"; python3 "$b/perlang.py" "$b/ddtp-world-dev/gold.tsv" "$out/wdev.jsonl"
