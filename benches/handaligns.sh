#!/usr/bin/env bash
# crossdup align against hunalign on hunalign's own hand-aligned test suite
# (../shared/bench/handaligns), both run back to back on each set, both scored
# with ladder_score.py; then a synthetic pair of about 100,000 sentences a side
# (the four sets concatenated five times), timed with its peak memory.
#
# Usage: benches/handaligns.sh [HANDALIGNS_DIR]
#   CROSSDUP=path/to/crossdup   (default target/release/crossdup)
#   HUNALIGN=path/to/hunalign   (default: hunalign on PATH; without it the
#                                table shows hunalign's published figures)
#   SYNTHETIC=0                 skips the 100,000-sentence run
# hunalign runs as its README figures were measured: -realign with an empty
# dictionary. It is not packaged for Debian 12; its source builds with `make`
# in src/hunalign of its repository.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="$(realpath "${1:-../shared/bench/handaligns}")"
score="$dir/../ladder_score.py"
crossdup="${CROSSDUP:-target/release/crossdup}"
hunalign="${HUNALIGN:-$(command -v hunalign || true)}"
[[ -x "$crossdup" ]] || { echo "no $crossdup: run cargo build --release" >&2; exit 1; }
[[ -f "$score" ]] || { echo "no $score" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
: > "$tmp/empty.dic"

# hunalign's figures from the handaligns README, used when it is not installed.
declare -A published=(
    [1984.hu]="0.981 0.985 3.9" [1984.ro]="0.967 0.978 4.4"
    [dtm]="0.970 0.979 0.1" [steinbeck]="0.973 0.980 2.1"
)

# Runs a command, leaving its wall time in seconds in $tmp/secs.
timed() {
    local t0=$EPOCHREALTIME
    "$@"
    awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }' > "$tmp/secs"
}

# "strict lax" F1 of a predicted ladder.
f1s() {
    python3 "$score" "$1" "$2" | sed -E 's/.*strict P=[^ ]+ R=[^ ]+ F1=([0-9.]+).*lax P=[^ ]+ R=[^ ]+ F1=([0-9.]+).*/\1 \2/'
}

echo "load before: $(uptime | sed 's/.*load average/load average/')"
if [[ -z "$hunalign" ]]; then
    echo "hunalign not found: its column shows the README's figures (measured on this kind of machine)"
fi
printf '\n%-10s | %-24s | %-24s\n' "" "hunalign -realign" "crossdup align"
printf '%-10s | %7s %7s %8s | %7s %7s %8s\n' set strict lax seconds strict lax seconds
for set in 1984.hu 1984.ro dtm steinbeck; do
    src="$dir/$set/src.sen" en="$dir/$set/en.sen" gold="$dir/$set/hand.ladder"
    if [[ -n "$hunalign" ]]; then
        # (in the scratch folder: hunalign leaves a translate.txt behind)
        hunalign="$(realpath "$hunalign")"
        (cd "$tmp" && timed "$hunalign" -realign "$tmp/empty.dic" "$src" "$en" > "$tmp/$set.hun" 2> "$tmp/$set.hun.err")
        hun="$(f1s "$gold" "$tmp/$set.hun") $(cat "$tmp/secs")"
    else
        hun="${published[$set]}"
    fi
    timed "$crossdup" align --segments lines --format ladder "$src" "$en" > "$tmp/$set.cd"
    cd="$(f1s "$gold" "$tmp/$set.cd") $(cat "$tmp/secs")"
    # shellcheck disable=SC2086
    printf '%-10s | %7s %7s %8s | %7s %7s %8s\n' "$set" $hun $cd
done
echo "load after: $(uptime | sed 's/.*load average/load average/')"

if [[ "${SYNTHETIC:-1}" != 0 ]]; then
    # The four sets, five times over; the gold ladder shifted to match.
    python3 - "$dir" "$tmp" <<'EOF'
import sys
d, t = sys.argv[1], sys.argv[2]
src, en, gold = open(f"{t}/syn.src", "w"), open(f"{t}/syn.en", "w"), open(f"{t}/syn.gold", "w")
oi = oj = 0
rungs = []
for _ in range(5):
    for s in ["1984.hu", "1984.ro", "dtm", "steinbeck"]:
        a = open(f"{d}/{s}/src.sen").read().splitlines()
        b = open(f"{d}/{s}/en.sen").read().splitlines()
        src.write("\n".join(a) + "\n"); en.write("\n".join(b) + "\n")
        for l in open(f"{d}/{s}/hand.ladder"):
            if l.strip():
                i, j = map(int, l.split()[:2])
                if not rungs or rungs[-1] != (oi + i, oj + j):
                    rungs.append((oi + i, oj + j))
        oi += len(a); oj += len(b)
if rungs[-1] != (oi, oj):
    rungs.append((oi, oj))
gold.write("".join(f"{i} {j}\n" for i, j in rungs))
print(f"\nsynthetic pair: {oi} and {oj} sentences")
EOF
    /usr/bin/time -f "%e %M" -o "$tmp/syn.time" \
        "$crossdup" align --segments lines --format ladder "$tmp/syn.src" "$tmp/syn.en" > "$tmp/syn.cd"
    read -r secs kb < "$tmp/syn.time"
    echo "crossdup align: $secs s, $((kb / 1024)) MB peak RSS; $(python3 "$score" "$tmp/syn.gold" "$tmp/syn.cd")"
fi
