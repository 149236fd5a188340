using Apache.Arrow;
using Mtlds.Model.Training;
using Mtlds.Model.Trees;

namespace Mtlds.Model.Tests.Trees;

/// The LightGBM baseline on lists whose stage a feature reveals (with noise): it learns, its ranking score is
/// the sum of its probabilities, the seed varies the trees, the same seed repeats them, and a saved model
/// scores as the trained one.
public sealed class BoostedTreesTests
{
    private static readonly FeatureSpec Spec = new(["signal", "noise"], [0, 0], [1, 1]);
    private static ModelConfig Config(int seed) => new() { Model = "lightgbm", Seed = seed, BoostingRounds = 60, BoostingPatience = 10 };

    private static async IAsyncEnumerable<RecordBatch> Lists(int seed, int lists = 400)
    {
        await Task.CompletedTask;
        var rng = new Random(seed);
        var users = new List<long>();
        var items = new List<long>();
        var stages = new List<int>();
        var signal = new List<float>();
        var noise = new List<float>();
        for (var l = 0; l < lists; l++)
            for (var j = 0; j < 8; j++)
            {
                var stage = rng.NextDouble() switch { < 0.6 => 0, < 0.85 => 1, < 0.95 => 2, _ => 3 };
                users.Add(l);
                items.Add(j);
                stages.Add(stage);
                signal.Add((float)(stage + 1.5 * (rng.NextDouble() - 0.5) * 2));
                noise.Add((float)rng.NextDouble());
            }
        yield return SampleBatch.Of(users, items, stages, period: 1, categories: 3, ("signal", signal), ("noise", noise));
    }

    private static double[] PurchaseProbabilities(BoostedTrees model) =>
        model.ScoreBatches(Lists(seed: 3)).SelectMany(b => b.Probabilities[2]).ToArray();

    [Fact]
    public void It_learns_ranks_by_the_sum_of_its_probabilities_and_the_seed_varies_the_trees()
    {
        var (a, result) = BoostedTrees.Fit(Config(1), Spec, Lists(seed: 1), Lists(seed: 2));
        using (a)
        {
            Assert.True(result.Valid.Auc["purchase"] > 0.85, $"valid purchase AUC {result.Valid.Auc["purchase"]}");
            Assert.All(a.TreeCounts, n => Assert.InRange(n, 1, 60));
            var batch = a.ScoreBatches(Lists(seed: 3)).Single();
            for (var i = 0; i < batch.Rows; i++)
                Assert.Equal(batch.Probabilities.Sum(p => p[i]), batch.Scores[i], 12);

            var (again, _) = BoostedTrees.Fit(Config(1), Spec, Lists(seed: 1), Lists(seed: 2));
            var (other, _) = BoostedTrees.Fit(Config(2), Spec, Lists(seed: 1), Lists(seed: 2));
            using (again)
            using (other)
            {
                Assert.Equal(PurchaseProbabilities(a), PurchaseProbabilities(again));
                Assert.NotEqual(PurchaseProbabilities(a), PurchaseProbabilities(other));
            }
        }
    }

    [Fact]
    public void A_saved_model_scores_as_the_trained_one()
    {
        var (model, _) = BoostedTrees.Fit(Config(4), Spec, Lists(seed: 1), Lists(seed: 2));
        using (model)
        {
            var saved = new Dictionary<string, byte[]>();
            foreach (var task in Config(4).Tasks)
            {
                using var s = new MemoryStream();
                model.Save(task, s);
                saved[task] = s.ToArray();
            }
            using var loaded = BoostedTrees.Load(Config(4), Spec, task => new MemoryStream(saved[task]));
            Assert.Equal(PurchaseProbabilities(model), PurchaseProbabilities(loaded));
        }
    }
}
