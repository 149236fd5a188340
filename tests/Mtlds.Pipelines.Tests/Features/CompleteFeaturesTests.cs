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
        var sql = TestData.TempDir("incomplete-sql");
        var outDir = TestData.TempDir("incomplete");
        try
        {
            foreach (var f in Directory.GetFiles(Path.Combine(RepoPaths.Root, "sql", "features")))
                File.Copy(f, Path.Combine(sql, Path.GetFileName(f)));
            var user = Path.Combine(sql, "05_user_features.sql");
            var text = File.ReadAllText(user);
            const string keepsEveryPeriod = "WHERE w.period >= ${group_from};";
            Assert.Contains(keepsEveryPeriod, text);
            File.WriteAllText(user, text.Replace(keepsEveryPeriod, "WHERE w.period >= ${group_from} AND w.period % 2 = 0;"));

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
