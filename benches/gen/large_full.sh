#!/usr/bin/env bash
# The whole large profile (45,000 users x 30 days, over 100 million events) through the
# real `tokenhunt gen`, on a machine without the ~70 GB its gzip output takes: a watcher
# deletes each day's files once the generator has moved two days past it (it writes hour
# by hour; an Okta page named for one day can still be open when the next day starts),
# so the disk holds about two days at a time. Every file is still written and
# compressed in full. Reports the generator's summary, wall time, events/s, peak RSS and
# RSS sampled every 30 s (flat = streaming with constant memory).
#
#   benches/gen/large_full.sh [seed] [workdir]
#
# Needs /usr/bin/time (Debian package `time`) and python3. Build first with
# `cargo build --profile fast` (or point TOKENHUNT at a binary).
set -euo pipefail
cd "$(dirname "$0")/../.."
seed=${1:-2029}
work=${2:-${TMPDIR:-/tmp}/tokenhunt-gen-large}
bin=${TOKENHUNT:-${CARGO_TARGET_DIR:-target}/fast/tokenhunt}
[ -x "$bin" ] || { echo "no $bin: run cargo build --profile fast (or set TOKENHUNT)"; exit 1; }

rm -rf "$work"
mkdir -p "$work"
# A copy under its own name, so the RSS sampler finds exactly this process.
cp "$bin" "$work/tokenhunt-gen"
out="$work/tenant"

python3 - "$out" "$work/done" <<'PY' &
import os, re, sys, time
root, done = sys.argv[1], sys.argv[2]
day = re.compile(r"(\d{4}-\d{2}-\d{2})")
while not os.path.exists(done):
    files = [(m.group(1), os.path.join(d, n))
             for d, _, names in os.walk(root) for n in names if (m := day.search(n))]
    if files:
        dates = sorted({f[0] for f in files})
        for date, path in files:
            if len(dates) > 2 and date < dates[-2]:
                try:
                    os.remove(path)
                except FileNotFoundError:
                    pass
    time.sleep(5)
PY
(while [ ! -f "$work/done" ]; do
    echo "$(date +%T) rss_kb=$(ps -o rss= -C tokenhunt-gen | head -1) disk_kb=$(du -s "$out" 2>/dev/null | cut -f1)"
    sleep 30
done) > "$work/rss.log" &

status=0
/usr/bin/time -v "$work/tokenhunt-gen" gen --profile large --seed "$seed" --gzip --out "$out" \
    > /dev/null 2> "$work/gen.log" || status=$?
touch "$work/done"
wait
[ "$status" = 0 ] || { tail -20 "$work/gen.log"; exit "$status"; }

tr "\r" "\n" < "$work/gen.log" | grep -E "^wrote|Maximum resident set size|Elapsed \(wall clock\)"
echo "RSS samples (every 30 s):"
awk '{print "  " $0}' "$work/rss.log"
rm -rf "$out"
