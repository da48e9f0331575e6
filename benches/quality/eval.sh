#!/usr/bin/env bash
# Detection quality on a generated tenant: gen → ingest → hunt --all → eval.
#
#   benches/quality/eval.sh [profile] [seed] [workdir]
#
# Prints the scorer's report and leaves findings.jsonl and eval.json in the workdir.
# Use a seed the tests do not use (tests use 11 and 12) for the figures you report; for the fixed
# evaluation set that no test and no tuning uses, run benches/quality/eval_set.sh instead.
set -euo pipefail
profile=${1:-medium}
seed=${2:-2027}
work=${3:-/tmp/tokenhunt-quality-$profile-$seed}
bin=${TOKENHUNT:-target/fast/tokenhunt}

mkdir -p "$work"
if [ ! -f "$work/tenant/labels.json" ]; then
    "$bin" gen --profile "$profile" --seed "$seed" --out "$work/tenant"
fi
if [ ! -d "$work/lake/signins" ]; then
    /usr/bin/time -v "$bin" --lake "$work/lake" ingest "$work/tenant" 2> "$work/ingest.log" || { cat "$work/ingest.log"; exit 1; }
    grep -E "ingested|Maximum resident|Elapsed" "$work/ingest.log"
fi
/usr/bin/time -v "$bin" --lake "$work/lake" --format jsonl -v hunt --all --group incidents \
    > "$work/findings.jsonl" 2> "$work/hunt.log" || { cat "$work/hunt.log"; exit 1; }
grep -E "^hunt |Maximum resident|Elapsed|incident" "$work/hunt.log"
"$bin" eval --labels "$work/tenant/labels.json" --findings "$work/findings.jsonl"
"$bin" --format jsonl eval --labels "$work/tenant/labels.json" --findings "$work/findings.jsonl" > "$work/eval.json"
