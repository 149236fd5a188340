using System.Text.Json;
using Mtlds.Model.Training;
using Mtlds.Pipelines.Scoring;
using Npgsql;
using NpgsqlTypes;

namespace Mtlds.Pipelines.Postgres;

/// Score rows into PostgreSQL. The run is registered as running, rows stream by binary COPY into a temporary
/// staging table (session-private: concurrent runs cannot mix, and a dropped connection takes it along), and
/// Complete publishes them in one transaction that replaces any earlier rows of the same run and split and
/// marks the run succeeded. Until then no row of the run is visible; a failure marks the run failed.
public sealed class PostgresScoreSink : IScoreSink
{
    private static readonly string[] Columns =
        ["run_id", "split", "user_id", "item_id", "period", "score", "p_click", "p_cart", "p_purchase", "y_click", "y_cart", "y_purchase", "stage"];

    private readonly PostgresTarget _target;
    private readonly RunRegistration _run;
    private readonly string _split;
    private readonly NpgsqlConnection _conn;
    private NpgsqlBinaryImporter? _importer;
    private long _rows;
    private bool _completed;

    public PostgresScoreSink(PostgresTarget target, RunRegistration run, string split)
    {
        RunId.Validate(run.RunId);
        _target = target;
        _run = run;
        _split = split;
        // Opening, migrating, registering and starting the COPY repeat from scratch on a transient error.
        (_conn, _importer) = TransientRetry.Run(target, $"run {run.RunId}", () =>
        {
            var conn = target.OpenOnce();
            try
            {
                new Migrator(target).Apply(conn);
                RunLiveness.Hold(conn, target, run.RunId); // before the row says 'running': see RunLiveness
                Register(conn);
                Execute(conn, "DROP TABLE IF EXISTS pg_temp.score_stage");
                Execute(conn, $"CREATE TEMP TABLE score_stage (LIKE {target.QuotedSchema}.scores)");
                return (conn, conn.BeginBinaryImport($"COPY pg_temp.score_stage ({string.Join(", ", Columns)}) FROM STDIN (FORMAT BINARY)"));
            }
            catch
            {
                conn.Dispose();
                throw;
            }
        });
    }

    private static void Execute(NpgsqlConnection conn, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, conn);
        cmd.ExecuteNonQuery();
    }

    private void Register(NpgsqlConnection conn)
    {
        using var cmd = new NpgsqlCommand($"""
            INSERT INTO {_target.QuotedSchema}.runs (run_id, model, config, data_manifest_hash, split, status, started_at, metrics)
            VALUES (@run_id, @model, @config::jsonb, @hash, @split, 'running', now(), @metrics::jsonb)
            ON CONFLICT (run_id) DO UPDATE SET model = EXCLUDED.model, config = EXCLUDED.config,
                data_manifest_hash = EXCLUDED.data_manifest_hash, split = EXCLUDED.split, status = 'running',
                started_at = now(), finished_at = NULL, rows = NULL, error = NULL, metrics = EXCLUDED.metrics
            """, conn);
        cmd.Parameters.AddWithValue("run_id", _run.RunId);
        cmd.Parameters.AddWithValue("model", _run.Model);
        cmd.Parameters.AddWithValue("config", _run.ConfigJson);
        cmd.Parameters.AddWithValue("hash", _run.DataManifestHash);
        cmd.Parameters.AddWithValue("split", _split);
        cmd.Parameters.AddWithValue("metrics", (object?)_run.MetricsJson ?? DBNull.Value);
        cmd.ExecuteNonQuery();
    }

    public void Write(string runId, string split, ScoredBatch batch)
    {
        if (runId != _run.RunId || split != _split) throw new ArgumentException("rows of another run or split");
        var importer = _importer ?? throw new InvalidOperationException("the sink is closed");
        var p = ScoreColumns.AllTasks.Select(t => batch.Tasks.Contains(t) ? ScoreColumns.Probabilities(batch, t) : null).ToArray();
        var y = ScoreColumns.AllTasks.Select(t => batch.Tasks.Contains(t) ? ScoreColumns.Labels(batch, t) : null).ToArray();
        for (var i = 0; i < batch.Rows; i++)
        {
            importer.StartRow();
            importer.Write(runId, NpgsqlDbType.Text);
            importer.Write(split, NpgsqlDbType.Text);
            importer.Write(batch.Users[i], NpgsqlDbType.Bigint);
            importer.Write(batch.Items[i], NpgsqlDbType.Bigint);
            importer.Write(batch.Periods[i], NpgsqlDbType.Bigint);
            importer.Write(batch.Scores[i], NpgsqlDbType.Double);
            foreach (var column in p)
                if (column is null) importer.WriteNull(); else importer.Write(column[i], NpgsqlDbType.Double);
            foreach (var column in y)
                if (column is null) importer.WriteNull(); else importer.Write((short)column[i], NpgsqlDbType.Smallint);
            importer.Write((short)batch.Stages[i], NpgsqlDbType.Smallint);
        }
        _rows += batch.Rows;
    }

    public long Complete()
    {
        var copied = (long)_importer!.Complete();
        _importer.Dispose();
        _importer = null;
        if (copied != _rows) throw new InvalidOperationException($"COPY took {copied} rows of {_rows}");

        var s = _target.QuotedSchema;
        using var tx = _conn.BeginTransaction();
        // The run's row lock serialises two publishers of one run id: the second replaces the first's rows.
        Execute($"SELECT 1 FROM {s}.runs WHERE run_id = @run FOR UPDATE", tx);
        Execute($"DELETE FROM {s}.scores WHERE run_id = @run AND split = @split", tx);
        var inserted = Execute($"INSERT INTO {s}.scores ({string.Join(", ", Columns)}) SELECT {string.Join(", ", Columns)} FROM pg_temp.score_stage", tx);
        if (inserted != _rows) throw new InvalidOperationException($"published {inserted} rows of {_rows}");
        Execute($"DELETE FROM {s}.metrics WHERE run_id = @run AND split = @split", tx);
        foreach (var (metric, label, value) in TrainerMetrics())
            Execute($"INSERT INTO {s}.metrics (run_id, split, metric, label, value) VALUES (@run, @split, @metric, @label, @value)", tx,
                ("metric", metric), ("label", label), ("value", value));
        Execute($"UPDATE {s}.runs SET status = 'succeeded', finished_at = now(), rows = @rows, split = @split, error = NULL WHERE run_id = @run", tx,
            ("rows", _rows));
        tx.Commit();
        Execute("DROP TABLE IF EXISTS pg_temp.score_stage");
        _completed = true;
        return _rows;
    }

    /// The trainer's numbers for the scored split (metrics.json has valid and test), as rows.
    private IEnumerable<(string Metric, string Label, double Value)> TrainerMetrics()
    {
        if (_run.MetricsJson is null) yield break;
        using var doc = JsonDocument.Parse(_run.MetricsJson);
        if (!doc.RootElement.TryGetProperty(_split, out var m)) yield break;
        foreach (var metric in new[] { "auc", "gauc", "ndcg", "logloss" })
            if (m.TryGetProperty(metric, out var values))
                foreach (var v in values.EnumerateObject())
                    if (v.Value.ValueKind == JsonValueKind.Number)
                        yield return (metric, v.Name, v.Value.GetDouble());
    }

    /// Marks the run failed, on a new connection: the sink's own may be the thing that broke.
    public void Fail(string reason)
    {
        // Cancels the COPY (the staging table goes with the session); on a dead connection that throws too,
        // and the original failure is the one to report.
        try { _importer?.Dispose(); }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException) { }
        _importer = null;
        try
        {
            using var conn = _target.Open();
            using var cmd = new NpgsqlCommand(
                $"UPDATE {_target.QuotedSchema}.runs SET status = 'failed', finished_at = now(), error = @error WHERE run_id = @run", conn);
            cmd.Parameters.AddWithValue("error", reason);
            cmd.Parameters.AddWithValue("run", _run.RunId);
            cmd.ExecuteNonQuery();
        }
        catch (Exception e) when (e is NpgsqlException or PostgresUnavailableException)
        {
            // Nothing was published either way; the run stays 'running' until `mtlds runs` (or any reader
            // of runs) sees that this session's lock is gone and marks it interrupted.
        }
    }

    private int Execute(string sql, NpgsqlTransaction? tx = null, params (string Name, object Value)[] parameters)
    {
        // No timeout: publishing millions of rows takes as long as it takes; a lost server still fails fast.
        using var cmd = new NpgsqlCommand(sql, _conn, tx) { CommandTimeout = 0 };
        if (sql.Contains("@run", StringComparison.Ordinal)) cmd.Parameters.AddWithValue("run", _run.RunId);
        if (sql.Contains("@split", StringComparison.Ordinal)) cmd.Parameters.AddWithValue("split", _split);
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
        return cmd.ExecuteNonQuery();
    }

    public void Dispose()
    {
        if (!_completed && _importer is not null) Fail("scoring stopped before its rows were published");
        try { _importer?.Dispose(); } catch (NpgsqlException) { } // a broken connection cannot cancel its COPY
        _conn.Dispose();
    }
}
