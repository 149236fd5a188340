using System.Text.Json;
using Mtlds.Model.Training;
using Mtlds.Pipelines.Scoring;
using Npgsql;
using NpgsqlTypes;

namespace Mtlds.Pipelines.Postgres;

/// Score rows into PostgreSQL. `scores` is partitioned by run (sql/postgres/0003): a run's rows are one
/// partition. The run is registered as running; then one transaction locks the run's row (publishers of one
/// run id take turns; the later one replaces the earlier one's rows) and streams the rows by binary COPY into
/// a new table shaped like `scores`. Complete keeps the run's rows of other splits, indexes the new table,
/// drops the run's old partition, attaches the new one, computes and stores the split's metrics (beside the
/// trainer's), marks the run succeeded and commits: replacing a run is a drop and an attach, never a DELETE
/// of its rows, and a published run's metrics are never computed again when read. Until the
/// commit readers see the old rows and none of the new; a failure or a dropped connection rolls it all back
/// (the new table with it), and the run is marked failed. (The primary key is built once the rows are in:
/// 1M rows publish at 1.6–1.8× psql's \copy into the partition, docs/performance.md.)
public sealed class PostgresScoreSink : IScoreSink
{
    private static readonly string[] Columns =
        ["run_id", "split", "user_id", "item_id", "period", "score", "p_click", "p_cart", "p_purchase", "y_click", "y_cart", "y_purchase", "stage",
            "category_id", "user_clicks_7p"];

    private readonly PostgresTarget _target;
    private readonly RunRegistration _run;
    private readonly string _split;
    private readonly NpgsqlConnection _conn;
    private readonly NpgsqlTransaction _tx;
    private NpgsqlBinaryImporter? _importer;
    private readonly string _partition;
    private long _rows;
    private bool _completed;

    /// The name of a run's partition of `scores`, as {schema}.score_partition(run_id) computes it.
    public static string Partition(string runId) =>
        "scores_" + Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(runId)));

    private string NewTable => $"{_target.QuotedSchema}.{_partition}_new";

    public PostgresScoreSink(PostgresTarget target, RunRegistration run, string split)
    {
        RunId.Validate(run.RunId);
        _partition = Partition(run.RunId);
        _target = target;
        _run = run;
        _split = split;
        // Opening, migrating, registering and starting the COPY repeat from scratch on a transient error.
        (_conn, _tx, _importer) = TransientRetry.Run(target, $"run {run.RunId}", () =>
        {
            var conn = target.OpenOnce();
            try
            {
                new Migrator(target).Apply(conn);
                RunLiveness.Hold(conn, target, run.RunId); // before the row says 'running': see RunLiveness
                Register(conn);
                var tx = conn.BeginTransaction();
                Execute(conn, tx, $"SELECT 1 FROM {target.QuotedSchema}.runs WHERE run_id = @run FOR UPDATE");
                // A partition is written once: COPY FREEZE (allowed on a table created in this transaction)
                // writes its rows frozen and its pages all-visible, and its statistics are taken before the
                // commit, so autovacuum would have nothing to do but analyze it again (the COPY's row counts
                // reach the statistics collector after our ANALYZE) and, meanwhile, hold a lock that a prune's
                // DROP waits for (a deadlock_timeout, 1 s, before the worker is cancelled). Wraparound
                // vacuums still run; they skip frozen pages.
                Execute(conn, tx, $"CREATE TABLE {NewTable} (LIKE {target.QuotedSchema}.scores INCLUDING DEFAULTS INCLUDING CONSTRAINTS) "
                    + "WITH (autovacuum_enabled = off, toast.autovacuum_enabled = off)");
                return (conn, tx, conn.BeginBinaryImport($"COPY {NewTable} ({string.Join(", ", Columns)}) FROM STDIN (FORMAT BINARY, FREEZE)"));
            }
            catch
            {
                conn.Dispose();
                throw;
            }
        });
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

    /// Seconds that computing and storing the split's metrics took at Complete (inside the transaction).
    public double MetricsSeconds { get; private set; }

    /// work_mem for the metric sorts: room for the split's rows (about 100 bytes each as sorted), within
    /// [64 MB, 1 GB]; each sort of the query takes this at most (each parallel worker its own), and a
    /// process runs its sorts one after another.
    private static long SortMemoryMb(long rows) => Math.Clamp(rows * 100 >> 20, 64, 1024);

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
            if (batch.Categories is { } categories) importer.Write(categories[i], NpgsqlDbType.Bigint); else importer.WriteNull();
            if (batch.UserClicks7p is { } clicks) importer.Write(clicks[i], NpgsqlDbType.Integer); else importer.WriteNull();
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
        var old = $"{s}.{_partition}";
        var hasOld = Scalar($"SELECT to_regclass('{old}') IS NOT NULL") is true;
        // The run's rows of other splits stay (a run scored split by split keeps them all).
        if (hasOld) Execute(_conn, _tx, $"INSERT INTO {NewTable} SELECT * FROM {old} WHERE split <> @split");
        // The partition's key and a CHECK that lets ATTACH skip its validating scan (the id is validated: no quote).
        Execute(_conn, _tx, $"ALTER TABLE {NewTable} ADD PRIMARY KEY (run_id, split, user_id, period, item_id), "
            + $"ADD CONSTRAINT {_partition}_run CHECK (run_id = '{_run.RunId}')");

        if (hasOld) Execute(_conn, _tx, $"DROP TABLE {old}");
        Execute(_conn, _tx, $"ALTER TABLE {NewTable} RENAME TO {_partition}");
        Execute(_conn, _tx, $"ALTER TABLE {s}.scores ATTACH PARTITION {old} FOR VALUES IN ('{_run.RunId}')");

        // Every metric of the split, computed once from the rows just attached (sql/postgres/0004), stored
        // beside the trainer's numbers: `evaluation` reads them and never sorts the run's rows again. The
        // sorts get memory for the run's rows (the server's default, 4 MB, would spill them to disk).
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Execute(_conn, _tx, $"SET LOCAL work_mem = '{SortMemoryMb(_rows)}MB'");
        Execute(_conn, _tx, "SET LOCAL jit = off"); // compiling the large plan would cost more than it saves, once
        Execute(_conn, _tx, $"ANALYZE {old}"); // the new partition's statistics, for the plan
        Execute(_conn, _tx, $"DELETE FROM {s}.metrics WHERE run_id = @run AND split = @split");
        // Selected, then inserted: PostgreSQL runs an INSERT … SELECT without parallel workers.
        var computed = new List<(string Metric, string Label, object Value, long Rows)>();
        using (var cmd = new NpgsqlCommand($"SELECT metric, label, value, rows FROM {s}.evaluation_of('all', @run, @split)", _conn, _tx) { CommandTimeout = 0 })
        {
            cmd.Parameters.AddWithValue("run", _run.RunId);
            cmd.Parameters.AddWithValue("split", _split);
            using var r = cmd.ExecuteReader();
            while (r.Read()) computed.Add((r.GetString(0), r.GetString(1), r.IsDBNull(2) ? DBNull.Value : r.GetDouble(2), r.GetInt64(3)));
        }
        foreach (var (metric, label, value, rows) in computed)
            Execute(_conn, _tx, $"INSERT INTO {s}.metrics (run_id, split, metric, label, value, rows) VALUES (@run, @split, @metric, @label, @value, @rows)",
                ("metric", metric), ("label", label), ("value", value), ("rows", rows));
        foreach (var (metric, label, value) in TrainerMetrics())
            Execute(_conn, _tx, $"UPDATE {s}.metrics SET trainer = @value WHERE run_id = @run AND split = @split AND metric = @metric AND label = @label",
                ("metric", metric), ("label", label), ("value", value));
        MetricsSeconds = clock.Elapsed.TotalSeconds;
        Execute(_conn, _tx, $"UPDATE {s}.runs SET status = 'succeeded', finished_at = now(), rows = @rows, split = @split, error = NULL WHERE run_id = @run",
            ("rows", _rows));
        _tx.Commit();
        _completed = true;
        return _rows;
    }

    /// The trainer's numbers for the scored split (metrics.json has valid and test), as rows.
    private IEnumerable<(string Metric, string Label, double Value)> TrainerMetrics()
    {
        if (_run.MetricsJson is null) yield break;
        using var doc = JsonDocument.Parse(_run.MetricsJson);
        if (!doc.RootElement.TryGetProperty(_split, out var m)) yield break;
        foreach (var metric in Model.Metrics.SplitMetrics.Names)
            if (m.TryGetProperty(metric, out var values))
                foreach (var v in values.EnumerateObject())
                    if (v.Value.ValueKind == JsonValueKind.Number)
                        yield return (metric, v.Name, v.Value.GetDouble());
    }

    /// Rolls the transaction back and marks the run failed, on a new connection: the sink's own may be the
    /// thing that broke.
    public void Fail(string reason)
    {
        // Cancelling the COPY and rolling back throw on a dead connection too; the server has rolled back
        // then, and the original failure is the one to report. The rollback comes first: the open transaction
        // holds the run's row lock that the update below needs.
        try { _importer?.Dispose(); }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException) { }
        _importer = null;
        try { _tx.Rollback(); }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException) { }
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

    private object? Scalar(string sql)
    {
        using var cmd = new NpgsqlCommand(sql, _conn, _tx);
        return cmd.ExecuteScalar();
    }

    private int Execute(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, params (string Name, object Value)[] parameters)
    {
        // No timeout: publishing millions of rows takes as long as it takes; a lost server still fails fast.
        using var cmd = new NpgsqlCommand(sql, conn, tx) { CommandTimeout = 0 };
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
