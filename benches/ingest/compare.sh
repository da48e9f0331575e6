#!/usr/bin/env bash
# Ingest speed, side by side with DuckDB on the same files.
#
#   benches/ingest/compare.sh [data-dir] [users] [days]
#
# Generates (once) a tenant in the real export formats — Entra Log Analytics JSON Lines
# and Okta System Log JSON pages — of about 1 GB per 330 users × 7 days, then:
#   ours:   tokenhunt ingest  (parse, normalise, deduplicate against the lake, sort,
#           write zstd Parquet with statistics and bloom filters)
#   DuckDB: read_json → COPY … (FORMAT parquet)  (parse and write, nothing more)
# both with 2 threads, under /usr/bin/time -v for wall time and peak RSS.
set -euo pipefail
data=${1:-bench-data/ingest}
users=${2:-330}
days=${3:-7}
bin=${TOKENHUNT:-target/fast/tokenhunt}
threads=${THREADS:-2}

mkdir -p "$data"
if [ ! -f "$data/tenant/labels.json" ]; then
    "$bin" gen --users "$users" --days "$days" --seed 4242 --out "$data/tenant"
fi
bytes=$(du -sb "$data/tenant" | cut -f1)
records=$(find "$data/tenant/entra-la" -name '*.jsonl' -print0 | xargs -0 cat | wc -l)
okta=$(python3 -c "
import json,glob,sys
print(sum(len(json.load(open(f))) for f in glob.glob(sys.argv[1]+'/okta/*.json')))" "$data/tenant")
records=$((records + okta))
echo "input: $((bytes / 1000000)) MB, $records records ($okta Okta)"

measure() { # label, command...
    local label=$1; shift
    if ! /usr/bin/time -v "$@" > "$data/$label.out" 2> "$data/$label.time"; then
        cat "$data/$label.time" >&2
        echo "$label failed" >&2
        exit 1
    fi
    local wall rss
    wall=$(grep "Elapsed (wall clock)" "$data/$label.time" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    rss=$(grep "Maximum resident" "$data/$label.time" | awk '{print $NF}')
    echo "$label $wall $rss"
}

rm -rf "$data/lake" "$data/duckdb" "$data/duckdb.py"
mkdir -p "$data/duckdb"
ours=$(measure tokenhunt "$bin" --threads "$threads" --lake "$data/lake" --format jsonl ingest "$data/tenant")
# Not duckdb.py: that name would shadow the duckdb module it imports.
cat > "$data/duckdb_ingest.py" <<PY
import duckdb, sys
con = duckdb.connect()
con.execute("SET threads = $threads")
con.execute("SET preserve_insertion_order = false")
# Entra Log Analytics tables: one JSON object per line.
con.execute("""COPY (SELECT * FROM read_json('$data/tenant/entra-la/*/*.jsonl', format = 'newline_delimited',
                union_by_name = true, maximum_object_size = 16777216))
               TO '$data/duckdb/entra.parquet' (FORMAT parquet, COMPRESSION zstd)""")
# Okta System Log pages: JSON arrays of LogEvents.
con.execute("""COPY (SELECT * FROM read_json('$data/tenant/okta/*.json', format = 'array',
                union_by_name = true, maximum_object_size = 16777216))
               TO '$data/duckdb/okta.parquet' (FORMAT parquet, COMPRESSION zstd)""")
PY
theirs=$(measure duckdb python3 "$data/duckdb_ingest.py")

python3 - "$records" "$bytes" "$ours" "$theirs" <<'PY'
import sys
records, size = int(sys.argv[1]), int(sys.argv[2])
rows = []
for entry in sys.argv[3:]:
    label, wall, rss = entry.split()
    wall, rss = float(wall), int(rss) * 1024
    rows.append((label, wall, rss))
    print(f"{label:<10} {wall:8.1f} s  {records / wall:12,.0f} records/s  {size / wall / 1e6:8.1f} MB/s  peak RSS {rss / 2**20:7.0f} MiB")
(_, ours, _), (_, duck, _) = rows
print(f"records/s ratio (tokenhunt / DuckDB): {duck / ours:.2f}x")
PY
