using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using DuckDB.NET.Data;
using Mtlds.Pipelines.Ingestion;
using Mtlds.Pipelines.Sources;

namespace Mtlds.Pipelines.Features;

/// Builds a dataset on DuckDB in-process: loads the raw files (the engine-specific step), runs sql/features,
/// writes train/valid/test, rejects.csv and manifest.json. Everything is written to a staging folder first and
/// renamed into place at the end: a failed build leaves the output folder as it was.
public sealed class FeatureBuilder
{
    public static readonly IReadOnlyList<string> SplitNames = ["train", "valid", "test"];

    /// Called with a short description of each step as it starts.
    public Action<string>? OnStep { get; init; }

    /// Called with the number of raw rows read so far.
    public Action<long>? OnRowsRead { get; init; }

    public Manifest Build(FeatureOptions options)
    {
        options.Validate();
        var source = EventSources.Get(options.Source);
        var script = SqlScript.Load(options.SqlDirectory);
        var window = TimeWindow.Create(options.From, options.To, options.RunStart ?? DateTimeOffset.UtcNow);
        var outDir = Path.GetFullPath(options.OutDir);
        Directory.CreateDirectory(outDir);
        var staging = Directory.CreateDirectory(Path.Combine(outDir, $".staging-{Guid.NewGuid():N}")).FullName;
        try
        {
            using var db = new DuckDBConnection("DataSource=:memory:");
            db.Open();
            // Memory bounded from the machine, spilling beside the output: a build larger than memory spills
            // instead of failing, the spill goes where the output goes (not the working directory), and it is
            // removed with the staging folder, whatever the build's end.
            var spill = Directory.CreateDirectory(Path.Combine(staging, "spill")).FullName;
            Execute(db, $"SET memory_limit = '{DuckDbMemoryLimitMb()}MB'; SET temp_directory = '{Sql(spill)}'", "settings");

            OnStep?.Invoke("reading raw events");
            IngestResult ingest;
            using (var rejects = new RejectsWriter(Path.Combine(staging, "rejects.csv")))
                ingest = new EventIngestor(source, window).Ingest(db, options.EventsPath, rejects, OnRowsRead);
            if (ingest.RowsAccepted == 0)
                throw new InputException(
                    $"{options.EventsPath}: none of the {ingest.RowsRead} rows was accepted (reasons: {string.Join(", ", ingest.RejectedByReason.Select(r => $"{r.Key} {r.Value}"))})");

            var tzOffset = TimezoneOffset(options.Timezone, ingest.MinTs, ingest.MaxTs);
            var hasImpressions = ingest.AcceptedByBehavior.ContainsKey(Behavior.Impression);
            var negatives = hasImpressions ? 0 : options.Negatives;
            var variables = options.SqlVariables(tzOffset, negatives);
            var statements = script.Statements(variables).ToList();
            (long Events, long Duplicates, SortedDictionary<string, long> ByBehavior)? eventCounts = null;
            for (var i = 0; i < statements.Count; i++)
            {
                var (file, sql) = statements[i];
                if (i == 0 || statements[i - 1].File != file) OnStep?.Invoke($"sql/features/{file}");
                Execute(db, sql, file);
                // The manifest's event counts, taken as soon as `events` exists: it is dropped when done with.
                if (eventCounts is null && Tables(db).Contains("events"))
                {
                    var events = Scalar(db, "SELECT COUNT(*) FROM events");
                    eventCounts = (events, ingest.RowsAccepted - events, new SortedDictionary<string, long>(Query(db,
                        "SELECT behavior, COUNT(*) FROM events GROUP BY behavior", r => (r.GetString(0), r.GetInt64(1)))
                        .ToDictionary(x => x.Item1, x => x.Item2)));
                }
                DropUnused(db, statements.Skip(i + 1).Select(s => s.Sql));
            }
            if (eventCounts is not { } counted) throw new InvalidOperationException("sql/features created no `events` table");

            var featureColumns = Query(db, "SELECT column_name FROM (DESCRIBE dataset)", r => r.GetString(0))
                .Where(c => c != "split" && !FeatureCatalog.SampleColumns.Contains(c)).ToList();
            var columns = FeatureCatalog.SampleColumns.Concat(featureColumns).ToList();

            OnStep?.Invoke("writing splits");
            var ext = options.Format == "csv" ? "csv" : "parquet";
            var formatClause = options.Format == "csv" ? "FORMAT csv, HEADER true" : "FORMAT parquet";
            foreach (var split in SplitNames)
            {
                OnStep?.Invoke($"writing {split}.{ext}");
                // Sorted by list (period, user): the trainer reads whole lists without sorting again.
                Execute(db, $"COPY (SELECT {string.Join(", ", columns)} FROM dataset WHERE split = '{split}' "
                    + $"ORDER BY period, user_id, item_id) TO '{Sql(Path.Combine(staging, $"{split}.{ext}"))}' ({formatClause})", "export");
            }
            // Counts and statistics from the written files: columnar and small, unlike the view behind them.
            var read = options.Format == "csv" ? "read_csv" : "read_parquet";
            string SplitFile(string split) => $"{read}('{Sql(Path.Combine(staging, $"{split}.{ext}"))}')";
            OnStep?.Invoke("counting samples, lists and labels");
            var splits = SplitNames.ToDictionary(s => s, s => Summarise(db, SplitFile(s), $"{s}.{ext}"));
            OnStep?.Invoke("feature statistics on train");
            var features = options.Format == "csv"
                ? SqlFeatureStatistics(db, SplitFile("train"), featureColumns)
                : FeatureStatistics.OfParquet(Path.Combine(staging, $"train.{ext}"), featureColumns)
                    .Select((m, i) => Define(featureColumns[i], m.Mean, m.Std)).ToList();

            var manifest = new Manifest
            {
                Source = source.Name,
                Inputs = ingest.Files,
                Period = options.Period,
                PeriodSeconds = options.PeriodSeconds,
                Timezone = options.Timezone,
                TzOffsetSeconds = tzOffset,
                Seed = options.Seed,
                Negatives = options.Negatives,
                NegativesDrawnPerEngaged = negatives,
                RowsRead = ingest.RowsRead,
                RowsAccepted = ingest.RowsAccepted,
                RowsRejected = ingest.RowsRejected,
                RejectedByReason = new SortedDictionary<string, long>(ingest.RejectedByReason.ToDictionary()),
                DuplicatesDropped = counted.Duplicates,
                Events = counted.Events,
                EventsByBehavior = counted.ByBehavior,
                Splits = splits,
                SampleColumns = FeatureCatalog.SampleColumns,
                Features = features,
                SqlHash = script.Hash(),
                Format = options.Format,
            };
            File.WriteAllText(Path.Combine(staging, "manifest.json"), JsonSerializer.Serialize(manifest, Manifest.Json) + "\n");

            // Publish: the old manifest goes first, then the data files, the new manifest last, each by rename
            // (atomic on one file system). Killed half-way, the folder has no manifest, and readers refuse it
            // rather than pair an old manifest with new data.
            File.Delete(Path.Combine(outDir, "manifest.json"));
            foreach (var name in splits.Values.Select(s => s.File).Append("rejects.csv").Append("manifest.json"))
                File.Move(Path.Combine(staging, name), Path.Combine(outDir, name), overwrite: true);
            return manifest;
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    /// The fixed UTC offset of the zone over the data's time range, in seconds. Periods are integer arithmetic
    /// (portable to Spark), so a zone whose offset changes within the data (daylight saving) is refused.
    public static int TimezoneOffset(string zone, long minTs, long maxTs)
    {
        TimeZoneInfo tz;
        try { tz = TimeZoneInfo.FindSystemTimeZoneById(zone); }
        catch (TimeZoneNotFoundException) { throw new ConfigurationException($"--timezone '{zone}' is not a known time zone (e.g. UTC, Asia/Shanghai)"); }
        var first = tz.GetUtcOffset(DateTimeOffset.FromUnixTimeSeconds(minTs));
        var last = tz.GetUtcOffset(DateTimeOffset.FromUnixTimeSeconds(maxTs));
        if (first != last)
            throw new ConfigurationException(
                $"--timezone '{zone}' changes its UTC offset within the data ({first} to {last}); use a fixed-offset zone such as Etc/GMT-8");
        return (int)first.TotalSeconds;
    }

    private static string Sql(string path) => path.Replace("'", "''");

    /// Drops the tables that no later statement and no view reads (raw events, events, windows… as soon as
    /// they are done with). The export's sort beside 10M-event intermediate tables took 18 s, without them
    /// 14 s (10M-event bench); the SQL steps gain too.
    private static void DropUnused(DuckDBConnection db, IEnumerable<string> laterStatements)
    {
        var readers = string.Join("\n", laterStatements.Concat(Query(db, "SELECT sql FROM duckdb_views() WHERE NOT internal", r => r.GetString(0))));
        foreach (var table in Tables(db).Where(t => !Regex.IsMatch(readers, $@"\b{Regex.Escape(t)}\b", RegexOptions.IgnoreCase)))
            Execute(db, $"DROP TABLE \"{table}\"", "dropping intermediate tables");
    }

    internal static List<string> Tables(DuckDBConnection db) =>
        Query(db, "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND NOT internal", r => r.GetString(0));

    private static SplitSummary Summarise(DuckDBConnection db, string source, string file)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"""
            SELECT COUNT(*), COUNT(DISTINCT (user_id, period)), COALESCE(MIN(period), 0), COALESCE(MAX(period), 0),
                   CAST(COALESCE(SUM(y_click), 0) AS BIGINT), CAST(COALESCE(SUM(y_cart), 0) AS BIGINT),
                   CAST(COALESCE(SUM(y_purchase), 0) AS BIGINT), CAST(COALESCE(SUM(is_negative), 0) AS BIGINT)
            FROM {source}
            """;
        using var r = cmd.ExecuteReader();
        r.Read();
        long L(int i) => Convert.ToInt64(r.GetValue(i), CultureInfo.InvariantCulture);
        return new SplitSummary(file, L(0), L(1), L(2), L(3),
            new SortedDictionary<string, long> { ["click"] = L(4), ["cart"] = L(5), ["purchase"] = L(6) }, L(7));
    }

    private static FeatureDefinition Define(string feature, double mean, double std) =>
        new(feature, FeatureCatalog.Describe(feature), Math.Round(mean, 12), Math.Round(std, 12));

    /// The statistics of a CSV split, in SQL (the same definition as FeatureStatistics.OfParquet, which takes
    /// less than half the time on the 10M-event build but reads Parquet only).
    private static List<FeatureDefinition> SqlFeatureStatistics(DuckDBConnection db, string source, IReadOnlyList<string> features)
    {
        if (features.Count == 0) return [];
        // log1p computed once per value in a subquery; mean and population standard deviation over it.
        // Features are non-negative; ABS guards LN cheaply (GREATEST is 20× slower in DuckDB 1.5). Read back from
        // text they are doubles: the cast makes them the floats that were written, as in the Parquet files.
        var logs = features.Select((f, i) => $"LN(1 + ABS(CAST({f} AS FLOAT))) AS l{i}");
        var aggregates = features.Select((_, i) => $"COALESCE(AVG(l{i}), 0), COALESCE(STDDEV_POP(l{i}), 0)");
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT {string.Join(", ", aggregates)} FROM (SELECT {string.Join(", ", logs)} FROM {source}) t";
        using var r = cmd.ExecuteReader();
        r.Read();
        return features.Select((f, i) => Define(f, r.GetDouble(2 * i), r.GetDouble(2 * i + 1))).ToList();
    }

    private static void Execute(DuckDBConnection db, string sql, string origin)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        try { cmd.ExecuteNonQuery(); }
        catch (DuckDBException e) when (e.Message.Contains("No space left on device", StringComparison.Ordinal))
        {
            // Exit 5 (disk full) with the folder to free or to move --out to.
            var folder = Path.GetDirectoryName(Path.GetDirectoryName(TempDirectory(db) ?? "")) ?? "the output folder"; // out/.staging-*/spill
            throw new IOException($"{origin}: no space left on the disk of {folder} (the output and DuckDB's spill files go there; free space or choose another --out): {e.Message}", e);
        }
        catch (DuckDBException e) { throw new InvalidOperationException($"{origin}: DuckDB failed: {e.Message}", e); }
    }

    private static string? TempDirectory(DuckDBConnection db)
    {
        try { return Query(db, "SELECT current_setting('temp_directory')", r => r.GetString(0)).FirstOrDefault(); }
        catch (DuckDBException) { return null; }
    }

    /// DuckDB's memory limit: 60 % of the machine's memory (or the container's limit), leaving room for this
    /// process (ingestion buffers, statistics) and the page cache the Parquet writer leans on.
    internal static long DuckDbMemoryLimitMb() =>
        Math.Max(512, (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * 0.6 / (1 << 20)));

    private static long Scalar(DuckDBConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    internal static List<T> Query<T>(DuckDBConnection db, string sql, Func<DuckDBDataReader, T> map)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        var list = new List<T>();
        while (r.Read()) list.Add(map(r));
        return list;
    }
}
