#!/usr/bin/env bash
# The main job on a fresh machine: installs what is missing, builds, generates a synthetic log with
# `mtlds generate` and runs the whole pipeline on it (features → train → score → evaluate). Scores go to
# the local PostgreSQL when it runs or can be started (scripts/postgres-up.sh), to a Parquet file otherwise.
# Rerunning skips the steps whose inputs did not change.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
dotnet build Mtlds.Pipelines.sln -c Release -nologo -v quiet -clp:ErrorsOnly
mtlds() { dotnet pipelines/Mtlds.Cli/bin/Release/net10.0/mtlds.dll "$@"; }
out=${MTLDS_DEMO_DIR:-data/demo}
[ -f "$out/events.csv" ] || mtlds generate --out "$out/events.csv" --users 2000 --items 5000 --periods 10 --seed 7
pg=()
if [ -n "${MTLDS_PG:-}" ] || bash scripts/postgres-up.sh >/dev/null 2>&1; then
  export MTLDS_PG=${MTLDS_PG:-"Host=127.0.0.1;Port=5432;Username=mtlds;Password=${MTLDS_PG_PASSWORD:-mtlds};Database=mtlds"}
  pg=(--pg)
else
  echo "demo: PostgreSQL is not available; scores go to $out/run/scores-test.parquet"
fi
mtlds run --source canonical --events "$out/events.csv" --set train.epochs=3 "${pg[@]}" --out "$out/run"
