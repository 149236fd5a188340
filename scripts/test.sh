#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, starts the local PostgreSQL (unless MTLDS_PG points
# elsewhere), builds in Release and runs every test project one after the other (they share 2 cores).
# Extra arguments go to `dotnet test`, e.g. the quick subset: scripts/test.sh --filter "Category!=Slow"
# TRX results land in artifacts/test-results/ (.ci/run sums them).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
if [ -z "${MTLDS_PG:-}" ]; then bash scripts/postgres-up.sh; fi
rm -rf artifacts/test-results
dotnet build Mtlds.Pipelines.sln -c Release -nologo -clp:ErrorsOnly
status=0
for project in tests/*/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  dotnet test "$project" -c Release --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
    --results-directory artifacts/test-results "$@" || status=1
done
exit $status
