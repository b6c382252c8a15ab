#!/usr/bin/env bash
# A soak of the real daemon, outside `make test`: KILLS SIGKILLs at random moments while good
# and hostile files keep arriving (renamed in, written slowly in place, re-dropped under a name
# already used), then a clean run, then an audit of every input (check.py).
#   tools/chaos/run.sh KILLS [SEED]
# Weights: TRANSUNET=… SAM=… (default: the reference-fixture weights in ../shared/fixtures).
# CHAOS_BIN=DIR runs the binaries in DIR as they are (no build); otherwise the release build is
# brought up to date first. Exits non-zero when the audit fails.
set -euo pipefail
kills="${1:?usage: tools/chaos/run.sh KILLS [SEED]}"
seed="${2:-1}"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
transunet="${TRANSUNET:-$repo/../shared/fixtures/transunet_mini/transunet.pth}"
sam="${SAM:-$repo/../shared/fixtures/sam_tiny/sam.pth}"
[ -f "$transunet" ] && [ -f "$sam" ] || { echo "chaos: weights not found; set TRANSUNET=… SAM=…" >&2; exit 2; }

if [ -n "${CHAOS_BIN:-}" ]; then
    bin="$CHAOS_BIN"
else
    swift build --package-path "$repo" -c release >&2
    bin="$(swift build --package-path "$repo" -c release --show-bin-path)"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/ultrarefiner-chaos.XXXXXX")"
spool="$work/spool"
mkdir -p "$spool/inbox" "$work/hostile"
echo "chaos: $kills kills, seed $seed, in $work" >&2

# Inputs: phantom images of a few sizes, and files that must be refused.
"$bin/ultrarefiner" phantom --count 8 --seed "$seed" --out "$work/pool-a" --width 160 --height 120 >/dev/null
"$bin/ultrarefiner" phantom --count 8 --seed "$((seed + 1))" --out "$work/pool-b" --width 96 --height 144 >/dev/null
mkdir -p "$work/pool"
cp "$work"/pool-a/images/*.png "$work/pool/"
for f in "$work"/pool-b/images/*.png; do cp "$f" "$work/pool/b-$(basename "$f")"; done
first="$(ls "$work"/pool/*.png | head -1)"
head -c 300 "$first" > "$work/hostile/truncated.png"
printf 'not a png at all\n' > "$work/hostile/text.png"
: > "$work/hostile/empty.png"
cp "$repo/Tests/Fixtures/formats/bomb_20000x20000.png" "$work/hostile/bomb.png"
head -c 2000 /dev/urandom > "$work/hostile/noise.png"

manifest="$work/manifest.jsonl"
stop="$work/stop-feeding"
python3 "$here/feed.py" "$spool" "$work/pool" "$work/hostile" "$manifest" "$stop" 1000000 "$seed" &
feeder=$!
trap 'touch "$stop"; kill "$feeder" 2>/dev/null || true' EXIT

start_daemon() {
    "$bin/ultrarefinerd" --foreground --spool "$spool" --transunet "$transunet" --sam "$sam" \
        --retry-delay 1 2>>"$work/daemon.log" &
    daemon=$!
}

# Waits (at most ~3 s) for the daemon to be writing an output or moving an input into done/,
# so those moments are hit far more often than chance would.
wait_for_a_write() {
    local before after
    before="$(ls "$spool/done" 2>/dev/null | wc -l)"
    for _ in $(seq 600); do
        if [ -n "$(find "$spool/out" "$spool/done" "$spool/failed" -name '.*' -print -quit 2>/dev/null)" ]; then return 0; fi
        after="$(ls "$spool/done" 2>/dev/null | wc -l)"
        if [ "$after" != "$before" ]; then return 0; fi
        sleep 0.005
    done
    return 0
}

RANDOM="$seed"
for i in $(seq "$kills"); do
    start_daemon
    if [ $((RANDOM % 100)) -lt 40 ]; then
        sleep "0.$((RANDOM % 10))"
        wait_for_a_write
    else
        sleep "$((RANDOM % 2)).$(printf '%03d' $((RANDOM % 1000)))"
    fi
    kill -KILL "$daemon" 2>/dev/null || true
    wait "$daemon" 2>/dev/null || true
    if [ $((i % 50)) -eq 0 ]; then
        echo "chaos: $i kills, $(wc -l < "$manifest") inputs dropped, $(ls "$spool/done" | wc -l) done" >&2
    fi
done

touch "$stop"
wait "$feeder" || true
trap - EXIT

# A clean run finishes whatever is left; SIGTERM then stops it.
start_daemon
for _ in $(seq 1200); do
    # Claimed items live in work/INSTANCE/ beside the instance's lease.
    if [ -z "$(ls -A "$spool/inbox")" ] && [ -z "$(find "$spool/work" -mindepth 2 -type f ! -name lease.json -print -quit 2>/dev/null)" ]; then break; fi
    sleep 0.5
done
kill -TERM "$daemon"
wait "$daemon" || true

echo "chaos: $kills SIGKILLs" 
python3 "$here/check.py" "$spool" "$manifest"
