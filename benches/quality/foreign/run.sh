#!/bin/bash
# Foreign tenants: gen → ingest → baseline → hunt --all --group incidents → eval, per seed.
# usage: run.sh TOKENHUNT_BINARY SEED... (users: 600 for odd seeds, 1,200 for even; 10 days)
set -euo pipefail
bin=$(realpath "$1"); shift
here=$(dirname "$(realpath "$0")")
root=${FOREIGN_DIR:-/tmp/foreign}
for seed in "$@"; do
  dir=$root/$seed
  users=$(( seed % 2 == 0 ? 1200 : 600 ))
  if [ ! -f "$dir/labels.json" ]; then
    python3 "$here/make_tenant.py" --seed "$seed" --users "$users" --days 10 --out "$dir/tenant"
  fi
  if [ ! -d "$dir/lake" ]; then
    "$bin" --lake "$dir/lake" --quiet ingest "$dir/tenant"
    "$bin" --lake "$dir/lake" --quiet baseline
  fi
  "$bin" --lake "$dir/lake" --format jsonl hunt --all --group incidents > "$dir/incidents.jsonl"
  echo "== seed $seed ($users users x 10 days)"
  "$bin" eval --labels "$dir/labels.json" --findings "$dir/incidents.jsonl"
done
