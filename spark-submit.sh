#!/usr/bin/env bash
# Builds the feature dataset on a Spark cluster with the same SQL that mtlds runs on DuckDB: loading
# (sql/spark/load_<source>.sql, validate.sql), then sql/features/*.sql unchanged, then
# sql/spark/write_outputs.sql. Submitted through Spark's own SQL driver (SparkSQLCLIDriver, what
# `spark-sql -f` runs), so the executors need nothing installed.
#
#   spark-submit.sh --source taobao --events 'hdfs:///logs/UserBehavior*.csv' --out hdfs:///features/taobao \
#     --tz-offset-seconds 28800 --master yarn [--dry-run]
#
# Options: --source taobao|retailrocket|rees46|canonical  --events PATH_OR_GLOB  --out DIR
#   [--period day|hour] [--negatives K (4; 0 for logs with impressions)] [--seed N (42)]
#   [--tz-offset-seconds S (0)] [--from UNIX_SECONDS] [--to UNIX_SECONDS] [--valid-periods N (1)]
#   [--test-periods N (1)] [--alpha X (10)] [--master URL] [--deploy-mode client|cluster] [--conf k=v]...
#   [--dry-run: print the command, do not run it]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() { echo "spark-submit.sh: error: $*" >&2; exit 2; }
usage() { sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

source_name="" events="" out="" period=day negatives=4 seed=42 tz_offset=0 from_ts="" to_ts=""
valid_periods=1 test_periods=1 alpha=10 master="" deploy_mode="" dry_run=false
confs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --source) source_name=${2:-}; shift 2 ;;
    --events) events=${2:-}; shift 2 ;;
    --out) out=${2:-}; shift 2 ;;
    --period) period=${2:-}; shift 2 ;;
    --negatives) negatives=${2:-}; shift 2 ;;
    --seed) seed=${2:-}; shift 2 ;;
    --tz-offset-seconds) tz_offset=${2:-}; shift 2 ;;
    --from) from_ts=${2:-}; shift 2 ;;
    --to) to_ts=${2:-}; shift 2 ;;
    --valid-periods) valid_periods=${2:-}; shift 2 ;;
    --test-periods) test_periods=${2:-}; shift 2 ;;
    --alpha) alpha=${2:-}; shift 2 ;;
    --master) master=${2:-}; shift 2 ;;
    --deploy-mode) deploy_mode=${2:-}; shift 2 ;;
    --conf) confs+=(--conf "${2:-}"); shift 2 ;;
    --dry-run) dry_run=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

case "$source_name" in taobao|retailrocket|rees46|canonical) ;; *) die "--source must be one of taobao, retailrocket, rees46, canonical" ;; esac
[ -n "$events" ] || die "--events is required"
[ -n "$out" ] || die "--out is required"
case "$events$out" in *\'*) die "--events and --out must not contain a single quote (they become SQL string literals)" ;; esac
case "$period" in day) period_seconds=86400 ;; hour) period_seconds=3600 ;; *) die "--period must be day or hour" ;; esac
is_int() { [[ "$2" =~ ^-?[0-9]+$ ]] || die "$1 '$2' is not an integer"; }
is_int --negatives "$negatives"; is_int --seed "$seed"; is_int --tz-offset-seconds "$tz_offset"
is_int --valid-periods "$valid_periods"; is_int --test-periods "$test_periods"
[ "$negatives" -ge 0 ] && [ "$negatives" -le 32 ] || die "--negatives must be within 0..32"
[ "$seed" -ge 0 ] && [ "$seed" -lt 2147483647 ] || die "--seed must be within 0..2147483646"
[[ "$alpha" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--alpha '$alpha' is not a positive number"
run_start=$(date -u +%s)
[ -n "$from_ts" ] || from_ts=946684800
[ -n "$to_ts" ] || to_ts=$((run_start + 1))
is_int --from "$from_ts"; is_int --to "$to_ts"

# One script: engine-specific loading, the shared feature SQL, engine-specific writing.
work=$(mktemp -d "${TMPDIR:-/tmp}/mtlds-spark.XXXXXX")
script="$work/features.sql"
{
  cat "$here/sql/spark/load_$source_name.sql" "$here/sql/spark/validate.sql"
  for f in "$here"/sql/features/*.sql; do cat "$f"; echo; done
  cat "$here/sql/spark/write_outputs.sql"
} > "$script"

if [ -n "${SPARK_HOME:-}" ]; then submit="$SPARK_HOME/bin/spark-submit"; else submit=spark-submit; fi
command=("$submit" --class org.apache.spark.sql.hive.thriftserver.SparkSQLCLIDriver --name "mtlds features $source_name")
[ -n "$master" ] && command+=(--master "$master")
[ -n "$deploy_mode" ] && command+=(--deploy-mode "$deploy_mode")
command+=(--conf spark.sql.ansi.enabled=false
          --conf spark.sql.legacy.createHiveTableByDefault=false
          --conf spark.sql.session.timeZone=UTC
          "${confs[@]}"
          spark-internal
          --hivevar "events=$events" --hivevar "out=$out"
          --hivevar "period_seconds=$period_seconds" --hivevar "tz_offset_seconds=$tz_offset"
          --hivevar "negatives=$negatives" --hivevar "seed=$seed" --hivevar "alpha=$alpha"
          --hivevar "valid_periods=$valid_periods" --hivevar "test_periods=$test_periods" --hivevar "first_period=0"
          --hivevar "negatives_from=0" --hivevar "negatives_to=9223372036854775807"
          --hivevar "run_start=$run_start" --hivevar "from_ts=$from_ts" --hivevar "to_ts=$to_ts"
          -f "$script")

if $dry_run; then
  printf '%q ' "${command[@]}"
  echo
  echo "# SQL script kept at $script" >&2
  exit 0
fi
trap 'rm -rf "$work"' EXIT
"${command[@]}"
