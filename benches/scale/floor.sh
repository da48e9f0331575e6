#!/usr/bin/env bash
# Issue 13 item 3: each hunt against its scan-only floor on the same lake. The floor
# decodes exactly the lake columns the hunt's plan reads (the union of the projections
# of its scans of `signins` and `audit`, taken from EXPLAIN of the hunt's bound SQL,
# as `.show` prints it) once, over the whole lake, in a query no statistics can answer
# (`sum(CASE WHEN c IS NULL THEN 0 ELSE 1 END)` per column). Both are process wall
# times of the same binary with the same memory limit; the hunt's come from run.sh's
# results.tsv when present, else it is run here.
#
#   benches/scale/floor.sh [workdir] [memory-limit]
set -uo pipefail
cd "$(dirname "$0")/../.."
work=${1:-${TMPDIR:-/tmp}/tokenhunt-scale}
limit=${2:-2GiB}
bin=${TOKENHUNT:-$work/tokenhunt}
lake="$work/lake"
out="$work/floor.tsv"
printf 'hunt\tlake_columns\tfloor_seconds\thunt_seconds\thunt_over_floor\n' > "$out"
wall() { local t0=$(date +%s.%N); "$@" > /dev/null 2>&1; local t1=$(date +%s.%N); python3 -c "print(f'{$t1 - $t0:.1f}')"; }
for hunt in $("$bin" --format json hunts | python3 -c "import json,sys;print(' '.join(h['id'] for h in json.load(sys.stdin)))"); do
    printf '.show %s\n' "$hunt" | "$bin" --lake "$lake" 2>/dev/null | grep -v '^--' > "$work/bound.sql"
    { echo "EXPLAIN"; cat "$work/bound.sql"; } > "$work/explain.sql"
    "$bin" --lake "$lake" --memory-limit "$limit" --format csv sql -f "$work/explain.sql" > "$work/explain.txt" 2>&1
    floor_sql=$(python3 - "$work/explain.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
columns = {"signins": set(), "audit": set()}
for line in text.splitlines():
    if "DataSourceExec" not in line:
        continue
    table = "signins" if "/signins/" in line else "audit" if "/audit/" in line else None
    m = re.search(r"projection=\[([^\]]*)\]", line)
    if table and m:
        columns[table].update(c.strip() for c in m.group(1).split(",") if c.strip())
parts = []
for table, cols in columns.items():
    if cols:
        terms = " + ".join(f'sum(CASE WHEN "{c}" IS NULL THEN 0 ELSE 1 END)' for c in sorted(cols))
        parts.append(f"(SELECT {terms} FROM {table})")
print("SELECT " + " + ".join(parts) if parts else "")
PY
)
    ncols=$(grep -o 'sum(' <<<"$floor_sql" | wc -l)
    [ -n "$floor_sql" ] || { printf '%s\t0\t-\t-\t-\n' "$hunt" >> "$out"; continue; }
    floor=$(wall "$bin" --lake "$lake" --memory-limit "$limit" sql -c "$floor_sql")
    hunt_s=$(awk -F'\t' -v h="$hunt" '$1 == h && $2 == "ok" {print $3}' "$work/results.tsv" 2>/dev/null)
    [ -n "$hunt_s" ] || hunt_s=$(wall "$bin" --lake "$lake" --memory-limit "$limit" hunt "$hunt" --min-score 0)
    printf '%s\t%s\t%s\t%s\t%s\n' "$hunt" "$ncols" "$floor" "$hunt_s" "$(python3 -c "print(f'{$hunt_s / max($floor, 0.1):.1f}')")" >> "$out"
    tail -1 "$out"
done
