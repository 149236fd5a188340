namespace Mtlds.Model.Metrics;

/// The metrics of one split, shaped as metrics.json holds them (DESIGN §7).
public sealed record SplitMetrics(
    IReadOnlyDictionary<string, double> Auc,
    IReadOnlyDictionary<string, double> Gauc,
    IReadOnlyDictionary<string, double> Ndcg,
    IReadOnlyDictionary<string, double> Logloss,
    long Samples)
{
    /// Per-row predictions and labels of a split, and its lists, to metrics.
    public static SplitMetrics Compute(IReadOnlyList<string> tasks, IReadOnlyList<double[]> probabilities, double[] scores,
        IReadOnlyList<int[]> labels, int[] stages, long[] users, long[] items, IReadOnlyList<(int Start, int Length)> lists)
    {
        var auc = new SortedDictionary<string, double>();
        var gauc = new SortedDictionary<string, double>();
        var logloss = new SortedDictionary<string, double>();
        for (var t = 0; t < tasks.Count; t++)
        {
            auc[tasks[t]] = Metrics.Auc.Compute(probabilities[t], labels[t]);
            gauc[tasks[t]] = Metrics.Auc.Grouped(probabilities[t], labels[t], users);
            logloss[tasks[t]] = LogLoss.Compute(probabilities[t], labels[t]);
        }
        var ndcg = new SortedDictionary<string, double>();
        foreach (var k in new[] { 5, 10 })
            ndcg[k.ToString(System.Globalization.CultureInfo.InvariantCulture)] = Metrics.Ndcg.Mean(
                lists.Select(l => (scores[l.Start..(l.Start + l.Length)], stages[l.Start..(l.Start + l.Length)], items[l.Start..(l.Start + l.Length)])), k);
        return new SplitMetrics(auc, gauc, ndcg, logloss, scores.Length);
    }
}
