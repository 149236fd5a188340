using System.Globalization;
using System.Text.Json;
using DuckDB.NET.Data;
using Mtlds.Pipelines.Features;

namespace Mtlds.Pipelines.Spark;

/// Makes a Spark job's output folder a feature build: derives manifest.json from what the job wrote (its
/// counts and options in counts/part-*.json, its periods in periods/period=N/part-*.parquet) by the rules a
/// DuckDB build follows, so `mtlds train`, `score`, `evaluate` and ListBatchReader take it as they take one.
/// Per-period counts and statistics are computed here from the files, with the code the DuckDB build uses.
public static class SparkBuildManifest
{
    public const string PeriodsFolder = "periods";

    public static Manifest Derive(string buildDir)
    {
        var dir = Path.GetFullPath(buildDir);
        if (!Directory.Exists(dir)) throw new InputException($"{dir}: no such folder (copy the Spark job's --out here first)");
        var counts = ReadCounts(dir);
        var periodsDir = Path.Combine(dir, PeriodsFolder);
        if (!File.Exists(Path.Combine(periodsDir, "_SUCCESS")))
            throw new InputException($"{periodsDir}: no _SUCCESS file: the Spark job did not finish writing its periods (or they were not copied whole); run the job again");
        var periodDirs = Directory.GetDirectories(periodsDir, "period=*")
            .Select(d => (Dir: d, Period: long.TryParse(Path.GetFileName(d)["period=".Length..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var p)
                ? p : throw new InputException($"{d}: not a period folder (period=N)")))
            .OrderBy(x => x.Period).ToList();
        if (periodDirs.Count == 0) throw new InputException($"{periodsDir}: holds no period=N folder");

        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        List<string>? featureColumns = null;
        var periods = new List<PeriodSummary>();
        foreach (var (periodDir, period) in periodDirs)
        {
            var files = Directory.GetFiles(periodDir, "*.parquet").Where(f => !Path.GetFileName(f).StartsWith('.'))
                .Order(StringComparer.Ordinal).ToList();
            if (files.Count == 0) throw new InputException($"{periodDir}: holds no Parquet part file");
            var from = $"read_parquet([{string.Join(", ", files.Select(f => $"'{f.Replace("'", "''")}'"))}], hive_partitioning = true, hive_types = {{'period': BIGINT}})";
            var columns = FeatureBuilder.Query(db, $"SELECT column_name FROM (DESCRIBE SELECT * FROM {from})", r => r.GetString(0));
            var missing = FeatureCatalog.SampleColumns.Except(columns).ToList();
            if (missing.Count > 0) throw new InputException($"{periodDir}: has no column {string.Join(", ", missing)}; not a period of a feature build");
            var features = columns.Where(c => !FeatureCatalog.SampleColumns.Contains(c)).ToList();
            if (featureColumns is null) featureColumns = features;
            else if (!featureColumns.SequenceEqual(features)) throw new InputException($"{periodDir}: has other feature columns than {periodDirs[0].Dir}");
            var partials = files.Select(f => FeatureStatistics.PartialsOfParquet(f, features))
                .Aggregate((a, b) => a.Zip(b, (x, y) => x.Merge(y)).ToList());
            periods.Add(FeatureBuilder.Summarise(PeriodCounts.OfParquet(files), period, $"{PeriodsFolder}/period={period}", features, partials));
        }

        var samples = periods.Sum(p => p.Samples);
        if (samples != counts.Samples)
            throw new InputException($"{periodsDir}: the period files hold {samples} rows but the job counted {counts.Samples} samples; copy the folder whole or run the job again");
        var splits = PeriodSplits.Of(periods, counts.ValidPeriods, counts.TestPeriods);
        var manifest = new Manifest
        {
            Source = counts.Source,
            Inputs = [counts.Inputs],
            Period = counts.Period,
            PeriodSeconds = counts.PeriodSeconds,
            Timezone = counts.Timezone,
            TzOffsetSeconds = counts.TzOffsetSeconds,
            Seed = counts.Seed,
            Negatives = counts.Negatives,
            NegativesDrawnPerEngaged = counts.NegativesDrawnPerEngaged,
            RowsRead = counts.RowsRead,
            RowsAccepted = counts.RowsAccepted,
            RowsRejected = counts.RowsRejected,
            RejectedByReason = new SortedDictionary<string, long>(counts.RejectedByReason.ToDictionary()),
            DuplicatesDropped = counts.DuplicatesDropped,
            Events = counts.Events,
            EventsByBehavior = new SortedDictionary<string, long>(counts.EventsByBehavior.ToDictionary()),
            Periods = periods,
            Splits = splits,
            ValidPeriods = counts.ValidPeriods,
            TestPeriods = counts.TestPeriods,
            Alpha = counts.Alpha,
            SampleColumns = FeatureCatalog.SampleColumns,
            Features = PeriodSplits.TrainStatistics(periods, splits["train"], featureColumns!),
            SqlHash = counts.SqlHash,
            Format = "parquet",
        };
        var staged = Path.Combine(dir, $".manifest-{Guid.NewGuid():N}.json");
        File.WriteAllText(staged, JsonSerializer.Serialize(manifest, Manifest.Json) + "\n");
        File.Move(staged, Path.Combine(dir, "manifest.json"), overwrite: true);
        return manifest;
    }

    /// What write_outputs.sql writes to counts/: one JSON object (Spark writes a part file per task, some empty).
    public sealed record JobCounts
    {
        public required string Source { get; init; }
        public required string Inputs { get; init; }
        public required string Period { get; init; }
        public required int PeriodSeconds { get; init; }
        public required string Timezone { get; init; }
        public required int TzOffsetSeconds { get; init; }
        public required int Seed { get; init; }
        public required int Negatives { get; init; }
        public required int NegativesDrawnPerEngaged { get; init; }
        public required int ValidPeriods { get; init; }
        public required int TestPeriods { get; init; }
        public required double Alpha { get; init; }
        public required string SqlHash { get; init; }
        public required long RowsRead { get; init; }
        public required long RowsAccepted { get; init; }
        public required long RowsRejected { get; init; }
        public required IReadOnlyDictionary<string, long> RejectedByReason { get; init; }
        public required long DuplicatesDropped { get; init; }
        public required long Events { get; init; }
        public required IReadOnlyDictionary<string, long> EventsByBehavior { get; init; }
        public required long Samples { get; init; }
    }

    private static JobCounts ReadCounts(string dir)
    {
        var countsDir = Path.Combine(dir, "counts");
        var parts = Directory.Exists(countsDir) ? Directory.GetFiles(countsDir, "part-*.json").Order(StringComparer.Ordinal).ToList() : [];
        if (parts.Count == 0) throw new InputException($"{countsDir}: no part-*.json: not the output of the Spark feature job (or not copied whole)");
        var lines = parts.SelectMany(p => File.ReadLines(p).Select((l, i) => (File: p, Line: i + 1, Text: l)))
            .Where(l => l.Text.Trim().Length > 0).ToList();
        if (lines.Count != 1) throw new InputException($"{countsDir}: holds {lines.Count} JSON rows, not 1");
        var (file, line, text) = lines[0];
        JobCounts counts;
        try
        {
            counts = JsonSerializer.Deserialize<JobCounts>(text, Manifest.Json) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new InputException($"{file}:{line}: not the counts the Spark feature job writes ({e.Message})", e);
        }
        if (counts.RowsRead != counts.RowsAccepted + counts.RowsRejected)
            throw new InputException($"{file}:{line}: rows read {counts.RowsRead} ≠ accepted {counts.RowsAccepted} + rejected {counts.RowsRejected}");
        return counts;
    }
}
