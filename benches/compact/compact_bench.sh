#!/usr/bin/env bash
# Compaction: what many small ingests cost queries, and what `compact` gives back.
#
# Generates a tenant once (kept in the work folder), cuts each day's exports into
# SLICES consecutive pieces and ingests them one piece of one day at a time, as a
# scheduled pull every few hours would: each partition ends with about SLICES files.
# Stores the baselines, then times `scope --user` (two planted victims and an ordinary
# user, whole window) and three hunts, compacts, and times them again. For scope it
# also prints what the Parquet scans did (rows decoded, bytes read). Every command
# runs twice (the second from the page cache); wall time and peak memory by
# /usr/bin/time.
#
#   benches/compact/compact_bench.sh [users] [days] [slices] [seed] [workdir]
#
# Needs /usr/bin/time (Debian package `time`) and python3. Build first with
# `cargo build --profile demo` (or `fast`, or point TOKENHUNT at a binary).
set -euo pipefail
cd "$(dirname "$0")/../.."
users=${1:-400}
days=${2:-30}
slices=${3:-8}
seed=${4:-2031}
work=${5:-${TMPDIR:-/tmp}/tokenhunt-compact-bench}
bin=${TOKENHUNT:-${CARGO_TARGET_DIR:-target}/demo/tokenhunt}
[ -x "$bin" ] || { echo "no $bin: run cargo build --profile demo (or set TOKENHUNT)"; exit 1; }
hunts=(entra_session_new_network okta_session_hijack new_asn_for_user)

mkdir -p "$work"
if [ ! -f "$work/tenant/labels.json" ]; then
    "$bin" gen --profile small --users "$users" --days "$days" --seed "$seed" --gzip --out "$work/tenant"
fi
if [ ! -f "$work/slices/done" ]; then
    rm -rf "$work/slices"
    python3 - "$work/tenant" "$work/slices" "$slices" <<'PY'
# Each export file, cut into `slices` consecutive pieces written as JSON Lines under
# slices/<date>-<piece>/ (Okta pages are JSON arrays: their records become lines).
import gzip, json, os, re, sys
tenant, out, slices = sys.argv[1], sys.argv[2], int(sys.argv[3])
for folder, _, names in os.walk(tenant):
    for name in names:
        date = re.search(r"\d{4}-\d{2}-\d{2}", name)
        if not date or not name.endswith(".gz"):
            continue
        path = os.path.join(folder, name)
        with gzip.open(path, "rt") as f:
            text = f.read()
        if text.lstrip().startswith("["):
            lines = [json.dumps(r) for r in json.loads(text)]
        else:
            lines = [l for l in text.split("\n") if l.strip()]
        step = -(-len(lines) // slices)
        label = os.path.relpath(path, tenant).replace("/", "_").removesuffix(".gz")
        for piece in range(slices):
            chunk = lines[piece * step:(piece + 1) * step]
            if not chunk:
                continue
            target = os.path.join(out, f"{date.group(0)}-{piece:02d}")
            os.makedirs(target, exist_ok=True)
            with open(os.path.join(target, label + ".jsonl"), "w") as f:
                f.write("\n".join(chunk) + "\n")
open(os.path.join(out, "done"), "w").close()
PY
fi
if [ ! -d "$work/lake/signins" ]; then
    started=$(date +%s)
    for piece in "$work"/slices/*/; do
        "$bin" --lake "$work/lake" -q ingest "$piece"
    done
    echo "ingested $(ls -d "$work"/slices/*/ | wc -l) pieces in $(( $(date +%s) - started )) s"
fi
if [ ! -f "$work/lake/_tokenhunt/baseline/baseline.json" ]; then
    "$bin" --lake "$work/lake" -q baseline
fi
[ -d "$work/pristine" ] || cp -a "$work/lake" "$work/pristine"

lake_rows=$("$bin" --lake "$work/lake" --format csv sql -c "SELECT count(*) AS n FROM signins" | tail -1)
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

layout() {
    local files bytes
    files=$(find "$work/lake/signins" "$work/lake/audit" -name '*.parquet' | wc -l)
    bytes=$(find "$work/lake/signins" "$work/lake/audit" -name '*.parquet' -printf '%s\n' | awk '{s+=$1} END {print s}')
    echo "lake: $lake_rows sign-in rows in $files Parquet files, $(( bytes / 1000000 )) MB"
}

measure() {
    printf '%-12s %-44s %-3s %8s %8s %13s %9s\n' phase what run wall_s peak_MB rows_decoded MB_read
    for user in "${targets[@]}"; do
        for run in 1 2; do
            /usr/bin/time -f "%e %M" -o "$work/time.txt" "$bin" --lake "$work/lake" -q --format json \
                scope --user "$user" > "$work/scope.json"
            python3 - "$work/scope.json" "$work/time.txt" "$1" "scope --user $user" "$run" <<'PY'
import json, sys
stats = json.load(open(sys.argv[1]))["stats"]
wall, rss = open(sys.argv[2]).read().split()
print(f'{sys.argv[3]:<12} {sys.argv[4]:<44} {sys.argv[5]:<3} {float(wall):8.2f} {int(rss) / 1024:8.0f} '
      f'{stats["rows_decoded"]:13,} {stats["bytes_scanned"] / 1e6:9.1f}')
PY
        done
    done
    for hunt in "${hunts[@]}"; do
        for run in 1 2; do
            /usr/bin/time -f "%e %M" -o "$work/time.txt" "$bin" --lake "$work/lake" -q --format jsonl \
                hunt "$hunt" --min-score 0 > "$work/hunt-$1-$hunt.jsonl"
            read -r wall rss < "$work/time.txt"
            printf '%-12s %-44s %-3s %8.2f %8.0f %13s %9s\n' "$1" "hunt $hunt ($(wc -l < "$work/hunt-$1-$hunt.jsonl") findings)" \
                "$run" "$wall" "$(( rss / 1024 ))" - -
        done
    done
}

layout
measure before
/usr/bin/time -f "%e %M" -o "$work/time.txt" "$bin" --lake "$work/lake" --format json compact --grace 0s > "$work/compact.json"
read -r wall rss < "$work/time.txt"
python3 - "$work/compact.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
largest = max(p["decoded_bytes"] for p in s["partitions"])
print(f'compacted {len(s["partitions"])} partitions: {s["files_before"]} files -> {s["files_after"]}, '
      f'{s["bytes_before"] / 1e6:.1f} MB -> {s["bytes_after"] / 1e6:.1f} MB, {s["rows"]:,} rows; '
      f'largest partition {largest / 1e6:.1f} MB decoded')
PY
echo "compact: ${wall} s wall, peak $(( rss / 1024 )) MB"
layout
measure after
for hunt in "${hunts[@]}"; do
    python3 - "$work/hunt-before-$hunt.jsonl" "$work/hunt-after-$hunt.jsonl" "$hunt" <<'PY'
import json, sys
# Findings are the same when their ids and scores are (evidence lists may come out
# in another order: rows arrive from other files).
key = lambda path: sorted((f["finding_id"], f["score"]) for f in map(json.loads, open(path)))
same = key(sys.argv[1]) == key(sys.argv[2])
print(f"{sys.argv[3]}: {'same findings (ids and scores) before and after' if same else 'FINDINGS DIFFER'}")
PY
done
# Back to the small files, so the next run measures the same thing.
rm -rf "$work/lake" && cp -a "$work/pristine" "$work/lake"
