#!/usr/bin/env bash
# The main job on a fresh machine: installs what is missing, builds, generates a synthetic log with
# `mtlds generate`, builds its features and trains MTLDS on them (scoring and PostgreSQL join as those land).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
dotnet build Mtlds.Pipelines.sln -c Release -nologo -v quiet -clp:ErrorsOnly
mtlds() { dotnet pipelines/Mtlds.Cli/bin/Release/net10.0/mtlds.dll "$@"; }
out=${MTLDS_DEMO_DIR:-data/demo}
mtlds generate --out "$out/events.csv" --users 2000 --items 5000 --periods 10 --seed 7
mtlds features --source canonical --events "$out/events.csv" --out "$out/features"
mtlds train --data "$out/features" --model mtlds --epochs 3 --out "$out/model"
