#!/usr/bin/env bash
# The main job on a fresh machine: installs what is missing, builds, generates a synthetic log with
# `mtlds generate` and builds its features. (Training, scoring and PostgreSQL join as those steps land.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
dotnet build Mtlds.Pipelines.sln -c Release -nologo -v quiet -clp:ErrorsOnly
mtlds() { dotnet pipelines/Mtlds.Cli/bin/Release/net10.0/mtlds.dll "$@"; }
out=${MTLDS_DEMO_DIR:-data/demo}
mtlds generate --out "$out/events.csv" --users 2000 --items 5000 --periods 10 --seed 7
mtlds features --source canonical --events "$out/events.csv" --out "$out/features"
