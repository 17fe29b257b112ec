# Everyday commands for crossdup. `just --list` shows them.

shared := "../shared"
bin := "target/release/crossdup"

# Run every test (unit, doc and end-to-end), as CI does.
test:
    cargo test --workspace

# Formatting check, clippy and the documentation with warnings as errors, as CI does.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

# Install the binary, its bash completion and its manual pages for this user.
install:
    cargo install --path crates/crossdup-cli
    mkdir -p ~/.local/share/bash-completion/completions ~/.local/share/man/man1
    crossdup completions bash > ~/.local/share/bash-completion/completions/crossdup
    crossdup man --out ~/.local/share/man/man1

# Scan the shipped sample collection and print a table.
demo:
    cargo run --release -- scan data/samples --format table

# Print the syndicated sample without its site furniture, marking what goes.
clean-sample:
    cargo run --release -- clean --show-noise data/samples/en/tram-line-vote-syndicated.txt

# Score crossdup on the seeds and the dev corpora (see ../shared/bench/README.md); output in out/.
eval:
    cargo build --release
    mkdir -p out
    {{bin}} scan {{shared}}/seeds --format jsonl --quiet > out/seeds.jsonl
    {{bin}} scan {{shared}}/bench/feed-dev/docs --format jsonl --quiet > out/feed.jsonl
    {{bin}} scan {{shared}}/bench/ddtp-dev/docs --format jsonl --quiet > out/ddtp.jsonl
    python3 {{shared}}/bench/score.py pairs {{shared}}/seeds/gold.tsv out/seeds.jsonl
    python3 {{shared}}/bench/score.py noise {{shared}}/seeds/noise.tsv out/seeds.jsonl
    python3 {{shared}}/bench/score.py align {{shared}}/seeds/gold_align.tsv out/seeds.jsonl --docs {{shared}}/seeds
    python3 {{shared}}/bench/score.py pairs {{shared}}/bench/feed-dev/gold.tsv out/feed.jsonl
    python3 {{shared}}/bench/score.py noise {{shared}}/bench/feed-dev/noise.tsv out/feed.jsonl
    python3 {{shared}}/bench/score.py pairs {{shared}}/bench/ddtp-dev/gold.tsv out/ddtp.jsonl --scope cross --kind translation
    python3 {{shared}}/bench/score.py align {{shared}}/bench/ddtp-dev/gold_align.tsv out/ddtp.jsonl --docs {{shared}}/bench/ddtp-dev/docs

# Benchmarks: whole `crossdup scan` runs against the MinHash LSH peers (datasketch, rensa) on the
# same folders with documents/s, MB/s, peak RSS and ratios, thread scaling, all three scored on
# feed-dev (benches/harness.py); then the function benchmarks (divan, crates/crossdup/benches).
bench:
    cargo build --release
    python3 benches/harness.py {{shared}}/bench/ddtp-dev/docs/en {{shared}}/bench/ddtp-dev/docs --scaling {{shared}}/bench/ddtp-dev/docs
    cargo bench -p crossdup --bench pipeline

# The scale benchmark on Debian's description translations (about 144,000 documents; built by
# benches/scale_corpus.py into `corpus` when missing, which runs apt-get and needs root).
bench-scale corpus="../scale-corpus":
    cargo build --release
    [ -d {{corpus}}/en ] || python3 benches/scale_corpus.py --out {{corpus}}
    python3 benches/harness.py {{corpus}}/en --scaling {{corpus}}/en
    python3 benches/harness.py {{corpus}} --peers "" --no-score

# crossdup align against hunalign on hunalign's hand-aligned test suite (strict/lax F1, seconds),
# then a 100,000-sentence synthetic pair (seconds, peak RSS). HUNALIGN=path picks a hunalign binary.
align-bench:
    cargo build --release
    benches/handaligns.sh {{shared}}/bench/handaligns

# The HTTP service benchmark (takes long: 20,000 posts).
bench-serve:
    cargo build --release
    python3 benches/serve_bench.py

# Check latency of two builds served side by side, each check sent to both (paired: machine
# drift hits both). Copy the reference build first, e.g. cp target/release/crossdup /tmp/crossdup-old.
bench-serve-ab old:
    cargo build --release
    python3 benches/serve_ab.py --a {{old}} --b target/release/crossdup

# A cluster run simulated on this machine: the stages of a scan as processes over 4 shards with
# Apache DataFusion as the engine, compared with one scan (docs/scaling.md; pip install datafusion).
shard-sim engine="datafusion":
    cargo build --release
    python3 benches/shard_sim.py --engine {{engine}} --shards 4 {{shared}}/seeds {{shared}}/bench/feed-dev/docs {{shared}}/bench/ddtp-dev/docs
