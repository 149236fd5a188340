using System.Diagnostics;
using Mtlds.Model.Training;
using Mtlds.Pipelines.Diagnostics;
using Mtlds.Pipelines.Scoring;
using Npgsql;

namespace Mtlds.Pipelines.Postgres;

/// Rows/s of publishing scores to PostgreSQL (binary COPY of a run's partition inside one transaction, the
/// partition attached) next to `psql \copy` of the same rows from a CSV file into the same table, measured in
/// the same run; with the seconds of computing the run's metrics at publish (every metric `mtlds evaluate`
/// prints, in SQL, inside the publishing transaction), of reading them back from `evaluation`, of one slicing
/// view (`evaluation_by_period`, computed from the rows) and of removing the run (dropping its partition, what
/// `mtlds runs prune` does). The rows are synthetic but shaped like real ones (three tasks, lists of 20 items,
/// five periods, users with a list a period); both runs are deleted afterwards.
public sealed class ScoreSinkBenchmark(PostgresTarget target, string workDir)
{
    /// SinkSeconds is publishing without the metrics (what psql's \copy is compared with); EvaluateSeconds the
    /// metrics at publish; ReadSeconds `SELECT … FROM evaluation`; SliceSeconds `evaluation_by_period`.
    public sealed record Result(long Rows, double SinkSeconds, double PsqlSeconds, long CsvBytes, double FileSeconds,
        double EvaluateSeconds, double ReadSeconds, double SliceSeconds, double DropSeconds)
    {
        /// Rows/s of computing every metric of the run in SQL.
        public double EvaluateRowsPerSecond => Rows / EvaluateSeconds;
        /// Rows/s of the same rows written by ScoreFileSink as CSV (the file psql then copies).
        public double FileRowsPerSecond => Rows / FileSeconds;
        public double SinkRowsPerSecond => Rows / SinkSeconds;
        public double PsqlRowsPerSecond => Rows / PsqlSeconds;
        /// psql's time over ours: ≥ 1 means at least as fast as psql \copy.
        public double PsqlCopyRatio => PsqlSeconds / SinkSeconds;
    }

    /// Rounds of (our sink, psql \copy), each pair on fresh run ids deleted after the round; the medians are
    /// reported. The CSV file psql reads is written once, by ScoreFileSink, and that write is timed too.
    public int Rounds { get; init; } = 3;

    public Result Run(long rows, Action<string>? log = null)
    {
        Directory.CreateDirectory(workDir);
        var id = Guid.NewGuid().ToString("N")[..8];
        var csv = Path.Combine(workDir, $"scores-{id}.csv");
        var psqlRun = $"bench-psql-{id}"; // the run id inside the CSV file; its rows are deleted after each round
        var sinkTimes = new List<double>();
        var psqlTimes = new List<double>();
        var evaluateTimes = new List<double>();
        var readTimes = new List<double>();
        var sliceTimes = new List<double>();
        var dropTimes = new List<double>();
        double fileSeconds;
        long bytes;
        try
        {
            var clock = Stopwatch.StartNew();
            using (var file = new ScoreFileSink(csv, ScoreColumns.AllTasks))
            {
                foreach (var batch in SyntheticBatches(rows)) file.Write(psqlRun, "test", batch);
                file.Complete();
            }
            fileSeconds = clock.Elapsed.TotalSeconds;
            bytes = new FileInfo(csv).Length;
            log?.Invoke($"score → CSV file: {rows:N0} rows ({bytes / 1e6:F0} MB) in {fileSeconds:F2} s");
            for (var round = 1; round <= Rounds; round++)
            {
                var (sink, psql, metrics, read, slice, drop) = Round(rows, csv, psqlRun);
                sinkTimes.Add(sink);
                psqlTimes.Add(psql);
                evaluateTimes.Add(metrics);
                readTimes.Add(read);
                sliceTimes.Add(slice);
                dropTimes.Add(drop);
                log?.Invoke($"round {round}: score → PostgreSQL {rows:N0} rows in {sink:F2} s + metrics {metrics:F2} s; psql \\copy in {psql:F2} s; "
                    + $"evaluation read in {read:F3} s; by period {slice:F2} s; run removed in {drop:F3} s");
            }
        }
        finally
        {
            File.Delete(csv);
        }
        return new Result(rows, Median.Of(sinkTimes), Median.Of(psqlTimes), bytes, fileSeconds, Median.Of(evaluateTimes),
            Median.Of(readTimes), Median.Of(sliceTimes), Median.Of(dropTimes));
    }

    private (double Sink, double Psql, double Metrics, double Read, double Slice, double Drop) Round(long rows, string csv, string psqlRun)
    {
        var sinkRun = $"bench-sink-{Guid.NewGuid().ToString("N")[..8]}";
        var registration = new RunRegistration(sinkRun, "mtlds", "{}", "bench", null);
        double sinkSeconds, evaluateSeconds, readSeconds, sliceSeconds, psqlSeconds;
        try
        {
            var clock = Stopwatch.StartNew();
            using (var sink = new PostgresScoreSink(target, registration, "test"))
            {
                foreach (var batch in SyntheticBatches(rows)) sink.Write(sinkRun, "test", batch);
                sink.Complete();
                evaluateSeconds = sink.MetricsSeconds;
            }
            sinkSeconds = clock.Elapsed.TotalSeconds - evaluateSeconds;
            readSeconds = Seconds($"SELECT count(value) FROM {target.QuotedSchema}.evaluation WHERE run_id = @run", sinkRun);
            sliceSeconds = Seconds($"SELECT count(value) FROM {target.QuotedSchema}.evaluation_by_period WHERE run_id = @run", sinkRun); // count(value): with count(*) PostgreSQL skips the windows nobody reads
            using (var sink = new PostgresScoreSink(target, registration with { RunId = psqlRun }, "test")) { } // registers the run
            using (var conn = target.Open())
            using (var partition = new NpgsqlCommand(
                $"CREATE TABLE {target.QuotedSchema}.{PostgresScoreSink.Partition(psqlRun)} PARTITION OF {target.QuotedSchema}.scores FOR VALUES IN ('{psqlRun}')", conn))
                partition.ExecuteNonQuery(); // psql copies into the run's partition, as the sink does
            psqlSeconds = Psql(csv);
        }
        finally
        {
            Remove(psqlRun);
        }
        return (sinkSeconds, psqlSeconds, evaluateSeconds, readSeconds, sliceSeconds, Remove(sinkRun));
    }

    /// Seconds of a query over one run's rows, as an analyst would run it (the server's own settings).
    private double Seconds(string sql, string runId)
    {
        using var conn = target.Open();
        var clock = Stopwatch.StartNew();
        using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        cmd.Parameters.AddWithValue("run", runId);
        cmd.ExecuteScalar();
        return clock.Elapsed.TotalSeconds;
    }

    /// Deletes a run (its partition dropped by the trigger on runs); returns the seconds it took.
    private double Remove(string runId)
    {
        using var conn = target.Open();
        var clock = Stopwatch.StartNew();
        using var cmd = new NpgsqlCommand($"DELETE FROM {target.QuotedSchema}.runs WHERE run_id = @run", conn);
        cmd.Parameters.AddWithValue("run", runId);
        cmd.ExecuteNonQuery();
        return clock.Elapsed.TotalSeconds;
    }

    /// Deterministic score rows, 65,520 per batch, lists of 20 items per (user, period), five periods a user,
    /// three tasks; 50 categories and users' clicks over the 7 periods before spread over 0..299 (a seventh of users none).
    public static IEnumerable<ScoredBatch> SyntheticBatches(long rows, int seed = 1)
    {
        var rng = new Random(seed);
        const int size = 65_520; // a multiple of 20: whole lists
        for (long done = 0; done < rows; done += size)
        {
            var n = (int)Math.Min(size, rows - done);
            var users = new long[n];
            var items = new long[n];
            var periods = new long[n];
            var categories = new long[n];
            var clicks = new int[n];
            var stages = new int[n];
            var p = new double[3][];
            for (var t = 0; t < 3; t++) p[t] = new double[n];
            var scores = new double[n];
            for (var i = 0; i < n; i++)
            {
                var row = done + i;
                users[i] = 1_000_000 + row / 100;
                items[i] = 5_000_000 + row % 20;
                periods[i] = 17_500 + row / 20 % 5;
                categories[i] = 100 + row * 7919 % 50;
                clicks[i] = users[i] % 7 == 0 ? 0 : (int)(users[i] * 31 % 300);
                stages[i] = rng.Next(10) switch { < 7 => 0, < 9 => 1, _ => rng.Next(2, 4) };
                for (var t = 0; t < 3; t++) p[t][i] = rng.NextDouble() / (t + 1);
                scores[i] = p[0][i] + p[1][i] + p[2][i];
            }
            yield return new ScoredBatch(ScoreColumns.AllTasks, p, scores, stages, users, items, periods, Lists(n))
            { Categories = categories, UserClicks7p = clicks };
        }
    }

    /// Lists of 20 rows: a batch starts at a multiple of 20 rows, so its lists are whole.
    private static List<(int Start, int Length)> Lists(int n)
    {
        var lists = new List<(int, int)>(n / 20 + 1);
        for (var start = 0; start < n; start += 20) lists.Add((start, Math.Min(20, n - start)));
        return lists;
    }

    private double Psql(string csv)
    {
        var b = new NpgsqlConnectionStringBuilder(target.ConnectionString);
        var psi = new ProcessStartInfo("psql") { RedirectStandardError = true, RedirectStandardOutput = true };
        // Connection details through libpq's environment: the password never appears in a process list.
        psi.Environment["PGHOST"] = b.Host;
        psi.Environment["PGPORT"] = b.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["PGUSER"] = b.Username;
        psi.Environment["PGDATABASE"] = b.Database;
        if (b.Password is not null) psi.Environment["PGPASSWORD"] = b.Password;
        psi.ArgumentList.Add("-v");
        psi.ArgumentList.Add("ON_ERROR_STOP=1");
        psi.ArgumentList.Add("-qc");
        var columns = string.Join(", ", ScoreColumns.For(ScoreColumns.AllTasks));
        psi.ArgumentList.Add($"\\copy {target.QuotedSchema}.scores ({columns}) FROM '{csv.Replace("'", "''")}' WITH (FORMAT csv, HEADER true)");
        var clock = Stopwatch.StartNew();
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e) { throw new ConfigurationException($"psql is not installed ({e.Message}); install postgresql-client"); }
        using (p)
        {
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"psql \\copy failed: {err.Result.Trim()}");
        }
        return clock.Elapsed.TotalSeconds;
    }
}
