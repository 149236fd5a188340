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
    /// The metrics by the names metrics.json, `mtlds evaluate` and PostgreSQL's `metrics` give them, in the
    /// order they are shown; ndcg and ndcg_purchase are labelled by k, the others by task.
    public static readonly IReadOnlyList<string> Names = ["auc", "gauc", "ndcg", "ndcg_purchase", "logloss"];

    /// Every value as (metric, label, value), metrics in the order of Names and labels in their keys' order.
    public IEnumerable<(string Metric, string Label, double Value)> Rows()
    {
        foreach (var (metric, values) in new[] { ("auc", Auc), ("gauc", Gauc), ("ndcg", Ndcg), ("ndcg_purchase", NdcgPurchase), ("logloss", Logloss) })
            foreach (var (label, value) in values)
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
