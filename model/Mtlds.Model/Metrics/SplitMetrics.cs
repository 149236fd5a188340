namespace Mtlds.Model.Metrics;

/// The metrics of one split, shaped as metrics.json holds them (DESIGN §7). The comparison protocol: every
/// model is scored by the same rules. `Ndcg` (graded): gain 2^stage − 1, items ranked by the model's ranking
/// score (the aggregator's output, or for a model without one the sum of its task probabilities: Trainer).
/// `NdcgPurchase`: gain 1 for a purchase and 0 otherwise, items ranked by p_purchase, whatever the model.
/// Both keyed by k ("5", "10"); AUC, gAUC and log loss by label, on that label's probability.
public sealed record SplitMetrics(
    IReadOnlyDictionary<string, double> Auc,
    IReadOnlyDictionary<string, double> Gauc,
    IReadOnlyDictionary<string, double> Ndcg,
    IReadOnlyDictionary<string, double> NdcgPurchase,
    IReadOnlyDictionary<string, double> Logloss,
    long Samples)
{
    /// Each metric's name (as metrics.json, `mtlds evaluate` and PostgreSQL's `metrics` give it) and values,
    /// in the order they are shown; ndcg and ndcg_purchase are labelled by k, the others by task.
    private static readonly (string Name, Func<SplitMetrics, IReadOnlyDictionary<string, double>> Values)[] Metrics =
        [("auc", m => m.Auc), ("gauc", m => m.Gauc), ("ndcg", m => m.Ndcg), ("ndcg_purchase", m => m.NdcgPurchase), ("logloss", m => m.Logloss)];

    /// The metrics' names, in the order they are shown.
    public static readonly IReadOnlyList<string> Names = Metrics.Select(m => m.Name).ToList();

    /// Every value as (metric, label, value), metrics in the order of Names and labels in their keys' order.
    public IEnumerable<(string Metric, string Label, double Value)> Rows()
    {
        foreach (var (metric, values) in Metrics)
            foreach (var (label, value) in values(this))
                yield return (metric, label, value);
    }

    /// Per-row predictions of a whole split (labels follow from the stages) and its lists, to metrics.
    public static SplitMetrics Compute(IReadOnlyList<string> tasks, IReadOnlyList<double[]> probabilities, double[] scores,
        int[] stages, long[] users, long[] items, IReadOnlyList<(int Start, int Length)> lists)
    {
        var accumulator = new SplitMetricsAccumulator(tasks);
        accumulator.Add(probabilities, scores, stages, users, items, lists);
        return accumulator.Result();
    }
}
