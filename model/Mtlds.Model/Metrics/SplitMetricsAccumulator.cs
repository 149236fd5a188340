using Mtlds.Model.Training;

namespace Mtlds.Model.Metrics;

/// The metrics of a split gathered batch by batch, batches holding whole lists: NDCG is taken per list as
/// its batch arrives, and only what AUC, gAUC and log loss need (they rank or group the whole split) is
/// kept: each row's probabilities (4 bytes each while they are float32, as the trainer's are), stage (1) and
/// user as a dense index (4), in chunks that grow without copying. At the end AUC sorts one copy of a task's
/// probabilities with a byte label each, and gAUC orders the rows by user once for every task. The numbers
/// are those of Auc.Compute, Auc.Grouped and LogLoss.Compute over the whole split, bit for bit (same sums in
/// the same order; MetricsAccumulatorTests).
public sealed class SplitMetricsAccumulator
{
    private static readonly int[] Ks = [5, 10];
    private readonly IReadOnlyList<string> _tasks;
    private readonly ProbabilityColumn[] _probabilities;
    private readonly ChunkedColumn<sbyte> _stages = new();
    private readonly ChunkedColumn<int> _users = new();
    /// User id → dense index, in order of first appearance (the order Auc.Grouped weights groups in).
    private readonly Dictionary<long, int> _userIndex = [];
    private readonly DefinedMean[] _ndcg = new DefinedMean[Ks.Length];

    public SplitMetricsAccumulator(IReadOnlyList<string> tasks)
    {
        _tasks = tasks;
        _probabilities = tasks.Select(_ => new ProbabilityColumn()).ToArray();
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
        for (var t = 0; t < _tasks.Count; t++) _probabilities[t].Add(probabilities[t]);
        var indices = new int[n];
        var stageBytes = new sbyte[n];
        for (var i = 0; i < n; i++)
        {
            if (!_userIndex.TryGetValue(users[i], out var u)) _userIndex[users[i]] = u = _userIndex.Count;
            indices[i] = u;
            stageBytes[i] = (sbyte)stages[i];
        }
        _users.Add(indices);
        _stages.Add(stageBytes);
        foreach (var (start, length) in lists)
            for (var k = 0; k < Ks.Length; k++)
                _ndcg[k].Add(Ndcg.Compute(scores.Slice(start, length), stages.Slice(start, length), items.Slice(start, length), Ks[k]));
    }

    public SplitMetrics Result()
    {
        var n = (int)_stages.Count;
        var stages = new sbyte[n];
        _stages.CopyTo(stages);
        var (rowsByUser, userStart) = RowsByUser(n);
        var auc = new SortedDictionary<string, double>();
        var gauc = new SortedDictionary<string, double>();
        var logloss = new SortedDictionary<string, double>();
        for (var t = 0; t < _tasks.Count; t++)
        {
            var threshold = ScoredBatch.Threshold(_tasks[t]);
            var p = _probabilities[t];
            auc[_tasks[t]] = p.Auc(stages, threshold);
            gauc[_tasks[t]] = GroupedAuc(p, stages, threshold, rowsByUser, userStart);
            logloss[_tasks[t]] = LogLoss(p, stages, threshold);
        }
        var ndcg = new SortedDictionary<string, double>();
        for (var k = 0; k < Ks.Length; k++)
            ndcg[Ks[k].ToString(System.Globalization.CultureInfo.InvariantCulture)] = _ndcg[k].Value;
        return new SplitMetrics(auc, gauc, ndcg, logloss, n);
    }

    /// The rows of each user in row order, users in order of first appearance (a stable counting sort).
    private (int[] Rows, int[] Start) RowsByUser(int n)
    {
        var start = new int[_userIndex.Count + 1];
        for (long i = 0; i < n; i++) start[_users[i] + 1]++;
        for (var u = 0; u < _userIndex.Count; u++) start[u + 1] += start[u];
        var next = (int[])start.Clone();
        var rows = new int[n];
        for (var i = 0; i < n; i++) rows[next[_users[i]]++] = i;
        return (rows, start);
    }

    /// Auc.Grouped: each user's AUC where the user has both classes, weighted by the user's rows.
    private static double GroupedAuc(ProbabilityColumn p, sbyte[] stages, int threshold, int[] rowsByUser, int[] userStart)
    {
        double weighted = 0;
        long weight = 0;
        for (var u = 0; u + 1 < userStart.Length; u++)
        {
            var count = userStart[u + 1] - userStart[u];
            var s = new double[count];
            var l = new int[count];
            for (var j = 0; j < count; j++)
            {
                var row = rowsByUser[userStart[u] + j];
                s[j] = p[row];
                l[j] = stages[row] >= threshold ? 1 : 0;
            }
            var auc = Auc.Compute(s, l);
            if (double.IsNaN(auc)) continue;
            weighted += auc * count;
            weight += count;
        }
        return weight == 0 ? double.NaN : weighted / weight;
    }

    /// LogLoss.Compute over the column, in row order.
    private static double LogLoss(ProbabilityColumn p, sbyte[] stages, int threshold)
    {
        if (stages.Length == 0) return double.NaN;
        double sum = 0;
        for (var i = 0; i < stages.Length; i++)
        {
            var q = Math.Clamp(p[i], Metrics.LogLoss.Epsilon, 1 - Metrics.LogLoss.Epsilon);
            sum -= stages[i] >= threshold ? Math.Log(q) : Math.Log(1 - q);
        }
        return sum / stages.Length;
    }
}
