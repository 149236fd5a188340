using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Tests.Fixtures;

namespace Mtlds.Pipelines.Tests.Features;

/// The dataset takes the user, item and category features as their tables hold them (no COALESCE): a table that
/// misses a sample's key must fail the build, naming the feature and the period, not leave NULLs in the files.
public sealed class CompleteFeaturesTests
{
    [Fact]
    public void A_user_table_without_the_odd_periods_rows_fails_the_build_and_names_the_feature()
    {
        var sql = TestData.FeatureSqlWith("incomplete-sql", "05_user_features.sql",
            "WHERE w.period >= ${group_from};", "WHERE w.period >= ${group_from} AND w.period % 2 = 0;");
        var outDir = TestData.TempDir("incomplete");
        try
        {
            var e = Assert.Throws<InvalidDataException>(() =>
                new FeatureBuilder().Build(TestData.TaobaoOptions("users-full-history-a.csv", outDir) with { SqlDirectory = sql }));

            Assert.Matches(@"^period=\d+/part-0\.parquet: user_clicks_1p has no value in [1-9]\d* of its [1-9]\d* samples;", e.Message);
            Assert.False(File.Exists(Path.Combine(outDir, "manifest.json")));
            Assert.Empty(Directory.GetDirectories(outDir));
        }
        finally
        {
            Directory.Delete(sql, true);
            Directory.Delete(outDir, true);
        }
    }
}
