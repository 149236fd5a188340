using System.Runtime.InteropServices;
using Mtlds.Model.Training;

namespace Mtlds.Model.Metrics;

/// The metrics of a split gathered batch by batch, batches holding whole lists: NDCG is taken per list as
/// its batch arrives, and only what AUC, gAUC and log loss need (they rank or group the whole split) is
/// kept: each row's probabilities, stage and user, 8·T + 9 bytes, where holding every prediction column
/// took about three times that. The numbers are those of computing everything at the end (same order of sums).
public sealed class SplitMetricsAccumulator
{
    private static readonly int[] Ks = [5, 10];
    private readonly IReadOnlyList<string> _tasks;
    private readonly List<double>[] _probabilities;
    private readonly List<sbyte> _stages = [];
    private readonly List<long> _users = [];
    private readonly DefinedMean[] _ndcg = new DefinedMean[Ks.Length];

    public SplitMetricsAccumulator(IReadOnlyList<string> tasks)
    {
        _tasks = tasks;
        _probabilities = tasks.Select(_ => new List<double>()).ToArray();
    }

    /// One batch: per-task probabilities [T][N], the ranking score, stage, user and item of every row, and the
    /// lists as row ranges within the batch.
    public void Add(IReadOnlyList<double[]> probabilities, ReadOnlySpan<double> scores, ReadOnlySpan<int> stages,
        ReadOnlySpan<long> users, ReadOnlySpan<long> items, IEnumerable<(int Start, int Length)> lists)
    {
        if (probabilities.Count != _tasks.Count) throw new ArgumentException($"{probabilities.Count} probability columns for {_tasks.Count} tasks");
        var n = stages.Length;
        if (scores.Length != n || users.Length != n || items.Length != n || probabilities.Any(p => p.Length != n))
            throw new ArgumentException("batch columns differ in length");
        for (var t = 0; t < _tasks.Count; t++) _probabilities[t].AddRange(probabilities[t]);
        foreach (var s in stages) _stages.Add((sbyte)s);
        _users.AddRange(users);
        foreach (var (start, length) in lists)
            for (var k = 0; k < Ks.Length; k++)
                _ndcg[k].Add(Ndcg.Compute(scores.Slice(start, length), stages.Slice(start, length), items.Slice(start, length), Ks[k]));
    }

    public SplitMetrics Result()
    {
        var stages = CollectionsMarshal.AsSpan(_stages);
        var users = CollectionsMarshal.AsSpan(_users);
        var labels = new int[stages.Length];
        var auc = new SortedDictionary<string, double>();
        var gauc = new SortedDictionary<string, double>();
        var logloss = new SortedDictionary<string, double>();
        for (var t = 0; t < _tasks.Count; t++)
        {
            var threshold = ScoredBatch.Threshold(_tasks[t]);
            for (var i = 0; i < labels.Length; i++) labels[i] = stages[i] >= threshold ? 1 : 0;
            var p = CollectionsMarshal.AsSpan(_probabilities[t]);
            auc[_tasks[t]] = Auc.Compute(p, labels);
            gauc[_tasks[t]] = Auc.Grouped(p, labels, users);
            logloss[_tasks[t]] = LogLoss.Compute(p, labels);
        }
        var ndcg = new SortedDictionary<string, double>();
        for (var k = 0; k < Ks.Length; k++)
            ndcg[Ks[k].ToString(System.Globalization.CultureInfo.InvariantCulture)] = _ndcg[k].Value;
        return new SplitMetrics(auc, gauc, ndcg, logloss, stages.Length);
    }
}
