#!/usr/bin/env bash
# Issue 13 items 1-2: every hunt, `baseline`, `hunt --all --group incidents` and
# `scope --user` over the whole history of a lake built by build_lake.sh, each in its
# own process under a memory limit (default 2GiB, spilling to the system's temporary
# folder). Per command: wall seconds, peak RSS (GNU time), the bytes the run fetched
# from the lake's Parquet and the rows its Parquet scans decoded (`-v`), findings.
# Writes results.tsv in the work folder and prints it as a Markdown table.
#
#   benches/scale/run.sh [workdir] [memory-limit] [timeout-seconds]
#
# A command that fails or runs past the timeout is reported as such, not skipped.
set -uo pipefail
cd "$(dirname "$0")/../.."
work=${1:-${TMPDIR:-/tmp}/tokenhunt-scale}
limit=${2:-2GiB}
timeout_s=${3:-1800}
bin=${TOKENHUNT:-$work/tokenhunt}
lake="$work/lake"
[ -x "$bin" ] || { echo "no $bin: run build_lake.sh first (or set TOKENHUNT)"; exit 1; }
[ -d "$lake/signins" ] || { echo "no lake at $lake: run build_lake.sh first"; exit 1; }
out="$work/results.tsv"
printf 'command\tstatus\tseconds\tpeak_rss_mib\tread_mb\tread_pct\trows_decoded\tfindings\n' > "$out"

measure() { # name, then the tokenhunt arguments after the global ones
    local name=$1; shift
    local err="$work/err-${name//[^A-Za-z0-9_-]/_}.log"
    local t0=$(date +%s.%N)
    timeout "$timeout_s" /usr/bin/time -f 'rss_kb=%M' "$bin" --lake "$lake" -v --memory-limit "$limit" "$@" \
        > "$work/stdout.tmp" 2> "$err"
    local status=$?
    local t1=$(date +%s.%N)
    local seconds=$(python3 -c "print(f'{$t1 - $t0:.1f}')")
    local state=ok
    [ $status -eq 124 ] && state="timeout ${timeout_s}s"
    [ $status -ne 0 ] && [ $status -ne 124 ] && state="failed ($status): $(grep -m1 -i error "$err" | cut -c1-120)"
    local rss=$(grep -o 'rss_kb=[0-9]*' "$err" | tail -1 | cut -d= -f2)
    local read=$(grep -E '^read ' "$err" | tail -1)
    local mb=$(sed -E 's/^read ([0-9.]+) MB.*/\1/' <<<"$read")
    local pct=$(sed -E 's/.*\(([0-9.]+) %\).*/\1/' <<<"$read")
    local rows=$(sed -E 's/.*; ([0-9]+) rows decoded.*/\1/' <<<"$read")
    local findings=$(grep -Eo '^[0-9]+ (finding|incident)' "$err" | tail -1 | cut -d' ' -f1)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$state" "$seconds" "$(( ${rss:-0} / 1024 ))" \
        "${mb:--}" "${pct:--}" "${rows:--}" "${findings:--}" >> "$out"
    tail -1 "$out"
}

rm -rf "$lake/_tokenhunt/baseline"
measure baseline baseline
for hunt in $("$bin" --format json hunts | python3 -c "import json,sys;print(' '.join(h['id'] for h in json.load(sys.stdin)))"); do
    measure "$hunt" hunt "$hunt" --min-score 0
done
measure "hunt --all --group incidents" hunt --all --group incidents
user=$(python3 -c "import json;print(json.load(open('$work/tenant/labels.json'))['incidents'][0]['user'])" 2>/dev/null \
       || "$bin" --lake "$lake" --format csv sql -c "SELECT user FROM signins WHERE user IS NOT NULL LIMIT 1" | tail -1)
measure "scope --user (whole history)" scope --user "$user"

echo
echo "lake: $(find "$lake/signins" "$lake/audit" -name '*.parquet' | wc -l) files, $(du -sb "$lake/signins" "$lake/audit" | awk '{s+=$1} END {print s}') bytes; memory limit $limit"
python3 - "$out" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter="\t"))
print("| " + " | ".join(rows[0]) + " |")
print("|" + "---|" * len(rows[0]))
for row in rows[1:]:
    print("| " + " | ".join(row) + " |")
PY
