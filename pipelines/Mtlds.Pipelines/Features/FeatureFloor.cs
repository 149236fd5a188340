using System.Diagnostics;
using DuckDB.NET.Data;
using Mtlds.Pipelines.Diagnostics;
using Mtlds.Pipelines.Ingestion;

namespace Mtlds.Pipelines.Features;

/// The least a feature build with this output can take on DuckDB, timed in one session on a canonical CSV log
/// with impressions: load its rows into a table, drop duplicates (sql/features/01), group them into
/// interactions (02), and write the finished splits, already joined and sorted and held in tables, as
/// Parquet. Everything else a build does (the feature windows, the joins, the sort by list, the statistics)
/// comes on top. Set against one plain scan of the same file, it says how close to that yardstick any build
/// of this dataset can get.
public static class FeatureFloor
{
    public sealed record Result(double ScanSeconds, double LoadSeconds, double DedupSeconds, double GroupSeconds, double WriteSeconds)
    {
        public double Seconds => LoadSeconds + DedupSeconds + GroupSeconds + WriteSeconds;
        public double ScanRatio => Seconds / ScanSeconds;
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
        log?.Invoke($"floor: load {load:F2} s, duplicates dropped {dedup:F2} s, interactions {group:F2} s");
        Scan();

        // The splits as the build writes them, made into tables first (not timed), the rest dropped.
        var columns = string.Join(", ", FeatureBuilder.Query(db, "SELECT column_name FROM (DESCRIBE dataset)", r => r.GetString(0)).Where(c => c != "split"));
        foreach (var split in FeatureBuilder.SplitNames)
            Time(db, $"CREATE TABLE final_{split} AS SELECT {columns} FROM dataset WHERE split = '{split}' ORDER BY period, user_id, item_id");
        Time(db, "DROP VIEW dataset");
        foreach (var table in FeatureBuilder.Tables(db).Where(t => !t.StartsWith("final_", StringComparison.Ordinal)))
            Time(db, $"DROP TABLE \"{table}\"");
        double write = 0;
        foreach (var split in FeatureBuilder.SplitNames)
        {
            var file = Path.Combine(workDir, $"floor-{split}.parquet");
            write += Time(db, $"COPY final_{split} TO '{file.Replace("'", "''")}' (FORMAT parquet)");
            File.Delete(file);
        }
        log?.Invoke($"floor: writing the finished splits {write:F2} s");
        Scan();
        return new Result(Median.Of(scans), load, dedup, group, write);
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
