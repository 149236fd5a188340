using Mtlds.Model.Metrics;

namespace Mtlds.Model.Tests.Metrics;

public sealed class AucTests
{
    [Fact]
    public void Hand_computed_auc_with_tied_scores_counts_each_tie_as_half()
    {
        // positives 0.8, 0.5; negatives 0.5, 0.2. Pairs: (0.8>0.5) 1, (0.8>0.2) 1, (0.5=0.5) 0.5, (0.5>0.2) 1 → 3.5/4.
        Assert.Equal(0.875, Auc.Compute([0.8, 0.5, 0.5, 0.2], [1, 1, 0, 0]), 12);
    }

    [Fact]
    public void Perfect_reversed_and_all_tied_scores()
    {
        Assert.Equal(1.0, Auc.Compute([0.9, 0.8, 0.1], [1, 1, 0]));
        Assert.Equal(0.0, Auc.Compute([0.1, 0.2, 0.9], [1, 1, 0]));
        Assert.Equal(0.5, Auc.Compute([0.3, 0.3, 0.3, 0.3], [1, 0, 1, 0]));
    }

    [Fact]
    public void One_class_only_or_no_samples_is_undefined()
    {
        Assert.True(double.IsNaN(Auc.Compute([0.1, 0.9], [1, 1])));
        Assert.True(double.IsNaN(Auc.Compute([0.1, 0.9], [0, 0])));
        Assert.True(double.IsNaN(Auc.Compute([], [])));
    }

    [Fact]
    public void Auc_equals_the_Mann_Whitney_pair_count_on_100k_random_scores()
    {
        var rng = new Random(11);
        const int n = 100_000;
        // Coarse scores so that ties are plentiful.
        var scores = Enumerable.Range(0, n).Select(_ => Math.Round(rng.NextDouble(), 3)).ToArray();
        var labels = scores.Select(s => rng.NextDouble() < 0.2 + 0.5 * s ? 1 : 0).ToArray();

        // Independent count: for each positive, negatives below it plus half the tied ones, via counts per value.
        var negativesAt = new SortedDictionary<double, long>();
        foreach (var (s, l) in scores.Zip(labels)) if (l == 0) negativesAt[s] = negativesAt.GetValueOrDefault(s) + 1;
        var values = negativesAt.Keys.ToArray();
        var below = new long[values.Length];
        long running = 0;
        for (var i = 0; i < values.Length; i++) { below[i] = running; running += negativesAt[values[i]]; }
        double pairs = 0;
        long positives = 0;
        foreach (var (s, l) in scores.Zip(labels))
        {
            if (l == 0) continue;
            positives++;
            var idx = Array.BinarySearch(values, s);
            pairs += idx >= 0 ? below[idx] + negativesAt[s] / 2.0 : below.ElementAtOrDefault(~idx) + (~idx == values.Length ? running : 0);
        }
        var expected = pairs / ((double)positives * (n - positives));

        Assert.Equal(expected, Auc.Compute(scores, labels), 9);
    }

    [Fact]
    public void Group_auc_weights_users_by_samples_and_skips_one_class_users()
    {
        double[] scores = [0.9, 0.1, 0.2, 0.8, 0.5, 0.7, 0.6];
        int[] labels = [1, 0, 1, 0, 1, 1, 0];
        long[] users = [1, 1, 2, 2, 3, 3, 3];
        // user 1: AUC 1 (2 samples); user 2: AUC 0 (2); user 3: positives 0.5, 0.7 vs negative 0.6 → 0.5 (3 samples).
        Assert.Equal((1.0 * 2 + 0.0 * 2 + 0.5 * 3) / 7, Auc.Grouped(scores, labels, users), 12);
        Assert.Equal(1.0, Auc.Grouped([0.9, 0.1, 0.3], [1, 0, 1], [1, 1, 2]), 12);
        Assert.True(double.IsNaN(Auc.Grouped([0.9, 0.1], [1, 1], [1, 2])));
    }
}

public sealed class NdcgTests
{
    [Fact]
    public void Hand_computed_ndcg_with_graded_stages()
    {
        // Ranked by score: stages 1, 3, 0, 2 → DCG = 1/log2(2) + 7/log2(3) + 0 + 3/log2(5).
        // Ideal: 3, 2, 1, 0 → IDCG = 7 + 3/log2(3) + 1/log2(4).
        var dcg = 1 + 7 / Math.Log2(3) + 3 / Math.Log2(5);
        var idcg = 7 + 3 / Math.Log2(3) + 0.5;
        Assert.Equal(dcg / idcg, Ndcg.Compute([0.9, 0.8, 0.7, 0.6], [1, 3, 0, 2], [1, 2, 3, 4], k: 10), 12);
    }

    [Fact]
    public void Cut_at_k_counts_only_the_top_k_of_both_rankings()
    {
        // Top 2 by score: stages 1, 3. Ideal top 2: 3, 2.
        var expected = (1 + 7 / Math.Log2(3)) / (7 + 3 / Math.Log2(3));
        Assert.Equal(expected, Ndcg.Compute([0.9, 0.8, 0.7, 0.6], [1, 3, 0, 2], [1, 2, 3, 4], k: 2), 12);
    }

    [Fact]
    public void Tied_scores_are_ordered_by_item_id()
    {
        // Both scores tie: item 5 (stage 0) before item 9 (stage 1) → DCG = 1/log2(3), IDCG = 1.
        Assert.Equal(1 / Math.Log2(3), Ndcg.Compute([0.5, 0.5], [1, 0], [9, 5], k: 5), 12);
    }

    [Fact]
    public void Lists_without_a_positive_and_empty_lists_are_skipped()
    {
        Assert.True(double.IsNaN(Ndcg.Compute([0.2, 0.1], [0, 0], [1, 2], 5)));
        Assert.True(double.IsNaN(Ndcg.Compute([], [], [], 5)));
        var mean = Ndcg.Mean([([0.9, 0.1], [1, 0], [1, 2]), ([0.3], [0], [3]), ([0.1, 0.9], [1, 0], [1, 2])], 5);
        Assert.Equal((1 + 1 / Math.Log2(3)) / 2, mean, 12);
        Assert.True(double.IsNaN(Ndcg.Mean([], 5)));
    }
}

public sealed class LogLossTests
{
    [Fact]
    public void Hand_computed_log_loss_with_clipping()
    {
        Assert.Equal(-(Math.Log(0.8) + Math.Log(1 - 0.3)) / 2, LogLoss.Compute([0.8, 0.3], [1, 0]), 12);
        Assert.Equal(-Math.Log(LogLoss.Epsilon), LogLoss.Compute([0.0], [1]), 9);
        Assert.True(double.IsNaN(LogLoss.Compute([], [])));
    }
}
