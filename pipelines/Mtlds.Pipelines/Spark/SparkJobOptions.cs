using Mtlds.Pipelines.Features;

namespace Mtlds.Pipelines.Spark;

/// A feature build to run on Spark: the options of a DuckDB build (checked by the same rules) and what only a
/// cluster job needs.
public sealed record SparkJobOptions
{
    /// --source, --events, --out (cluster paths: hdfs://, s3a://, file://…), --period, --negatives, --seed, --from,
    /// --to, --timezone, --valid-periods, --test-periods, alpha: as for `mtlds features`.
    public required FeatureOptions Features { get; init; }

    /// Whether the log has impressions. DuckDB reads that from the data; the job cannot be shown the data
    /// first, so the caller says it for the canonical source (the only one whose rows can be impressions) and
    /// the job fails if the log says otherwise. Null for the other sources: they have none.
    public bool? Impressions { get; init; }

    /// spark-submit's --master and --deploy-mode (none: spark-submit's defaults).
    public string? Master { get; init; }
    public string? DeployMode { get; init; }

    /// Further `--conf key=value` for spark-submit (executor memory, the Kubernetes image…); not the settings
    /// the SQL relies on (SparkJob.FixedSettings).
    public IReadOnlyList<string> Confs { get; init; } = [];

    /// Names the job's database (`mtlds_job_<id>`) and its folder under --out; random unless a test pins it.
    public string JobId { get; init; } = Guid.NewGuid().ToString("N")[..12];

    /// The folder holding features/ and spark/ (by default the SQL shipped beside the binaries).
    public string? SqlRoot { get; init; }

    /// Timestamps after this are rejected, as in a DuckDB build; the time the job is assembled unless pinned.
    public DateTimeOffset? RunStart { get; init; }
}
