#!/usr/bin/env bash
# Installs what this repository needs on a Debian/Ubuntu machine and is missing: g++ and patchelf (the
# TorchSharp compat fix for libstdc++ older than GCC 13), PostgreSQL (scores sink, integration tests),
# node/npm (Spark SQL grammar check of sql/features). The .NET 10 SDK must already be on PATH.
set -euo pipefail
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

command -v dotnet >/dev/null || { echo "install-deps: error: the .NET 10 SDK is not on PATH; install it first (https://learn.microsoft.com/dotnet/core/install/linux-debian)" >&2; exit 1; }

missing=()
command -v g++ >/dev/null || missing+=(g++)
command -v patchelf >/dev/null || missing+=(patchelf)
command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
command -v psql >/dev/null || missing+=(postgresql-client)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The Spark SQL grammar checker the tests run (dt-sql-parser bundled with esbuild; see tools/sparksql-check).
checker="$(dirname "$0")/../tools/sparksql-check"
if [ ! -f "$checker/dist/check.cjs" ] || [ "$checker/check.mjs" -nt "$checker/dist/check.cjs" ]; then
  (cd "$checker" && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
fi
