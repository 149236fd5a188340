using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Tests.Fixtures;

namespace Mtlds.Pipelines.Tests.Features;

/// DESIGN §5: only events strictly before a sample's period feed its features. Each feature of randomly chosen
/// samples is recomputed in C# from the raw Taobao events and must equal the pipeline's value; a deliberately
/// leaking copy of the SQL must be caught by the same check.
public sealed class LeakageTests(TaobaoDatasetFixture data) : IClassFixture<TaobaoDatasetFixture>
{
    private const string File = "users-full-history-a.csv";

    [Fact]
    public void Every_feature_of_random_samples_equals_a_recount_from_earlier_events_only()
    {
        var mismatches = Mismatches(data.Dir, samplesPerSplit: 120, seed: 1);
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches.Take(20)));
    }

    // Two ways the user features could read the sample's own period: a lag of 0 rows instead of 1 for the
    // 1/3/7-period clicks, and frames ending at the current row instead of the one before.
    [Theory]
    [InlineData("LAG(clicks, 1) OVER w", "LAG(clicks, 0) OVER w")]
    [InlineData("UNBOUNDED PRECEDING AND 1 PRECEDING", "UNBOUNDED PRECEDING AND CURRENT ROW")]
    public void A_variant_whose_windows_include_the_samples_own_period_is_caught(string correct, string leaking)
    {
        var sql = TestData.FeatureSqlWith("leaky-sql", "05_user_features.sql", correct, leaking);
        var outDir = TestData.TempDir("leaky");
        try
        {
            new FeatureBuilder().Build(TestData.TaobaoOptions(File, outDir) with { SqlDirectory = sql });

            var mismatches = Mismatches(outDir, samplesPerSplit: 120, seed: 1);

            Assert.NotEmpty(mismatches);
            var outsideUserFeatures = mismatches.Where(m => !m.StartsWith("user_", StringComparison.Ordinal)).ToList();
            Assert.True(outsideUserFeatures.Count == 0, string.Join("\n", outsideUserFeatures.Take(10)));
        }
        finally
        {
            Directory.Delete(sql, true);
            Directory.Delete(outDir, true);
        }
    }

    private List<string> Mismatches(string datasetDir, int samplesPerSplit, int seed)
    {
        var o = data.Options;
        var reference = new ReferenceFeatures(ReferenceFeatures.ReadTaobao(RepoPaths.Taobao(File),
            DateTimeOffset.Parse(o.From!).ToUnixTimeSeconds(), DateTimeOffset.Parse(o.To!).ToUnixTimeSeconds(), 8 * 3600, 86400), o.Alpha);
        var manifest = Manifest.Read(Path.Combine(datasetDir, "manifest.json"));
        var mismatches = new List<string>();
        foreach (var split in FeatureBuilder.SplitNames)
        {
            // Random samples, engaged and negative alike, chosen reproducibly.
            var rows = TestData.Rows(datasetDir, split, $"SELECT * FROM t ORDER BY hash(user_id, item_id, period, {seed}) LIMIT {samplesPerSplit}");
            Assert.NotEmpty(rows);
            foreach (var row in rows)
            {
                var expected = reference.For(row.L("user_id"), row.L("item_id"), row.L("category_id"), row.L("period"));
                Assert.Equal(manifest.Features.Select(f => f.Name).Order(), expected.Keys.Order());
                foreach (var (name, value) in expected)
                    if (Math.Abs(row.D(name) - value) > 1e-6 * Math.Max(1, Math.Abs(value))) // features are float32
                        mismatches.Add($"{name} of ({row["user_id"]}, {row["item_id"]}, {row["period"]}): pipeline {row.D(name)}, recount {value}");
            }
        }
        return mismatches;
    }
}
