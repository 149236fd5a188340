#!/usr/bin/env bash
# Builds the feature dataset on a Spark cluster with the SQL that mtlds runs on DuckDB. A thin entry point:
# `mtlds features --engine spark` assembles the job from the options a DuckDB build takes, checks them by the
# same rules, and prints (--dry-run) or runs the spark-submit command (Spark's own SQL driver,
# SparkSQLCLIDriver: the executors need nothing installed). See docs/spark.md.
#
#   spark-submit.sh --source taobao --events 'hdfs:///logs/UserBehavior*.csv' --out hdfs:///features/taobao \
#     --timezone Asia/Shanghai --master yarn [--dry-run]
#
# Options: those of `mtlds features` (--source --events --out --period --negatives --seed --from --to
#   --timezone --valid-periods --test-periods --config) and --impressions yes|no (canonical logs),
#   --master URL, --deploy-mode client|cluster, --conf k=v (repeatable), --dry-run, --finish.
# mtlds is the build in this repository (dotnet build -c Release) when there is one, else the one on PATH.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
built="$here/pipelines/Mtlds.Cli/bin/Release/net10.0/mtlds.dll"
if [ -f "$built" ]; then exec dotnet "$built" features --engine spark "$@"; fi
command -v mtlds >/dev/null 2>&1 || { echo "spark-submit.sh: error: mtlds is not on PATH and $built is not built (dotnet build -c Release)" >&2; exit 2; }
exec mtlds features --engine spark "$@"
