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
# Process wall seconds of a command, or "failed" (its error in $work/wall.err).
wall() {
    local t0=$(date +%s.%N)
    if "$@" > /dev/null 2> "$work/wall.err"; then
        local t1=$(date +%s.%N); python3 -c "print(f'{$t1 - $t0:.2f}')"
    else
        echo failed
    fi
}
for hunt in $("$bin" --format json hunts | python3 -c "import json,sys;print(' '.join(h['id'] for h in json.load(sys.stdin)))"); do
    printf '.show %s\n' "$hunt" | "$bin" --lake "$lake" 2>/dev/null | grep -v '^--' > "$work/bound.sql"
    { echo "EXPLAIN"; cat "$work/bound.sql"; } > "$work/explain.sql"
    "$bin" --lake "$lake" --memory-limit "$limit" --format csv sql -f "$work/explain.sql" > "$work/explain.txt" 2>&1
    for table in signins audit; do
        "$bin" --lake "$lake" --format csv sql -c "DESCRIBE $table" 2>/dev/null | tail -n +2 | cut -d, -f1 > "$work/columns-$table.txt"
    done
    floor_sql=$(python3 - "$work" <<'PY'
import re, sys
work = sys.argv[1]
text = open(f"{work}/explain.txt").read()
known = {t: set(open(f"{work}/columns-{t}.txt").read().split()) for t in ("signins", "audit")}
columns = {"signins": set(), "audit": set()}

def projection(line):
    # projection=[...] with brackets inside expressions: cut at the matching bracket.
    at = line.find("projection=[")
    if at < 0:
        return None
    depth, start = 0, at + len("projection=")
    for i in range(start, len(line)):
        depth += {"[": 1, "]": -1}.get(line[i], 0)
        if depth == 0:
            return line[start + 1:i]
    return line[start + 1:]

for line in text.splitlines():
    if "DataSourceExec" not in line:
        continue
    table = "signins" if "/signins/" in line else "audit" if "/audit/" in line else None
    body = projection(line)
    if table is None or body is None:
        continue
    # Plain columns, and the columns expressions pushed into the scan read (`name@3`).
    names = set(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)@\d+", body))
    names |= {part.strip() for part in body.split(",")}
    columns[table] |= names & known[table]
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
    ratio=-
    [ "$floor" != failed ] && [ "$hunt_s" != failed ] && ratio=$(python3 -c "print(f'{$hunt_s / max($floor, 0.01):.1f}')")
    printf '%s\t%s\t%s\t%s\t%s\n' "$hunt" "$ncols" "$floor" "$hunt_s" "$ratio" >> "$out"
    tail -1 "$out"
done
