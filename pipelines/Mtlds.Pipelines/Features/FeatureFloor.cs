using System.Diagnostics;
using DuckDB.NET.Data;
using Mtlds.Pipelines.Diagnostics;
using Mtlds.Pipelines.Ingestion;

namespace Mtlds.Pipelines.Features;

/// The least a feature build with this output can take on DuckDB, timed in one session on a canonical CSV log
/// with impressions: load its rows into a table, drop duplicates (sql/features/01), group them into
/// interactions (02), store the interactions an append reads (the build's `_interactions/` file, written by
/// the build's own statement), and write the finished periods, already joined and sorted and held in tables,
/// as the build's Parquet files (one per period; until the build wrote periods, three split files). Everything
/// else a build does (the feature windows, the joins, the sort by list, the statistics) comes on top. Set against
/// one plain scan of the same file, it says how close to that yardstick any build of this dataset can get.
public static class FeatureFloor
{
    public sealed record Result(double ScanSeconds, double LoadSeconds, double DedupSeconds, double GroupSeconds, double StoreSeconds, double WriteSeconds)
    {
        public double Seconds => LoadSeconds + DedupSeconds + GroupSeconds + StoreSeconds + WriteSeconds;
        public double ScanRatio => Seconds / ScanSeconds;
    }

    /// The build of the same log against its floor, in rounds that time one right after the other.
    public sealed record Pairing(IReadOnlyList<double> BuildSeconds, IReadOnlyList<Result> Floors)
    {
        /// Each round's build over its floor.
        public IReadOnlyList<double> Ratios => BuildSeconds.Zip(Floors, (b, f) => b / f.Seconds).ToList();

        public double Ratio => Median.Of(Ratios);

        /// The floor of the median time, with its parts.
        public Result MedianFloor => Median.By(Floors, f => f.Seconds);
    }

    /// Times `rounds` pairs of a full build (FeatureBuilder, canonical source) and the floor of the same log,
    /// alternating which of the two goes first. A ratio of two timings taken minutes apart says as much about
    /// the machine as about the build: here a single build over a single floor timed about three minutes later
    /// gave 2.05 to 2.83 over four runs of the same code, each part moving by a fifth. One floor runs first and is
    /// not counted: run right after `mtlds bench` generated the log, the first round's floor took 16.1 s against
    /// 8.6–8.8 s in the later ones (its dedup 5.3 s against 1.6–1.8 s) and its round's ratio was 1.16, not 2.0.
    public static Pairing MeasureAgainstBuild(string csv, string workDir, int rounds, Action<string>? log = null)
    {
        if (rounds < 1) throw new ArgumentOutOfRangeException(nameof(rounds), rounds, "at least one round");
        var builds = new List<double>();
        var floors = new List<Result>();
        var buildDir = Path.Combine(workDir, "build");
        try
        {
            log?.Invoke($"warm-up: floor {Measure(csv, workDir).Seconds:F2} s (not counted)");
            for (var r = 0; r < rounds; r++)
            {
                if (r % 2 == 0) { Floor(r); Build(r); }
                else { Build(r); Floor(r); }
            }
        }
        finally
        {
            if (Directory.Exists(buildDir)) Directory.Delete(buildDir, recursive: true);
        }
        return new Pairing(builds, floors);

        void Build(int r)
        {
            var clock = Stopwatch.StartNew();
            new FeatureBuilder().Build(new FeatureOptions { Source = "canonical", EventsPath = csv, OutDir = buildDir });
            builds.Add(clock.Elapsed.TotalSeconds);
            log?.Invoke($"round {r + 1}: build {builds[^1]:F2} s");
        }

        void Floor(int r)
        {
            floors.Add(Measure(csv, workDir, log));
            log?.Invoke($"round {r + 1}: floor {floors[^1].Seconds:F2} s");
        }
    }

    public static Result Measure(string csv, string workDir, Action<string>? log = null)
    {
        Directory.CreateDirectory(workDir);
        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        var scans = new List<double>();
        void Scan() => scans.Add(Time(db, FeatureBenchmark.ScanSql(csv)));

        Scan();
        var load = Time(db, $"CREATE TABLE raw_events AS SELECT * FROM {EventIngestor.ReadCsv(csv, header: true)}");
        var options = new FeatureOptions { Source = "canonical", EventsPath = csv, OutDir = workDir };
        double dedup = 0, group = 0;
        FeatureBuilder.LoadPriorInteractions(db); // none: a full build
        foreach (var (file, sql) in SqlScript.Load(options.SqlDirectory).Statements(options.SqlVariables(0, 0)))
        {
            var seconds = Time(db, sql);
            if (file.StartsWith("01_", StringComparison.Ordinal)) dedup += seconds;
            else if (file.StartsWith("02_", StringComparison.Ordinal)) group += seconds;
        }
        // Every build writes this file (an append reads it), so the floor does too, by the build's statement.
        var stored = Path.Combine(workDir, "floor-interactions.parquet");
        var store = Time(db, FeatureBuilder.StoreInteractionsSql(0, stored));
        File.Delete(stored);
        log?.Invoke($"floor: load {load:F2} s, duplicates dropped {dedup:F2} s, interactions {group:F2} s, interactions stored {store:F2} s");
        Scan();

        // The periods as the build writes them (one file each, sorted by list), made into tables first (not
        // timed), the rest dropped.
        var columns = string.Join(", ", FeatureBuilder.Query(db, "SELECT column_name FROM (DESCRIBE dataset)", r => r.GetString(0)));
        var periods = FeatureBuilder.SamplePeriods(db);
        foreach (var period in periods)
            Time(db, $"CREATE TABLE final_{period} AS SELECT {columns} FROM dataset WHERE period = {period} ORDER BY user_id, item_id");
        foreach (var view in FeatureBuilder.Views(db))
            Time(db, $"DROP VIEW \"{view}\""); // dataset, and samples (a view over interactions and the draws)
        foreach (var table in FeatureBuilder.Tables(db).Where(t => !t.StartsWith("final_", StringComparison.Ordinal)))
            Time(db, $"DROP TABLE \"{table}\"");
        double write = 0;
        foreach (var period in periods)
        {
            var file = Path.Combine(workDir, $"floor-period={period}.parquet");
            write += Time(db, $"COPY final_{period} TO '{file.Replace("'", "''")}' (FORMAT parquet)");
            File.Delete(file);
        }
        log?.Invoke($"floor: writing the finished periods {write:F2} s");
        Scan();
        return new Result(Median.Of(scans), load, dedup, group, store, write);
    }

    private static double Time(DuckDBConnection db, string sql)
    {
        var clock = Stopwatch.StartNew();
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        using (var r = cmd.ExecuteReader()) while (r.Read()) { }
        return clock.Elapsed.TotalSeconds;
    }
}
