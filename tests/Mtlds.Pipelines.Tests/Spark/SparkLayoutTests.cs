using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Apache.Arrow;
using Mtlds.Pipelines.Datasets;
using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Spark;
using Mtlds.Pipelines.Tests.Fixtures;

namespace Mtlds.Pipelines.Tests.Spark;

/// A Spark build is a feature build: the folder laid out exactly as the Spark job writes it (several
/// part-*.snappy.parquet per period without the period column, _SUCCESS, .crc files, counts/part-*.json with an
/// empty part beside it), made here from a DuckDB build of the real Taobao sample, becomes one with
/// `mtlds features --engine spark --finish`, and reads, trains and scores as the DuckDB build does.
public sealed class SparkLayoutTests(TaobaoDatasetFixture data) : IClassFixture<TaobaoDatasetFixture>, IDisposable
{
    private readonly string _dir = TestData.TempDir("spark-layout");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_Spark_layout_finished_by_mtlds_equals_the_DuckDB_build_and_trains_and_scores()
    {
        var spark = Path.Combine(_dir, "spark");
        WriteSparkLayout(data.Dir, data.Manifest, spark, partsPerPeriod: 3);

        var r = MtldsProcess.Run("features", "--engine", "spark", "--finish", "--out", spark);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var derived = Manifest.Read(Path.Combine(spark, "manifest.json"));
        var built = data.Manifest;

        // Counts, positives, splits and statistics equal the DuckDB build's.
        foreach (var (name, value) in new (string, Func<Manifest, object>)[]
                 {
                     ("source", m => m.Source), ("period", m => m.Period), ("tz", m => m.TzOffsetSeconds), ("seed", m => m.Seed),
                     ("negatives", m => m.NegativesDrawnPerEngaged), ("rows read", m => m.RowsRead), ("accepted", m => m.RowsAccepted),
                     ("rejected", m => m.RowsRejected), ("duplicates", m => m.DuplicatesDropped), ("events", m => m.Events),
                     ("reasons", m => string.Join(",", m.RejectedByReason)), ("behaviours", m => string.Join(",", m.EventsByBehavior)),
                     ("sql", m => m.SqlHash), ("alpha", m => m.Alpha), ("columns", m => string.Join(",", m.SampleColumns)),
                 })
            Assert.True(Equals(value(built), value(derived)), $"{name}: {value(built)} ≠ {value(derived)}");
        Assert.Equal(built.Periods.Select(p => (p.Period, p.Samples, p.Lists, p.Negatives, string.Join(",", p.Positives), string.Join(",", p.Log1pCount))),
            derived.Periods.Select(p => (p.Period, p.Samples, p.Lists, p.Negatives, string.Join(",", p.Positives), string.Join(",", p.Log1pCount))));
        foreach (var split in FeatureBuilder.SplitNames)
        {
            var (a, b) = (built.Splits[split], derived.Splits[split]);
            Assert.Equal((a.Samples, a.Lists, a.FirstPeriod, a.LastPeriod, a.Negatives), (b.Samples, b.Lists, b.FirstPeriod, b.LastPeriod, b.Negatives));
            Assert.Equal(a.Positives, b.Positives);
            Assert.Equal(a.Files.Select(f => f.Replace("/part-0.parquet", "")), b.Files.Select(f => f.Replace("periods/", "")));
        }
        Assert.Equal(built.Features.Select(f => f.Name), derived.Features.Select(f => f.Name));
        foreach (var (a, b) in built.Features.Zip(derived.Features))
        {
            Assert.Equal(a.Log1pMean, b.Log1pMean, 9);
            Assert.Equal(a.Log1pStd, b.Log1pStd, 9);
        }

        // ListBatchReader gives the same rows in the same order, period from the folder names.
        foreach (var split in FeatureBuilder.SplitNames)
            Assert.Equal(await Fingerprint(data.Dir, split), await Fingerprint(spark, split));

        // It trains and scores as a feature build.
        var model = Path.Combine(_dir, "model");
        r = MtldsProcess.Run("train", "--data", spark, "--out", model, "--epochs", "1", "--buckets", "5000");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var scores = Path.Combine(_dir, "scores.csv");
        r = MtldsProcess.Run("score", "--model", model, "--data", spark, "--split", "test", "--out", scores);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(built.Splits["test"].Samples, File.ReadLines(scores).LongCount() - 1);
        r = MtldsProcess.Run("evaluate", "--scores", scores);
        Assert.True(r.ExitCode == 0, r.Stderr);
    }

    [Fact]
    public void An_output_not_copied_whole_is_refused_with_what_is_missing()
    {
        var spark = Path.Combine(_dir, "spark");
        WriteSparkLayout(data.Dir, data.Manifest, spark, partsPerPeriod: 2);
        var lastPeriod = Directory.GetDirectories(Path.Combine(spark, "periods"), "period=*").Order(StringComparer.Ordinal).Last();
        File.Delete(Directory.GetFiles(lastPeriod, "*.parquet").First());
        var e = Assert.Throws<InputException>(() => SparkBuildManifest.Derive(spark));
        Assert.Contains("the period files hold", e.Message);
        Assert.False(File.Exists(Path.Combine(spark, "manifest.json")));

        File.Delete(Path.Combine(spark, "periods", "_SUCCESS"));
        e = Assert.Throws<InputException>(() => SparkBuildManifest.Derive(spark));
        Assert.Contains("no _SUCCESS file", e.Message);
    }

    [Fact]
    public void The_counts_the_job_writes_are_the_counts_mtlds_reads()
    {
        // The aliases of write_outputs.sql's counts SELECT are JobCounts' properties, one for one.
        var sql = File.ReadAllText(Path.Combine(RepoPaths.Root, "sql", "spark", "write_outputs.sql"));
        var select = sql[sql.IndexOf("'${out}/counts'", StringComparison.Ordinal)..];
        var aliases = Regex.Matches(select, @"\)?\s+AS\s+(\w+)(?=,|;)").Select(m => m.Groups[1].Value).Order().ToList();
        var properties = typeof(SparkBuildManifest.JobCounts).GetProperties()
            .Select(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name)).Order().ToList();
        Assert.Equal(properties, aliases);
    }

    /// The DuckDB build's periods rewritten as Spark's partitioned writer leaves them, with the counts file
    /// write_outputs.sql writes (in Spark's JSON: one object per line, maps as objects).
    internal static void WriteSparkLayout(string duckDir, Manifest m, string sparkDir, int partsPerPeriod)
    {
        var periods = Path.Combine(sparkDir, "periods");
        Directory.CreateDirectory(periods);
        var task = 0;
        foreach (var p in m.Periods)
        {
            var source = Path.Combine(duckDir, p.File).Replace("'", "''");
            var folder = Directory.CreateDirectory(Path.Combine(periods, $"period={p.Period}")).FullName;
            var per = (p.Samples + partsPerPeriod - 1) / partsPerPeriod;
            for (var part = 0; part < partsPerPeriod; part++, task++)
            {
                var name = $"part-{task:D5}-{Guid.NewGuid()}.c000.snappy.parquet";
                TestData.Query($"COPY (SELECT * EXCLUDE (period, file_row_number) FROM read_parquet('{source}', file_row_number = true) "
                    + $"WHERE file_row_number >= {part * per} AND file_row_number < {(part + 1) * per} ORDER BY file_row_number) "
                    + $"TO '{Path.Combine(folder, name)}' (FORMAT parquet, COMPRESSION snappy)");
                File.WriteAllBytes(Path.Combine(folder, $".{name}.crc"), [0x63, 0x72, 0x63, 0]);
            }
        }
        File.WriteAllText(Path.Combine(periods, "_SUCCESS"), "");
        File.WriteAllBytes(Path.Combine(periods, "._SUCCESS.crc"), [0x63, 0x72, 0x63, 0]);

        var counts = Directory.CreateDirectory(Path.Combine(sparkDir, "counts")).FullName;
        var row = new Dictionary<string, object>
        {
            ["source"] = m.Source, ["inputs"] = m.Inputs[0], ["period"] = m.Period, ["period_seconds"] = m.PeriodSeconds,
            ["timezone"] = m.Timezone, ["tz_offset_seconds"] = m.TzOffsetSeconds, ["seed"] = m.Seed, ["negatives"] = m.Negatives,
            ["negatives_drawn_per_engaged"] = m.NegativesDrawnPerEngaged, ["valid_periods"] = m.ValidPeriods, ["test_periods"] = m.TestPeriods,
            ["alpha"] = m.Alpha, ["sql_hash"] = m.SqlHash, ["rows_read"] = m.RowsRead, ["rows_accepted"] = m.RowsAccepted,
            ["rows_rejected"] = m.RowsRejected, ["rejected_by_reason"] = m.RejectedByReason, ["duplicates_dropped"] = m.DuplicatesDropped,
            ["events"] = m.Events, ["events_by_behavior"] = m.EventsByBehavior, ["samples"] = m.Periods.Sum(p => p.Samples),
        };
        File.WriteAllText(Path.Combine(counts, $"part-00000-{Guid.NewGuid()}-c000.json"), "");
        File.WriteAllText(Path.Combine(counts, $"part-00001-{Guid.NewGuid()}-c000.json"), JsonSerializer.Serialize(row) + "\n");
        File.WriteAllText(Path.Combine(counts, "_SUCCESS"), "");
        var rejects = Directory.CreateDirectory(Path.Combine(sparkDir, "rejects")).FullName;
        File.WriteAllText(Path.Combine(rejects, $"part-00000-{Guid.NewGuid()}-c000.csv"), "file,reason,text\n");
    }

    /// Every batch's rows, in order, as one hash over the columns a model reads.
    private static async Task<string> Fingerprint(string dir, string split)
    {
        var reader = new ListBatchReader(dir);
        var hash = new HashCode();
        long rows = 0;
        await foreach (var batch in reader.ReadAsync(split, 512))
        {
            rows += batch.Length;
            foreach (var name in reader.Manifest.SampleColumns.Concat(reader.Manifest.Features.Select(f => f.Name)))
            {
                var column = batch.Column(name);
                for (var i = 0; i < batch.Length; i++)
                    hash.Add(column switch
                    {
                        Int64Array a => a.GetValue(i)!.Value,
                        Int32Array a => a.GetValue(i)!.Value,
                        FloatArray a => (double)a.GetValue(i)!.Value,
                        _ => throw new InvalidOperationException($"{name}: {column.GetType().Name}"),
                    });
            }
        }
        return $"{rows.ToString(CultureInfo.InvariantCulture)} rows, hash {hash.ToHashCode()}";
    }
}
