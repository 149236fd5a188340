using System.Globalization;
using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Tests.Fixtures;

namespace Mtlds.Pipelines.Tests.Features;

/// The standardisation statistics read from Parquet in C# equal DESIGN §5's definition computed in SQL.
public sealed class FeatureStatisticsTests(TaobaoDatasetFixture data) : IClassFixture<TaobaoDatasetFixture>, IDisposable
{
    private readonly string _dir = TestData.TempDir("stats");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_manifest_statistics_of_the_Taobao_train_split_equal_SQL_over_its_rows()
    {
        var features = data.Manifest.Features;
        Assert.True(features.Count >= 50);
        var sql = features.Select(f => $"avg(ln(1 + abs({f.Name}))) AS m_{f.Name}, stddev_pop(ln(1 + abs({f.Name}))) AS s_{f.Name}");
        var expected = TestData.Rows(data.Dir, "train", $"SELECT {string.Join(", ", sql)} FROM t").Single();
        foreach (var f in features)
        {
            AssertClose(expected.D($"m_{f.Name}"), f.Log1pMean, f.Name);
            AssertClose(expected.D($"s_{f.Name}"), f.Log1pStd, f.Name);
        }
        Assert.Contains(features, f => f.Log1pStd > 0.1); // not a file of zeros
    }

    [Fact]
    public void A_CSV_build_holds_the_Parquet_build_s_rows_and_its_SQL_statistics_agree_with_the_Parquet_ones()
    {
        var csv = Path.Combine(_dir, "csv");
        var manifest = new FeatureBuilder().Build(data.Options with { OutDir = csv, Format = "csv" });
        Assert.All(manifest.Splits["train"].Files, f => Assert.EndsWith("/part-0.csv", f));
        foreach (var split in FeatureBuilder.SplitNames)
        {
            Assert.Equal(data.Manifest.Splits[split].Samples, manifest.Splits[split].Samples);
            // Same rows in the same order: CSV holds floats as text, so compare at float precision.
            var fromCsv = TestData.Rows(csv, split);
            var fromParquet = TestData.Rows(data.Dir, split);
            for (var i = 0; i < fromParquet.Count; i += 97)
                foreach (var (column, value) in fromParquet[i])
                    AssertClose(Convert.ToDouble(value, CultureInfo.InvariantCulture), fromCsv[i].D(column), $"{split} row {i} {column}", relative: 1e-6);
        }
        Assert.Equal(data.Manifest.Features.Select(f => f.Name), manifest.Features.Select(f => f.Name));
        foreach (var (parquet, sql) in data.Manifest.Features.Zip(manifest.Features))
        {
            AssertClose(parquet.Log1pMean, sql.Log1pMean, parquet.Name);
            AssertClose(parquet.Log1pStd, sql.Log1pStd, parquet.Name);
        }
    }

    [Fact]
    public void Nulls_are_skipped_row_groups_merge_and_an_empty_column_gives_zeros()
    {
        var file = Path.Combine(_dir, "small.parquet");
        TestData.Query($"""
            COPY (SELECT CAST(CASE WHEN i % 7 = 0 THEN NULL ELSE (i * 37) % 1000 / 3.0 END AS FLOAT) AS a,
                         CAST(NULL AS FLOAT) AS empty,
                         CAST(1e6 + (i % 3) AS FLOAT) AS big
                  FROM range(25000) r(i)) TO '{file}' (FORMAT parquet, ROW_GROUP_SIZE 4096)
            """);
        var stats = FeatureStatistics.OfParquet(file, ["a", "empty", "big"]);
        var expected = TestData.Query($"""
            SELECT avg(ln(1 + abs(a))) AS ma, stddev_pop(ln(1 + abs(a))) AS sa,
                   avg(ln(1 + abs(big))) AS mb, stddev_pop(ln(1 + abs(big))) AS sb
            FROM read_parquet('{file}')
            """).Single();
        AssertClose(expected.D("ma"), stats[0].Mean, "a");
        AssertClose(expected.D("sa"), stats[0].Std, "a");
        Assert.Equal(new FeatureStatistics.Moments(0, 0), stats[1]);
        AssertClose(expected.D("mb"), stats[2].Mean, "big");
        // A small spread on a large mean: the naive E[x²] − E[x]² would lose most digits here.
        AssertClose(expected.D("sb"), stats[2].Std, "big", relative: 1e-6);
    }

    [Fact]
    public void Tallied_whole_numbers_and_logged_other_values_give_the_moments_of_every_value_logged_one_by_one()
    {
        // Zeros in runs and alone, whole numbers inside and outside the table, negatives, fractions, an odd length
        // (a tail after the vector-wide steps); each case alone, and all mixed. Then runs of one whole number
        // crossing the vectors' bounds (a user's features along its list), and 5,003 fractions repeated in a
        // scrambled order (rates: logged once each while they stay cached, their cache slots shared).
        var random = new Random(5);
        float[] kinds = [0, 0, 0, 1, 2, 7, -3, Log1pTally.TableSize - 1, Log1pTally.TableSize, 1e7f, 0.25f, 2.5f, -0.125f, 1e-5f];
        var mixed = Enumerable.Range(0, 10_007).Select(i => i % 100 < 40 ? 0f : kinds[random.Next(kinds.Length)]).ToArray();
        var runs = Enumerable.Range(0, 4_099).Select(i => (float)(i / 25)).ToArray();
        var rates = Enumerable.Range(0, 20_011).Select(i => (i * 7919 % 5003) / 17f).ToArray();
        var tally = new Log1pTally();
        foreach (var values in kinds.Select(k => Enumerable.Repeat(k, 37).ToArray()).Append(mixed).Append(runs).Append(rates).Append(mixed))
        {
            var logs = values.Select(v => Math.Log(1f + MathF.Abs(v))).ToArray();
            var mean = logs.Average();
            var m2 = logs.Sum(l => (l - mean) * (l - mean));
            var partial = tally.Of(values);
            Assert.Equal(values.Length, partial.Count);
            AssertClose(mean, partial.Mean, $"mean of {values[0]}…", relative: 1e-12);
            Assert.True(Math.Abs(m2 - partial.M2) <= 1e-9 * Math.Max(1, m2), $"M2 of {values[0]}…: expected {m2:R}, got {partial.M2:R}");
        }
        Assert.Equal(0, tally.Of([]).Count);
    }

    private static void AssertClose(double expected, double actual, string what, double relative = 1e-9) =>
        Assert.True(Math.Abs(expected - actual) <= relative * Math.Max(1e-12, Math.Abs(expected)),
            string.Create(CultureInfo.InvariantCulture, $"{what}: expected {expected:R}, got {actual:R}"));
}
