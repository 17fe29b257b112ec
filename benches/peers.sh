#!/usr/bin/env bash
# Times crossdup and the MinHash LSH peer (datasketch) on the same folder in
# one run, scores both where gold exists, and prints documents per second
# and the speed ratio. Not a test: run it by hand or with `just bench`.
#
#   benches/peers.sh [FOLDER] [GOLD.tsv]
#   default: ../shared/bench/ddtp-dev/docs/en (English only: same-language copies)
#
# Needs: a release build (cargo build --release), python3 with datasketch
# (pip install datasketch); GNU time is used for peak memory when present.
set -euo pipefail
cd "$(dirname "$0")/.."
folder=${1:-../shared/bench/ddtp-dev/docs/en}
gold=${2:-}
bin=target/release/crossdup
peer=../shared/bench/peers/minhash_lsh.py
out=${OUT:-out/bench}
mkdir -p "$out"
[ -x "$bin" ] || cargo build --release
docs=$(find "$folder" -name '*.txt' | wc -l)
mb=$(du -sm "$folder" | cut -f1)

now() { date +%s.%N; }
rate() { python3 -c "import sys; d,t=float(sys.argv[1]),float(sys.argv[2]); print(f'{d/t:.0f}')" "$@"; }

echo "folder: $folder ($docs documents, ${mb} MB)"

ix=$(mktemp -d)/ix
t0=$(now); "$bin" index add --index "$ix" -q "$folder"; t1=$(now)
index_s=$(python3 -c "print(f'{$t1-$t0:.2f}')")
echo "crossdup index add : ${index_s}s  $(rate "$docs" "$index_s") docs/s"
rm -rf "$(dirname "$ix")"

t0=$(now); "$bin" scan "$folder" --format jsonl -q > "$out/crossdup.jsonl"; t1=$(now)
scan_s=$(python3 -c "print(f'{$t1-$t0:.2f}')")
echo "crossdup scan      : ${scan_s}s  $(rate "$docs" "$scan_s") docs/s  $(grep -c '"pair"' "$out/crossdup.jsonl" || true) pairs"

if python3 -c "import datasketch" 2>/dev/null; then
  t0=$(now); python3 "$peer" "$folder" > "$out/minhash.jsonl"; t1=$(now)
  peer_s=$(python3 -c "print(f'{$t1-$t0:.2f}')")
  echo "minhash_lsh.py     : ${peer_s}s  $(rate "$docs" "$peer_s") docs/s  $(grep -c '"pair"' "$out/minhash.jsonl" || true) pairs"
  python3 -c "print(f'ratio (peer time / crossdup scan time): {$peer_s/$scan_s:.2f}x')"
else
  echo "minhash_lsh.py     : skipped (pip install datasketch)"
fi

if [ -n "$gold" ]; then
  echo "crossdup:"; python3 ../shared/bench/score.py pairs "$gold" "$out/crossdup.jsonl"
  [ -f "$out/minhash.jsonl" ] && { echo "minhash_lsh:"; python3 ../shared/bench/score.py pairs "$gold" "$out/minhash.jsonl"; }
fi
