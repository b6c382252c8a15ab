#!/usr/bin/env bash
# Builds the libFuzzer harnesses and runs each for SECONDS (default 60), one after another,
# printing libFuzzer's final stats line per harness. Exits non-zero if any harness failed.
#   tools/fuzz/run.sh [SECONDS]
# SANITIZERS (default fuzzer,address) picks the -sanitize= set; FUZZ_JOBS_ONLY="PNG NPY" limits
# the harnesses. FUZZ_CLOCK=cpu counts SECONDS as the harness's own CPU time instead of wall
# time, so a long run on a busy (shared) machine still gets its full budget (and allows an input
# 120 s of wall time instead of 10 before calling it a hang).
# Corpora live in tools/fuzz/corpus/HARNESS/ (committed, so each run starts where the last one
# stopped; minimised with -merge=1 after each run). Builds, crash artifacts and logs live in
# tools/fuzz/.build-SANITIZERS/ (ignored by git).
set -euo pipefail
seconds="${1:-60}"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
fixtures="$repo/Tests/Fixtures"
sanitizers="${SANITIZERS:-fuzzer,address}"
harnesses="${FUZZ_JOBS_ONLY:-PNG NPY PTH Job Config}"
scratch="$here/.build-${sanitizers//,/-}"
work="$scratch/runs"
clock="${FUZZ_CLOCK:-wall}"
case "$clock" in wall|cpu) ;; *) echo "FUZZ_CLOCK must be wall or cpu, not '$clock'" >&2; exit 2;; esac

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

# Sends SIGINT (libFuzzer prints its final stats and exits 0) once PID has used SECONDS of CPU.
interrupt_after_cpu() {
    local pid="$1" limit="$2" ticks used
    ticks="$(getconf CLK_TCK)"
    while kill -0 "$pid" 2>/dev/null; do
        # Fields 14 and 15 of /proc/PID/stat: user and system time in clock ticks. The command
        # name (field 2) has no spaces here, so plain field splitting is safe.
        used="$(awk -v t="$ticks" '{ print int(($14 + $15) / t) }' "/proc/$pid/stat" 2>/dev/null)" || break
        if [ "${used:-0}" -ge "$limit" ]; then kill -INT "$pid" 2>/dev/null; break; fi
        sleep 5
    done
}

# libFuzzer reports crashes itself; Swift's own backtracer would take longer than -timeout.
export SWIFT_BACKTRACE=enable=no
# Known leaks in dependencies, not in the parsers (see the file).
export LSAN_OPTIONS="suppressions=$here/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
# FuzzPTH writes each input to a file here; FUZZ_TMPDIR=/dev/shm/... keeps that off the disk.
export TMPDIR="${FUZZ_TMPDIR:-$work/tmp}"
mkdir -p "$TMPDIR"
failed=()
for harness in $harnesses; do
    corpus="$here/corpus/$harness"
    artifacts="$work/artifacts/$harness"
    log="$work/$harness.log"
    mkdir -p "$corpus" "$artifacts"
    [ -n "$(ls -A "$corpus")" ] || "seed_$(echo "$harness" | tr '[:upper:]' '[:lower:]')" "$corpus"
    echo "== Fuzz$harness: ${seconds}s ($clock clock), corpus $corpus" >&2
    leaks=()
    # ZIPFoundation leaks a little on every archive it opens (lsan.supp), so libFuzzer's
    # per-input leak check would run LeakSanitizer after every input (~30 runs/s instead of ~400).
    [ "$harness" != PTH ] || leaks+=(-detect_leaks=0)
    extra=("${leaks[@]}")
    [ "$clock" = cpu ] || extra+=(-max_total_time="$seconds")
    # libFuzzer's -timeout is wall time: on a busy machine a harness budgeted in CPU time can
    # wait for a core longer than 10 s and would report its own waiting as a hang.
    timeout=10
    [ "$clock" = wall ] || timeout=120
    status=0
    started="$(date +%s)"
    nice -n 10 "$bin/Fuzz$harness" "$corpus" -timeout="$timeout" -rss_limit_mb=2048 \
        -artifact_prefix="$artifacts/" -print_final_stats=1 "${extra[@]}" > "$log" 2>&1 &
    pid=$!
    [ "$clock" = wall ] || interrupt_after_cpu "$pid" "$seconds" &
    wait "$pid" || status=$?
    # In CPU-clock mode the harness ends by interrupt_after_cpu's SIGINT, a normal end that this
    # libFuzzer reports with exit code 72 (it has no -interrupt_exitcode flag).
    if [ "$clock" = cpu ] && [ "$status" -eq 72 ] && grep -q 'libFuzzer: run interrupted' "$log"; then status=0; fi
    echo "wall time $(( $(date +%s) - started ))s" >> "$log"
    # libFuzzer's last progress line (#N DONE / the crash line) and its run count.
    grep -E '^#[0-9]+[[:space:]]+(DONE|INITED)|^Done [0-9]+ runs|^stat::(number_of_executed_units|peak_rss_mb)' "$log" | tail -4
    grep -E '^wall time' "$log"
    if [ "$status" -ne 0 ]; then
        failed+=("Fuzz$harness")
        grep -E 'ERROR|Fatal error|Test unit written' "$log" | head -5 || true
    else
        # Keep only the inputs that add coverage, so the committed corpus stays small.
        minimised="$work/minimised/$harness"
        rm -rf "$minimised" && mkdir -p "$minimised"
        nice -n 10 "$bin/Fuzz$harness" -merge=1 "$minimised" "$corpus" -timeout=10 "${leaks[@]}" \
            > "$work/$harness.merge.log" 2>&1
        rm -rf "$corpus" && mv "$minimised" "$corpus"
        echo "corpus: $(ls "$corpus" | wc -l) inputs, $(du -sh "$corpus" | cut -f1)" >&2
    fi
done
if [ "${#failed[@]}" -gt 0 ]; then
    echo "FAILED: ${failed[*]} (logs and inputs in $work)" >&2
    exit 1
fi
echo "all harnesses ran clean for ${seconds}s each" >&2
