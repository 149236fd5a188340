namespace Mtlds.Model.Metrics;

/// NDCG@k of one list (all samples of a user in a period): gain 2^stage − 1, discount log2(rank + 1)
/// (DESIGN §7). Items are ranked by score, highest first; tied scores are ordered by ascending item id so
/// that SQL (ROW_NUMBER() OVER (ORDER BY score DESC, item_id)) reproduces the same number.
public static class Ndcg
{
    /// NaN for a list without any positive stage: such lists are skipped by the mean.
    public static double Compute(ReadOnlySpan<double> scores, ReadOnlySpan<int> stages, ReadOnlySpan<long> itemIds, int k)
    {
        if (scores.Length != stages.Length || scores.Length != itemIds.Length) throw new ArgumentException("list columns differ in length");
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k));
        var n = scores.Length;
        var ideal = stages.ToArray();
        Array.Sort(ideal, (a, b) => b.CompareTo(a));
        double idealDcg = 0;
        for (var r = 0; r < Math.Min(k, n); r++) idealDcg += Gain(ideal[r]) / Math.Log2(r + 2);
        if (idealDcg == 0) return double.NaN;

        var order = Enumerable.Range(0, n).ToArray();
        var s = scores.ToArray();
        var ids = itemIds.ToArray();
        Array.Sort(order, (a, b) => s[a] != s[b] ? s[b].CompareTo(s[a]) : ids[a].CompareTo(ids[b]));
        double dcg = 0;
        for (var r = 0; r < Math.Min(k, n); r++) dcg += Gain(stages[order[r]]) / Math.Log2(r + 2);
        return dcg / idealDcg;
    }

    /// Mean NDCG@k over lists, skipping lists without a positive; NaN when every list is skipped.
    public static double Mean(IEnumerable<(double[] Scores, int[] Stages, long[] ItemIds)> lists, int k)
    {
        var mean = new DefinedMean();
        foreach (var (scores, stages, ids) in lists) mean.Add(Compute(scores, stages, ids, k));
        return mean.Value;
    }

    private static double Gain(int stage) => Math.Pow(2, stage) - 1;
}
