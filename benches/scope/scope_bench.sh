#!/usr/bin/env bash
# Scope at scale: generates and ingests a 90-day tenant of about 12 million events once
# (1,300 users; kept in the work folder for later runs), stores its baselines, then
# times `scope --user` for planted victims and an ordinary user, over the whole 90 days
# and over the last 30, twice each (the first run reads from disk, the second from the
# page cache). For every run it prints the wall time, peak memory and what the Parquet
# scans did (the EXPLAIN ANALYZE metrics scope collects for its lake queries): rows
# decoded against rows in the lake, bytes read, files and row groups pruned.
#
#   benches/scope/scope_bench.sh [users] [days] [seed] [workdir]
#
# Needs /usr/bin/time (Debian package `time`) and python3. Build first with
# `cargo build --profile fast` (or point TOKENHUNT at a binary).
set -euo pipefail
cd "$(dirname "$0")/../.."
users=${1:-1300}
days=${2:-90}
seed=${3:-2027}
work=${4:-${TMPDIR:-/tmp}/tokenhunt-scope-bench}
bin=${TOKENHUNT:-${CARGO_TARGET_DIR:-target}/fast/tokenhunt}
[ -x "$bin" ] || { echo "no $bin: run cargo build --profile fast (or set TOKENHUNT)"; exit 1; }

mkdir -p "$work"
if [ ! -f "$work/tenant/labels.json" ]; then
    "$bin" gen --profile small --users "$users" --days "$days" --seed "$seed" --gzip --out "$work/tenant"
fi
if [ ! -d "$work/lake/signins" ]; then
    /usr/bin/time -v "$bin" --lake "$work/lake" ingest "$work/tenant" 2> "$work/ingest.log" || { cat "$work/ingest.log"; exit 1; }
    grep -E "ingested|Maximum resident|Elapsed" "$work/ingest.log"
fi
if [ ! -f "$work/lake/_tokenhunt/baseline/baseline.json" ]; then
    /usr/bin/time -v "$bin" --lake "$work/lake" baseline 2> "$work/baseline.log" || { cat "$work/baseline.log"; exit 1; }
    grep -E "baseline stored|Maximum resident|Elapsed" "$work/baseline.log"
fi

lake_rows=$("$bin" --lake "$work/lake" --format csv sql -c "SELECT count(*) AS n FROM signins" | tail -1)
files=$(find "$work/lake/signins" -name '*.parquet' | wc -l)
start=$(python3 -c "import json;print(json.load(open('$work/tenant/labels.json'))['tenant']['start'])")
end=$(python3 -c "import datetime as d;print(d.date.fromisoformat('$start')+d.timedelta(days=$days))")
last30=$(python3 -c "import datetime as d;print(d.date.fromisoformat('$end')-d.timedelta(days=30))")
echo "lake: $lake_rows sign-in rows in $files Parquet files, $start to $end"

# Two planted victims and the first user of the tenant who is not one.
mapfile -t targets < <(python3 - "$work/tenant/labels.json" "$bin" "$work/lake" <<'PY'
import json, subprocess, sys
labels = json.load(open(sys.argv[1]))
victims = [i["user"] for i in labels["incidents"] if i["source"] == "entra"]
print(victims[0]); print(victims[len(victims) // 2])
out = subprocess.run([sys.argv[2], "--lake", sys.argv[3], "--format", "csv", "sql", "-c",
    "SELECT \"user\" FROM signins WHERE source = 'entra' AND log_type = 'interactive' AND date = (SELECT min(date) FROM signins) GROUP BY 1 ORDER BY 1 LIMIT 50"],
    capture_output=True, text=True, check=True).stdout.split()[1:]
print(next(u for u in out if u not in set(v.lower() for v in victims)))
PY
)

printf '\n%-34s %-6s %-3s %8s %9s %13s %9s %9s %s\n' user window run wall_s peak_MB rows_decoded "of lake" MB_read "files opened; row groups read (pruned: bloom, statistics); queries"
for user in "${targets[@]}"; do
    for window in "$start $end 90d" "$last30 $end 30d"; do
        set -- $window
        for run in 1 2; do
            /usr/bin/time -f "%e %M" -o "$work/time.txt" "$bin" --lake "$work/lake" -q --format json \
                --since "$1" --until "$2" scope --user "$user" > "$work/scope.json"
            python3 - "$work/scope.json" "$work/time.txt" "$user" "$3" "$run" "$lake_rows" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
wall, rss = open(sys.argv[2]).read().split()
stats = report["stats"]
p = stats["pruning"]
get = lambda name: p.get(name, {"pruned": 0, "matched": 0})
files = get("files_ranges_pruned_statistics")
groups = get("row_groups_pruned_statistics")
bloom = get("row_groups_pruned_bloom_filter")
lake = int(sys.argv[6])
print(f'{sys.argv[3]:<34} {sys.argv[4]:<6} {sys.argv[5]:<3} {float(wall):8.2f} {int(rss) / 1024:9.0f} '
      f'{stats["rows_decoded"]:13,} {stats["rows_decoded"] / lake:9.2%} {stats["bytes_scanned"] / 1e6:9.1f} '
      f'{files["matched"]}; {groups["matched"] - bloom["pruned"]} ({bloom["pruned"]}, {groups["pruned"]}); {stats["queries"]} '
      f'[{report["summary"]["sessions"]} sessions, {report["summary"]["attacker_ips"]} attacker addresses, '
      f'{report["summary"]["pivot_users"]} pivot users]')
PY
        done
    done
done
