namespace Mtlds.Model.Metrics;

/// Area under the ROC curve as the Mann–Whitney U statistic with average ranks for tied scores (DESIGN §7).
public static class Auc
{
    /// NaN when the labels hold only one class (AUC is undefined there).
    public static double Compute(ReadOnlySpan<double> scores, ReadOnlySpan<int> labels)
    {
        if (scores.Length != labels.Length) throw new ArgumentException("scores and labels differ in length");
        var n = scores.Length;
        var order = new int[n];
        for (var i = 0; i < n; i++) order[i] = i;
        var keys = scores.ToArray();
        Array.Sort(keys, order);
        var sortedLabels = new byte[n];
        for (var i = 0; i < n; i++) sortedLabels[i] = labels[order[i]] != 0 ? (byte)1 : (byte)0;
        return OfSorted(keys, sortedLabels);
    }

    /// The AUC of scores already sorted ascending, each with its label (1 positive) beside it. Tied scores share
    /// their average rank; every positive of a tie adds the same rank, so the order within a tie does not matter.
    internal static double OfSorted<T>(ReadOnlySpan<T> keys, ReadOnlySpan<byte> labels) where T : IEquatable<T>
    {
        var n = keys.Length;
        long positives = 0;
        double positiveRankSum = 0;
        for (var start = 0; start < n;)
        {
            var end = start + 1;
            while (end < n && keys[end].Equals(keys[start])) end++;
            var averageRank = (start + 1 + end) / 2.0; // ranks start..end-1 are 1-based start+1..end
            for (var j = start; j < end; j++)
                if (labels[j] != 0) { positives++; positiveRankSum += averageRank; }
            start = end;
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) return double.NaN;
        return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }

    /// Group AUC: the AUC of each group (user) that has both classes, weighted by the group's sample count.
    /// NaN when no group has both classes.
    public static double Grouped(ReadOnlySpan<double> scores, ReadOnlySpan<int> labels, ReadOnlySpan<long> groups)
    {
        var byGroup = new Dictionary<long, List<int>>();
        for (var i = 0; i < groups.Length; i++)
        {
            if (!byGroup.TryGetValue(groups[i], out var rows)) byGroup[groups[i]] = rows = [];
            rows.Add(i);
        }
        double weighted = 0;
        long weight = 0;
        foreach (var rows in byGroup.Values)
        {
            var s = new double[rows.Count];
            var l = new int[rows.Count];
            for (var j = 0; j < rows.Count; j++) { s[j] = scores[rows[j]]; l[j] = labels[rows[j]]; }
            var auc = Compute(s, l);
            if (double.IsNaN(auc)) continue;
            weighted += auc * rows.Count;
            weight += rows.Count;
        }
        return weight == 0 ? double.NaN : weighted / weight;
    }
}
