using Dapper;
using Npgsql;

namespace Mtlds.Pipelines.Postgres;

/// Reads runs and their evaluation from the schema's tables and views. Values travel as parameters; the
/// schema is the target's validated, quoted identifier.
public sealed class RunsQueries(PostgresTarget target)
{
    public sealed record Run(string RunId, string Model, string Status, string? Split, long? Rows, DateTime StartedAt, DateTime? FinishedAt, string? Error);

    /// One number of the SQL evaluation beside the trainer's own (null where the trainer has none).
    public sealed record MetricRow(string Split, string Metric, string Label, double? Value, double? Trainer);

    public sealed record CalibrationRow(string Split, int Decile, long Rows, double MeanPPurchase, double ObservedPurchaseRate, double MinScore, double MaxScore);

    /// The columns of `runs` as a Run, for every query that lists runs.
    private const string RunColumns = "run_id AS RunId, model AS Model, status AS Status, split AS Split, rows AS Rows, "
        + "started_at AS StartedAt, finished_at AS FinishedAt, error AS Error";

    public IReadOnlyList<Run> Runs(int limit = 50)
    {
        using var conn = Open();
        return conn.Query<Run>($"""
            SELECT {RunColumns}
            FROM {target.QuotedSchema}.runs ORDER BY started_at DESC, run_id LIMIT @limit
            """, new { limit }).ToList();
    }

    /// The run's status (running, succeeded, failed), or null when there is no such run.
    public string? Status(string runId)
    {
        using var conn = Open();
        return conn.ExecuteScalar<string?>($"SELECT status FROM {target.QuotedSchema}.runs WHERE run_id = @runId", new { runId });
    }

    public IReadOnlyList<MetricRow> Evaluation(string runId)
    {
        Scoring.RunId.Validate(runId);
        using var conn = Open();
        var exists = conn.ExecuteScalar<bool>($"SELECT EXISTS (SELECT FROM {target.QuotedSchema}.runs WHERE run_id = @runId)", new { runId });
        if (!exists) throw new ConfigurationException($"--run-id '{runId}': no such run in schema {target.Schema}; list them with mtlds runs");
        return conn.Query<MetricRow>($"""
            SELECT e.split AS Split, e.metric AS Metric, e.label AS Label, e.value AS Value, e.trainer AS Trainer
            FROM {target.QuotedSchema}.evaluation e
            WHERE e.run_id = @runId
            ORDER BY e.split, array_position(ARRAY[{string.Join(",", Model.Metrics.SplitMetrics.Names.Select(n => $"'{n}'"))}], e.metric),
                     array_position(ARRAY['click','cart','purchase','5','10'], e.label)
            """, new { runId }).ToList();
    }

    public IReadOnlyList<CalibrationRow> Calibration(string runId)
    {
        Scoring.RunId.Validate(runId);
        using var conn = Open();
        return conn.Query<CalibrationRow>($"""
            SELECT split AS Split, decile AS Decile, rows AS Rows, mean_p_purchase AS MeanPPurchase,
                   observed_purchase_rate AS ObservedPurchaseRate, min_score AS MinScore, max_score AS MaxScore
            FROM {target.QuotedSchema}.calibration WHERE run_id = @runId ORDER BY split, decile
            """, new { runId }).ToList();
    }

    /// What a prune removed (or, in a dry run, would remove), and the seconds its SQL took.
    public sealed record PruneResult(IReadOnlyList<Run> Runs, long Rows, double SqlSeconds);

    /// Removes runs and their rows: those not among the `keep` newest (by start), and started before `before`;
    /// both conditions when both are given, so a run goes only when every rule given lets it go. A run still
    /// being scored is never removed. Each run's rows are its partition of `scores`, dropped whole (the
    /// trigger on runs): no row is deleted from `scores`, so nothing is left for VACUUM there; `runs` and
    /// `metrics` are vacuumed after the commit.
    public PruneResult Prune(int? keep, DateTimeOffset? before, bool dryRun)
    {
        if (keep is null && before is null) throw new ConfigurationException("runs prune: give --keep N, --before DATE or both");
        if (keep is < 0) throw new ConfigurationException($"runs prune: --keep {keep} must be 0 or more");
        using var conn = Open();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var tx = conn.BeginTransaction();
        var runs = conn.Query<Run>($"""
            SELECT {RunColumns}
            FROM (SELECT r.*, row_number() OVER (ORDER BY started_at DESC, run_id) AS newest
                  FROM {target.QuotedSchema}.runs r) r
            WHERE status <> 'running'
              AND (@keep::int IS NULL OR newest > @keep::int)
              AND (@before::timestamptz IS NULL OR started_at < @before::timestamptz)
            ORDER BY started_at, run_id
            """, new { keep, before }, tx).ToList();
        var rows = runs.Sum(r => r.Rows ?? 0);
        if (dryRun || runs.Count == 0)
        {
            tx.Rollback();
            return new PruneResult(runs, rows, clock.Elapsed.TotalSeconds);
        }
        conn.Execute($"DELETE FROM {target.QuotedSchema}.runs WHERE run_id = ANY(@ids) AND status <> 'running'", new { ids = runs.Select(r => r.RunId).ToArray() }, tx);
        tx.Commit();
        conn.Execute($"VACUUM {target.QuotedSchema}.runs, {target.QuotedSchema}.metrics");
        return new PruneResult(runs, rows, clock.Elapsed.TotalSeconds);
    }

    private NpgsqlConnection Open()
    {
        var conn = target.Open();
        try
        {
            new Migrator(target).Apply(conn); // an empty database answers with empty tables, not an error
            RunLiveness.MarkInterrupted(conn, target); // a killed scorer's run does not stay 'running'
            return conn;
        }
        catch
        {
            conn.Dispose();
            throw;
        }
    }
}
