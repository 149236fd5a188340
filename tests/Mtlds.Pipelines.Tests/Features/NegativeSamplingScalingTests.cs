using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DuckDB.NET.Data;
using Mtlds.Pipelines.Diagnostics;
using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Generation;
using Mtlds.Pipelines.Ingestion;
using Mtlds.Pipelines.Sources;
using Mtlds.Pipelines.Tests.Fixtures;

namespace Mtlds.Pipelines.Tests.Features;

/// Runs alone: the timing below would be disturbed by other test classes on the same two cores.
[CollectionDefinition(nameof(TimedAlone), DisableParallelization = true)]
public sealed class TimedAlone;

/// Negative sampling (sql/features/03_negatives.sql) is the hot path of every real log (none has impressions).
/// It was quadratic in a period's events once (draws joined to every ticket of their period: 3.9 billion rows
/// for a 108k-event log); these tests fail if it comes back. A log is doubled by copying its users under new
/// ids, so each period holds twice the events, as the issue that found it did.
[Collection(nameof(TimedAlone))]
[Trait("Category", "Slow")]
public sealed class NegativeSamplingScalingTests : IDisposable
{
    private readonly string _dir = TestData.TempDir("negscale");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Doubling_a_log_without_impressions_at_most_doubles_the_rows_the_negative_step_processes()
    {
        var (single, doubled) = Logs(users: 1_000);
        var (_, rowsSingle) = NegativeStep(single);
        var (_, rowsDoubled) = NegativeStep(doubled);
        var ratio = (double)rowsDoubled / rowsSingle;
        // Every operator's output rows, summed (DuckDB's profile): deterministic, unlike time. Linear gives 2.
        Assert.True(ratio <= 2.3, $"rows processed by 03_negatives grew {ratio:F2}× when the log doubled ({rowsSingle:N0} -> {rowsDoubled:N0})");
        Assert.True(ratio >= 1.7, $"the doubled log should do about twice the work; it did {ratio:F2}× ({rowsSingle:N0} -> {rowsDoubled:N0})");
    }

    [Fact]
    public void Doubling_a_log_without_impressions_at_most_doubles_the_negative_step_time()
    {
        // About 250k and 500k events: the step takes one to a few seconds, measurable without noise ruling.
        var (single, doubled) = Logs(users: 2_500);
        NegativeStep(single); // warm-up: file cache, DuckDB's first allocations
        var a = new List<double>();
        var b = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            a.Add(NegativeStep(single).Seconds);
            b.Add(NegativeStep(doubled).Seconds);
        }
        var ratio = Median.Of(b) / Median.Of(a);
        Assert.True(ratio <= 2.3,
            $"03_negatives took {ratio:F2}× as long on a log twice the size (medians {Median.Of(a):F2} s -> {Median.Of(b):F2} s; quadratic gives about 4)");
    }

    /// A Taobao-shaped log of `users` users and the same log with every user copied once under a new id.
    private (string Single, string Doubled) Logs(int users)
    {
        var single = Path.Combine(_dir, $"taobao-{users}.csv");
        new TaobaoShapedLogGenerator(new TaobaoShapeOptions { Users = users, Items = 4 * users, Categories = Math.Max(5, users / 110), Seed = 5 }).Write(single);
        var doubled = Path.Combine(_dir, $"taobao-{users}-doubled.csv");
        var lines = File.ReadAllLines(single);
        using (var w = new StreamWriter(doubled) { NewLine = "\n" })
        {
            foreach (var line in lines) w.WriteLine(line);
            foreach (var line in lines)
            {
                var comma = line.IndexOf(',');
                w.WriteLine($"{long.Parse(line.AsSpan(0, comma), CultureInfo.InvariantCulture) + 100_000_000}{line.AsSpan(comma)}");
            }
        }
        return (single, doubled);
    }

    /// Runs sql/features up to and including 03_negatives on the log; the 03 statements' time and the rows
    /// every operator of them output, summed.
    private static (double Seconds, long Rows) NegativeStep(string log)
    {
        var options = new FeatureOptions { Source = "taobao", EventsPath = log, OutDir = "unused" };
        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        var rejectsFile = Path.Combine(Path.GetDirectoryName(log)!, $"rejects-{Guid.NewGuid():N}.csv");
        try
        {
            using (var rejects = new RejectsWriter(rejectsFile))
                new EventIngestor(EventSources.Get("taobao"), TimeWindow.Create(null, null, DateTimeOffset.UtcNow)).Ingest(db, log, rejects);
        }
        finally { File.Delete(rejectsFile); }
        FeatureBuilder.LoadPriorInteractions(db);
        var profile = Path.Combine(Path.GetDirectoryName(log)!, $"profile-{Guid.NewGuid():N}.json");
        double seconds = 0;
        long rows = 0;
        try
        {
            foreach (var (file, sql) in SqlScript.Load().Statements(options.SqlVariables(0, options.Negatives)))
            {
                if (string.CompareOrdinal(file, "04") > 0) break;
                var negatives = file.StartsWith("03_", StringComparison.Ordinal);
                if (negatives) Execute(db, $"PRAGMA enable_profiling = 'json'; PRAGMA profiling_output = '{profile}'");
                var clock = Stopwatch.StartNew();
                Execute(db, sql);
                if (!negatives) continue;
                seconds += clock.Elapsed.TotalSeconds;
                // DDL writes no profile; a query's is read and removed, so none is counted twice.
                if (File.Exists(profile))
                {
                    using (var json = JsonDocument.Parse(File.ReadAllText(profile)))
                        rows += json.RootElement.GetProperty("cumulative_cardinality").GetInt64();
                    File.Delete(profile);
                }
                Execute(db, "PRAGMA disable_profiling");
            }
        }
        finally { File.Delete(profile); }
        Assert.True(rows > 0, "the profile counted no rows: is 03_negatives still in the script?");
        return (seconds, rows);
    }

    private static void Execute(DuckDBConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
