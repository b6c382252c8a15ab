#!/usr/bin/env bash
# Builds the libFuzzer harnesses and runs each for SECONDS (default 60), one after another,
# printing libFuzzer's final stats line per harness. Exits non-zero if any harness failed.
#   tools/fuzz/run.sh [SECONDS]
# SANITIZERS (default fuzzer,address) picks the -sanitize= set; FUZZ_JOBS_ONLY="PNG NPY" limits
# the harnesses. Builds, corpora, crash artifacts and logs live in tools/fuzz/.build-SANITIZERS/
# (ignored by git), so a plain -sanitize=fuzzer build does not overwrite the ASan one.
set -euo pipefail
seconds="${1:-60}"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
fixtures="$repo/Tests/Fixtures"
sanitizers="${SANITIZERS:-fuzzer,address}"
harnesses="${FUZZ_JOBS_ONLY:-PNG NPY PTH Job Config}"
scratch="$here/.build-${sanitizers//,/-}"
work="$scratch/runs"

nice -n 10 swift build --package-path "$here" --scratch-path "$scratch" -c release \
    -Xswiftc "-sanitize=$sanitizers" -Xswiftc -parse-as-library >&2
bin="$(swift build --package-path "$here" --scratch-path "$scratch" -c release --show-bin-path)"

# Seeds: small valid files from the test fixtures, or written here; the corpus grows from them.
seed_png() { cp "$fixtures"/formats/*.png "$1"/; }
seed_npy() { cp "$fixtures"/formats/*.npy "$1"/; }
seed_pth() {
    # Selector byte 0: the whole checkpoint; selector byte 1: its pickle alone (see FuzzPTH).
    for file in "$fixtures"/checkpoints/*.pth; do
        name="$(basename "$file" .pth)"
        { printf '\x00'; cat "$file"; } > "$1/$name.archive"
        if unzip -Z1 "$file" 2>/dev/null | grep -q '/data\.pkl$'; then
            { printf '\x01'; unzip -p "$file" '*/data.pkl'; } > "$1/$name.pickle"
        fi
    done
}
seed_job() {
    # Selector byte 0: TOML, 1: JSON (see FuzzJob).
    printf '\x00stage = "train-transunet"\ndataset = "BUSI"\nfolds = [0, 1, 2]\nepochs = 3\npromote = true # go\nlearning_rate = 1e-3\n' > "$1/train.toml"
    printf '\x00stage = "prepare"\nraw = "/data/busi"\nname = "BUSI"\nseed = 7\n' > "$1/prepare.toml"
    printf '\x01{"stage": "pipeline", "dataset": "BUSI", "folds": [1, 3], "epochs": 2, "learning_rate": 0.001}' > "$1/pipeline.json"
}
seed_config() { cp "$repo/systemd/ultrarefinerd.toml" "$1/daemon-config.toml"; }

# libFuzzer reports crashes itself; Swift's own backtracer would take longer than -timeout.
export SWIFT_BACKTRACE=enable=no
# Known leaks in dependencies, not in the parsers (see the file).
export LSAN_OPTIONS="suppressions=$here/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export TMPDIR="$work/tmp"  # FuzzPTH writes each input to a file here
mkdir -p "$TMPDIR"
failed=()
for harness in $harnesses; do
    corpus="$work/corpus/$harness"
    artifacts="$work/artifacts/$harness"
    log="$work/$harness.log"
    mkdir -p "$corpus" "$artifacts"
    [ -n "$(ls -A "$corpus")" ] || "seed_$(echo "$harness" | tr '[:upper:]' '[:lower:]')" "$corpus"
    echo "== Fuzz$harness: ${seconds}s, corpus $corpus" >&2
    extra=()
    # ZIPFoundation leaks a little on every archive it opens (lsan.supp), so libFuzzer's
    # per-input leak check would run LeakSanitizer after every input (~30 runs/s instead of ~400).
    [ "$harness" != PTH ] || extra+=(-detect_leaks=0)
    status=0
    nice -n 10 "$bin/Fuzz$harness" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$artifacts/" -print_final_stats=1 "${extra[@]}" > "$log" 2>&1 || status=$?
    # libFuzzer's last progress line (#N DONE / the crash line) and its run count.
    grep -E '^#[0-9]+[[:space:]]+(DONE|INITED)|^Done [0-9]+ runs|^stat::(number_of_executed_units|peak_rss_mb)' "$log" | tail -4
    if [ "$status" -ne 0 ]; then
        failed+=("Fuzz$harness")
        grep -E 'ERROR|Fatal error|Test unit written' "$log" | head -5
    fi
done
if [ "${#failed[@]}" -gt 0 ]; then
    echo "FAILED: ${failed[*]} (logs and inputs in $work)" >&2
    exit 1
fi
echo "all harnesses ran clean for ${seconds}s each" >&2
