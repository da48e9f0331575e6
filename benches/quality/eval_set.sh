#!/usr/bin/env bash
# Detection quality on the fixed evaluation set (benches/quality/eval_set.txt): tenants no test and no
# tuning uses. For each seed: gen -> ingest -> baseline -> hunt --all --group incidents -> eval, then a
# summary table of recall, precision and false incidents per 1,000 users per day.
#
#   benches/quality/eval_set.sh TOKENHUNT_BINARY [workdir]
#
# Use an optimised build (e.g. target/fast/tokenhunt). Each 2,000 x 14 tenant is written gzipped
# (a few GB); the workdir keeps tenants and lakes between runs, so a rerun only hunts and scores again
# (delete the workdir to start over). Results: <workdir>/<seed>/{findings.jsonl,eval.json,eval.txt} and
# <workdir>/summary.tsv.
set -euo pipefail
bin=${1:?usage: eval_set.sh TOKENHUNT_BINARY [workdir]}
work=${2:-/tmp/tokenhunt-eval-set}
here=$(cd "$(dirname "$0")" && pwd)
# TOKENHUNT_SET=other.txt runs the same pipeline on a tuning set instead (same format).
set_file=${TOKENHUNT_SET:-$here/eval_set.txt}
[ -x "$bin" ] || { echo "not an executable: $bin" >&2; exit 2; }
mkdir -p "$work"
summary="$work/summary.tsv"
printf 'seed\tusers\tdays\tincidents\tdetected\trecall\tfindings\tfalse_positives\tprecision\tfalse_per_1k_users_day\n' > "$summary"

grep -vE '^\s*(#|$)' "$set_file" | while read -r seed users days; do
    dir="$work/$seed"
    mkdir -p "$dir"
    echo "== seed $seed: $users users x $days days" >&2
    if [ ! -f "$dir/tenant/labels.json" ]; then
        "$bin" gen --users "$users" --days "$days" --seed "$seed" --gzip --out "$dir/tenant"
    fi
    if [ ! -f "$dir/lake.done" ]; then
        rm -rf "$dir/lake"
        "$bin" --lake "$dir/lake" ingest "$dir/tenant" > "$dir/ingest.log" 2>&1 \
            || { cat "$dir/ingest.log" >&2; exit 1; }
        "$bin" --lake "$dir/lake" baseline > "$dir/baseline.log" 2>&1 \
            || { cat "$dir/baseline.log" >&2; exit 1; }
        touch "$dir/lake.done"
    fi
    "$bin" --lake "$dir/lake" --format jsonl hunt --all --group incidents \
        > "$dir/findings.jsonl" 2> "$dir/hunt.log" || { cat "$dir/hunt.log" >&2; exit 1; }
    "$bin" eval --labels "$dir/tenant/labels.json" --findings "$dir/findings.jsonl" > "$dir/eval.txt"
    "$bin" --format jsonl eval --labels "$dir/tenant/labels.json" --findings "$dir/findings.jsonl" \
        > "$dir/eval.json"
    jq -r --arg seed "$seed" --arg users "$users" --arg days "$days" \
        '[$seed, $users, $days, .incidents, .detected, (.recall*1000|round/1000),
          .findings, .false_positives, (.precision*1000|round/1000),
          (.alerts_per_1k_users_per_day*1000|round/1000)] | @tsv' \
        "$dir/eval.json" >> "$summary"
done

echo
column -t -s $'\t' "$summary"
# Pooled over the set: recall and precision over all incidents / findings, false incidents per
# 1,000 users per day over all user-days.
awk -F'\t' 'NR > 1 { inc += $4; det += $5; fnd += $7; fp += $8; ud += $2 * $3 }
    END { if (inc + fnd == 0) exit;
          printf "\npooled: recall %.3f  precision %.3f  false incidents per 1,000 users per day %.3f\n",
                 (inc ? det / inc : 1), (fnd ? (fnd - fp) / fnd : 0), (ud ? fp * 1000 / ud : 0) }' "$summary"
