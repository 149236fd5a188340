#!/usr/bin/env bash
# The main job on a fresh machine: installs what is missing, builds, and runs mtlds.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
dotnet build Mtlds.Pipelines.sln -c Release -nologo -clp:ErrorsOnly
mtlds() { dotnet pipelines/Mtlds.Cli/bin/Release/net10.0/mtlds.dll "$@"; }
mtlds --help
