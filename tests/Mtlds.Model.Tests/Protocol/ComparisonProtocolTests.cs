using Apache.Arrow;
using Mtlds.Model.Metrics;
using Mtlds.Model.Training;

namespace Mtlds.Model.Tests.Protocol;

/// The comparison protocol of DESIGN §7: every model is scored by the same rules, whatever its architecture.
public sealed class ComparisonProtocolTests
{
    private static readonly string[] Tasks = ["click", "cart", "purchase"];

    // Two lists (users 1 and 2, one period), every stage present.
    private static readonly long[] Users = [1, 1, 1, 1, 2, 2, 2];
    private static readonly long[] Items = [10, 11, 12, 13, 10, 14, 15];
    private static readonly int[] Stages = [0, 1, 3, 2, 0, 3, 1];

    private static (int, int)[] Lists => [.. ListLayout.Ranges(Users, [.. Users.Select(_ => 7L)])];

    [Fact]
    public void Purchase_relevance_NDCG_depends_on_p_purchase_only_so_a_baseline_and_MTLDS_with_the_same_p_purchase_get_the_same()
    {
        double[] pPurchase = [0.1, 0.3, 0.6, 0.2, 0.05, 0.7, 0.4];
        // "MTLDS": an aggregated score that orders the items otherwise; "baseline": another click and cart tower.
        var mtlds = SplitMetrics.Compute(Tasks, [[0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3], [0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2], pPurchase],
            [3, 2, 1, 0, 3, 2, 1], Stages, Users, Items, Lists);
        var baseline = SplitMetrics.Compute(Tasks, [[0.1, 0.1, 0.9, 0.9, 0.3, 0.3, 0.3], [0.5, 0.1, 0.5, 0.1, 0.5, 0.1, 0.5], pPurchase],
            [.. pPurchase], Stages, Users, Items, Lists);

        Assert.Equal(mtlds.NdcgPurchase, baseline.NdcgPurchase);
        Assert.Equal(mtlds.Auc["purchase"], baseline.Auc["purchase"]);
        Assert.NotEqual(mtlds.Ndcg["5"], baseline.Ndcg["5"]); // the graded NDCG follows each model's ranking score
        // p_purchase ranks each list's purchase first: purchase NDCG is 1 at any k.
        Assert.Equal(1.0, baseline.NdcgPurchase["5"], 15);
        Assert.Equal(1.0, baseline.NdcgPurchase["10"], 15);
    }

    [Fact]
    public void Purchase_relevance_NDCG_gains_one_per_purchase_and_ranks_by_p_purchase_with_ties_by_item_id()
    {
        // List 1 ranked by p_purchase: items 13 (0.9), 10 (0.5), then 11 and 12 tied at 0.4, by item id: 11, 12.
        // The purchase (item 12) is 4th: DCG 1/log2(5); ideal 1/log2(2) = 1. List 2: purchase (14) 2nd of 3.
        double[] pPurchase = [0.5, 0.4, 0.4, 0.9, 0.8, 0.6, 0.1];
        var m = SplitMetrics.Compute(Tasks, [pPurchase, pPurchase, pPurchase], [.. pPurchase], Stages, Users, Items, Lists);

        var expected = (1 / Math.Log2(5) + 1 / Math.Log2(3)) / 2;
        Assert.Equal(expected, m.NdcgPurchase["5"], 15);
        Assert.Equal(expected, m.NdcgPurchase["10"], 15);
    }

    [Fact]
    public void A_model_without_an_aggregator_ranks_by_the_sum_of_its_task_probabilities()
    {
        var spec = new FeatureSpec(["x"], [0.5], [0.3]);
        foreach (var model in new[] { "shared-bottom", "esmm", "mmoe", "single-task" })
        {
            using var trainer = new Trainer(new ModelConfig { Model = model, Seed = 3 }, spec);
            var scored = trainer.ScoreBatches(Batches()).Single();
            for (var i = 0; i < scored.Scores.Length; i++)
            {
                var sum = scored.Probabilities.Sum(p => p[i]);
                Assert.True(Math.Abs(sum - scored.Scores[i]) < 1e-6, $"{model} row {i}: score {scored.Scores[i]} against the sum {sum}");
            }
        }
    }

    private static async IAsyncEnumerable<RecordBatch> Batches()
    {
        await Task.CompletedTask;
        yield return SampleBatch.Of(Users, Items, Stages, period: 7, categories: 3, ("x", Items.Select(i => (float)(i % 4))));
    }
}
