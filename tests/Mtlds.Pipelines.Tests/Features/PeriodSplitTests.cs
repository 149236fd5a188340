using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Tests.Fixtures;

namespace Mtlds.Pipelines.Tests.Features;

/// Splits are ranges of periods: a split chosen when training equals the split of a build made with it,
/// statistics included (merged from the periods' partial ones), and scoring uses the model's split.
public sealed class PeriodSplitTests(TaobaoDatasetFixture data) : IClassFixture<TaobaoDatasetFixture>, IDisposable
{
    private readonly string _dir = TestData.TempDir("period-splits");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_split_chosen_after_the_build_equals_the_build_made_with_that_split()
    {
        var other = new FeatureBuilder().Build(data.Options with { OutDir = Path.Combine(_dir, "two-two"), ValidPeriods = 2, TestPeriods = 2 });
        var resplit = data.Manifest.Resplit(2, 2);
        foreach (var split in FeatureBuilder.SplitNames)
        {
            Assert.Equal(other.Splits[split].Files, resplit.Splits[split].Files);
            Assert.Equal(other.Splits[split].Samples, resplit.Splits[split].Samples);
            Assert.Equal(other.Splits[split].Positives, resplit.Splits[split].Positives);
        }
        Assert.Equal(2, other.Splits["test"].Files.Count);
        Assert.NotEqual(data.Manifest.Splits["train"].Samples, resplit.Splits["train"].Samples);
        foreach (var (a, b) in other.Features.Zip(resplit.Features))
        {
            Assert.Equal(a.Log1pMean, b.Log1pMean, 10);
            Assert.Equal(a.Log1pStd, b.Log1pStd, 10);
        }
        // The train statistics are those of the rows of the chosen train periods (SQL over them).
        var feature = resplit.Features.First(f => f.Log1pStd > 0.1).Name;
        var row = TestData.Rows(Path.Combine(_dir, "two-two"), "train", $"SELECT AVG(LN(1 + ABS({feature}))) AS m FROM t").Single();
        Assert.Equal(row.D("m"), resplit.Features.First(f => f.Name == feature).Log1pMean, 9);
    }

    [Fact]
    public void A_split_that_leaves_nothing_to_train_on_is_refused()
    {
        var e = Assert.Throws<ConfigurationException>(() => data.Manifest.Resplit(4, 5));
        Assert.Contains("no period to train on", e.Message);
    }

    [Fact]
    public void A_model_trained_on_a_chosen_split_is_scored_on_its_own_test_periods()
    {
        var model = Path.Combine(_dir, "model");
        var r = MtldsProcess.Run("train", "--data", data.Dir, "--out", model, "--epochs", "1", "--buckets", "5000", "--test-periods", "2");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var scores = Path.Combine(_dir, "scores.csv");
        r = MtldsProcess.Run("score", "--model", model, "--data", data.Dir, "--split", "test", "--out", scores);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var expected = data.Manifest.Resplit(data.Manifest.ValidPeriods, 2).Splits["test"].Samples;
        Assert.NotEqual(data.Manifest.Splits["test"].Samples, expected);
        Assert.Equal(expected, File.ReadLines(scores).LongCount() - 1);
    }
}
