#!/usr/bin/env bash
# What a daily run costs (issue 13, item 4), on a 90-day lake: a baseline stored up to
# the last day, brought up to date with `baseline --incremental` (and, to compare, a
# full rebuild), then how many of the lake's bytes `hunt --since 1d` reads, per hunt
# and for --all. The figures are `-v`'s last line: bytes fetched from the tables'
# Parquet files (data pages and footers, counted at the lake's object store) against
# the bytes of the files readers see.
#
#   benches/hunts/since_1d.sh [users] [days] [seed] [workdir]
#
# Build first with `cargo build --profile demo` (or point TOKENHUNT at a binary).
set -euo pipefail
cd "$(dirname "$0")/../.."
users=${1:-300}
days=${2:-90}
seed=${3:-2032}
work=${4:-${TMPDIR:-/tmp}/tokenhunt-since-1d}
bin=${TOKENHUNT:-${CARGO_TARGET_DIR:-target}/demo/tokenhunt}
[ -x "$bin" ] || { echo "no $bin: run cargo build --profile demo (or set TOKENHUNT)"; exit 1; }

mkdir -p "$work"
if [ ! -f "$work/tenant/labels.json" ]; then
    "$bin" gen --profile small --users "$users" --days "$days" --seed "$seed" --gzip --out "$work/tenant" 2>/dev/null
fi
if [ ! -d "$work/lake/signins" ]; then
    "$bin" --lake "$work/lake" ingest "$work/tenant"
fi
# The day after the tenant's last: --since 1d then covers its last day.
start=$(python3 -c "import json;print(json.load(open('$work/tenant/labels.json'))['tenant']['start'])")
until=$(python3 -c "import datetime as d;print(d.date.fromisoformat('$start')+d.timedelta(days=$days))")
since=$(python3 -c "import datetime as d;print(d.date.fromisoformat('$until')-d.timedelta(days=1))")
read_line() { grep -E '^read |built in full|updated|^wall' | tr '\n' ' '; echo; }
echo "baseline up to $since (full):  $("$bin" --lake "$work/lake" -v --until "${since}T00:00:00Z" baseline 2>&1 | read_line)"
echo "baseline --incremental:        $( { /usr/bin/time -f 'wall %e s' "$bin" --lake "$work/lake" -v --until "${until}T00:00:00Z" baseline --incremental; } 2>&1 | read_line)"
echo "full rebuild, for comparison:  $( { /usr/bin/time -f 'wall %e s' "$bin" --lake "$work/lake" -v --until "${until}T00:00:00Z" baseline; } 2>&1 | read_line)"
echo "lake: $(find "$work/lake/signins" "$work/lake/audit" -name '*.parquet' | wc -l) files; window $since to $until"
ids=$("$bin" --format json hunts | python3 -c "import json,sys;print(' '.join(h['id'] for h in json.load(sys.stdin)))")
for hunt in $ids --all; do
    line=$("$bin" --lake "$work/lake" -v --since "${since}T00:00:00Z" --until "${until}T00:00:00Z" \
        hunt "$hunt" --min-score 0 2>&1 >/dev/null | grep '^read ')
    printf '%-40s %s\n' "$hunt" "$line"
done
