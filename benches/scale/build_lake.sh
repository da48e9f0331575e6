#!/usr/bin/env bash
# Issue 13 item 1: a lake of months and 100 M+ events, built through the real path
# (`tokenhunt gen` writes the sources' gzip JSON, `tokenhunt ingest` reads it) on a
# machine whose disk cannot hold the JSON of the whole tenant: a watcher ingests each
# day's files once the generator is two days past them (it writes hour by hour, and an
# Okta page named for one day can still be open when the next starts), then deletes
# them, so the generator and ingest run side by side and the disk holds about two days
# of JSON besides the lake. Reports, per day ingested, records, seconds and records/s
# (ingest.tsv), and at the end the lake's rows, files and bytes.
#
#   benches/scale/build_lake.sh [users] [days] [seed] [workdir]
#
# Defaults: 10,300 users x 90 days (about 103 M events: about 111 per user and day). Build first with
# `cargo build --profile demo` (or point TOKENHUNT at a binary).
set -euo pipefail
cd "$(dirname "$0")/../.."
users=${1:-10300}
days=${2:-90}
seed=${3:-2033}
work=${4:-${TMPDIR:-/tmp}/tokenhunt-scale}
bin=${TOKENHUNT:-${CARGO_TARGET_DIR:-target}/demo/tokenhunt}
[ -x "$bin" ] || { echo "no $bin: run cargo build --profile demo (or set TOKENHUNT)"; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (Debian package time)"; exit 1; }

rm -rf "$work/tenant" "$work/done"
mkdir -p "$work"
cp "$bin" "$work/tokenhunt"
bin="$work/tokenhunt"
start=$(date +%s)

python3 - "$work" "$bin" <<'PY' &
import os, re, subprocess, sys, time
work, binary = sys.argv[1], sys.argv[2]
root, lake, done = f"{work}/tenant", f"{work}/lake", f"{work}/done"
day = re.compile(r"(\d{4}-\d{2}-\d{2})")
log = open(f"{work}/ingest.tsv", "w")
log.write("date\tfiles\trecords\tseconds\trecords_per_s\tpeak_rss_mib\n")

def files_by_day():
    out = {}
    for d, _, names in os.walk(root):
        for n in names:
            m = day.search(n)
            if m and n.endswith(".gz"):
                out.setdefault(m.group(1), []).append(os.path.join(d, n))
    return out

def ingest(date, files):
    t0 = time.time()
    p = subprocess.run(["/usr/bin/time", "-f", "rss_kb=%M", binary, "--lake", lake,
                        "--format", "json", "ingest", "-q", *sorted(files)],
                       capture_output=True, text=True)
    dt = time.time() - t0
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        raise SystemExit(f"ingest of {date} failed")
    rss = int(re.search(r"rss_kb=(\d+)", p.stderr).group(1)) // 1024
    records = sum(int(n) for n in re.findall(r'"read":\s*(\d+)', p.stdout))
    log.write(f"{date}\t{len(files)}\t{records}\t{dt:.1f}\t{records / dt:.0f}\t{rss}\n")
    log.flush()
    for f in files:
        os.remove(f)

while True:
    finished = os.path.exists(done)
    by_day = files_by_day()
    dates = sorted(by_day)
    ready = dates if finished else dates[:-2]
    for date in ready:
        ingest(date, by_day[date])
    if finished:
        break
    time.sleep(10)
PY
watcher=$!

/usr/bin/time -f 'gen wall %e s, peak rss %M kB' "$bin" gen --profile large --users "$users" --days "$days" \
    --seed "$seed" --gzip --out "$work/tenant" 2> "$work/gen.log" >/dev/null || { tail "$work/gen.log"; touch "$work/done"; exit 1; }
touch "$work/done"
wait "$watcher"
end=$(date +%s)
tail -1 "$work/gen.log"
echo "lake built in $((end - start)) s (generator and ingest side by side)"
awk -F'\t' 'NR>1 {r+=$3; s+=$4; if ($6>m) m=$6} END {printf "ingest: %d records in %.0f s of ingest, %.0f records/s, peak %d MiB\n", r, s, r/s, m}' "$work/ingest.tsv"
echo "lake: $(find "$work/lake" -name '*.parquet' | wc -l) files, $(du -sb "$work/lake" | cut -f1) bytes"
