namespace Mtlds.Model.Metrics;

/// The metrics of one split, shaped as metrics.json holds them (DESIGN §7).
public sealed record SplitMetrics(
    IReadOnlyDictionary<string, double> Auc,
    IReadOnlyDictionary<string, double> Gauc,
    IReadOnlyDictionary<string, double> Ndcg,
    IReadOnlyDictionary<string, double> Logloss,
    long Samples)
{
    /// Per-row predictions of a whole split (labels follow from the stages) and its lists, to metrics.
    public static SplitMetrics Compute(IReadOnlyList<string> tasks, IReadOnlyList<double[]> probabilities, double[] scores,
        int[] stages, long[] users, long[] items, IReadOnlyList<(int Start, int Length)> lists)
    {
        var accumulator = new SplitMetricsAccumulator(tasks);
        accumulator.Add(probabilities, scores, stages, users, items, lists);
        return accumulator.Result();
    }
}
