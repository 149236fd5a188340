#!/usr/bin/env bash
# The nightly job (docs/operations.md): add the new period(s) to the feature build, train on it, score the
# test split into PostgreSQL as a new run, and prune old runs. Every step is one `mtlds` command on PATH
# (scripts/install.sh puts it there); the first night builds from scratch, later nights append.
#
# Settings, from the environment (a crontab line or a systemd unit sets them):
#   MTLDS_EVENTS   the log: a file, folder or glob (required)
#   MTLDS_HOME     where the build and the models live (required)
#   MTLDS_PG       the PostgreSQL connection string (required; with the password, or use ~/.pgpass)
#   MTLDS_SOURCE   taobao | retailrocket | rees46 | canonical (default taobao)
#   MTLDS_TIMEZONE the zone whose day cuts periods (default UTC; Taobao: Asia/Shanghai)
#   MTLDS_SCHEMA   schema of runs and scores (default mtlds)
#   MTLDS_EPOCHS   training epochs at most (default 5)
#   MTLDS_KEEP     runs to keep (default 30)
#   MTLDS_RUN_ID   the run's id (default nightly-<UTC time>)
#
# Output: one line per step with its figures and the seconds it took, plain text (no colour codes when
# redirected to a log file). Exit code: the failing step's (2 bad option or config, 3 bad input, 4
# PostgreSQL, 5 disk full, 1 anything else); the steps after it do not run.
set -euo pipefail
: "${MTLDS_EVENTS:?set MTLDS_EVENTS to the log (file, folder or glob)}"
: "${MTLDS_HOME:?set MTLDS_HOME to the folder of the build and models}"
: "${MTLDS_PG:?set MTLDS_PG to the PostgreSQL connection string}"
export MTLDS_PG
source_format=${MTLDS_SOURCE:-taobao}
timezone=${MTLDS_TIMEZONE:-UTC}
schema=${MTLDS_SCHEMA:-mtlds}
epochs=${MTLDS_EPOCHS:-5}
keep=${MTLDS_KEEP:-30}
run_id=${MTLDS_RUN_ID:-nightly-$(date -u +%Y%m%dT%H%M%S)}
features=$MTLDS_HOME/features
model=$MTLDS_HOME/models/$run_id

step() {
  local name=$1 started rc
  shift
  started=$(date +%s%N)
  echo "nightly: $name: started"
  "$@" || { rc=$?; echo "nightly: $name: failed with exit code $rc"; exit $rc; }
  local tenths=$(( ($(date +%s%N) - started) / 100000000 ))
  echo "nightly: $name: done in $((tenths / 10)).$((tenths % 10)) s"
}

append=()
[ -f "$features/manifest.json" ] && append=(--append)
step features mtlds features --source "$source_format" --events "$MTLDS_EVENTS" --timezone "$timezone" --out "$features" "${append[@]}"
step train mtlds train --data "$features" --out "$model" --epochs "$epochs"
step score mtlds score --model "$model" --data "$features" --split test --pg --schema "$schema" --run-id "$run_id"
step prune mtlds runs prune --pg --schema "$schema" --keep "$keep"
echo "nightly: run $run_id published"
