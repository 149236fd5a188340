using Mtlds.Model.Training;

namespace Mtlds.Model.Metrics;

/// The metrics of a split gathered batch by batch, batches holding whole lists: NDCG is taken per list as
/// its batch arrives, and only what AUC, gAUC and log loss need (they rank or group the whole split) is
/// kept: each row's probabilities (4 bytes each while they are float32, as the trainer's are) and stage (1),
/// in chunks that grow without copying, and the user of each run of rows (a list: rows come grouped by user
/// within a period, so a user costs a few bytes per list, not per row). At the end gAUC orders the runs by
/// user, and AUC sorts each task's chunks in place and merges them (a byte per row). That is about 13 bytes a
/// row at the peak, where the split of a 30M-event Taobao-shaped log has 13.5M rows. The numbers are those of
/// Auc.Compute, Auc.Grouped and LogLoss.Compute over the whole split, bit for bit (same sums in the same order;
/// MetricsAccumulatorTests).
public sealed class SplitMetricsAccumulator
{
    private static readonly int[] Ks = [5, 10];
    private readonly IReadOnlyList<string> _tasks;
    private readonly ProbabilityColumn[] _probabilities;
    private readonly ChunkedColumn<sbyte> _stages;
    /// Runs of consecutive rows of one user: the first row of each, and the user as a dense index.
    private readonly ChunkedColumn<int> _runStarts, _runUsers;
    /// User id → dense index, in order of first appearance (the order Auc.Grouped weights groups in).
    private readonly Dictionary<long, int> _userIndex = [];
    private long _lastUser;
    private readonly DefinedMean[] _ndcg = new DefinedMean[Ks.Length];
    private readonly DefinedMean[] _ndcgPurchase = new DefinedMean[Ks.Length];
    private readonly int _purchase;

    /// `chunkRows`: rows per chunk of the kept columns (tests make it small to exercise the merge of many).
    public SplitMetricsAccumulator(IReadOnlyList<string> tasks, int chunkRows = 1 << 20)
    {
        if (chunkRows < 1) throw new ArgumentOutOfRangeException(nameof(chunkRows));
        _tasks = tasks;
        _probabilities = tasks.Select(_ => new ProbabilityColumn(chunkRows)).ToArray();
        _stages = new ChunkedColumn<sbyte>(chunkRows);
        _runStarts = new ChunkedColumn<int>(chunkRows);
        _runUsers = new ChunkedColumn<int>(chunkRows);
        _purchase = tasks.ToList().IndexOf("purchase");
        if (_purchase < 0) throw new ArgumentException("the tasks have no purchase: purchase-relevance NDCG needs p_purchase", nameof(tasks));
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
        if (_stages.Count + n > int.MaxValue) throw new InvalidOperationException($"a split of more than {int.MaxValue:N0} rows cannot be evaluated in one pass");
        var first = (int)_stages.Count;
        for (var t = 0; t < _tasks.Count; t++) _probabilities[t].Add(probabilities[t]);
        var stageBytes = new sbyte[n];
        for (var i = 0; i < n; i++)
        {
            stageBytes[i] = (sbyte)stages[i];
            if (first + i > 0 && users[i] == _lastUser) continue;
            if (!_userIndex.TryGetValue(users[i], out var u)) _userIndex[users[i]] = u = _userIndex.Count;
            _runStarts.Add(first + i);
            _runUsers.Add(u);
            _lastUser = users[i];
        }
        _stages.Add(stageBytes);
        // Purchase relevance: 1 for a purchase, else 0 (gain 2^1 − 1 = 1), ranked by p_purchase.
        var purchased = new int[n];
        var bought = ScoredBatch.Threshold("purchase");
        for (var i = 0; i < n; i++) purchased[i] = stages[i] >= bought ? 1 : 0;
        var pPurchase = probabilities[_purchase];
        foreach (var (start, length) in lists)
            for (var k = 0; k < Ks.Length; k++)
            {
                _ndcg[k].Add(Ndcg.Compute(scores.Slice(start, length), stages.Slice(start, length), items.Slice(start, length), Ks[k]));
                _ndcgPurchase[k].Add(Ndcg.Compute(pPurchase.AsSpan(start, length), purchased.AsSpan(start, length), items.Slice(start, length), Ks[k]));
            }
    }

    /// The metrics of a split's scored batches, whatever model scored them.
    public static SplitMetrics Of(IReadOnlyList<string> tasks, IEnumerable<ScoredBatch> batches)
    {
        var metrics = new SplitMetricsAccumulator(tasks);
        foreach (var b in batches) metrics.Add(b.Probabilities, b.Scores, b.Stages, b.Users, b.Items, b.Lists);
        return metrics.Result();
    }

    public SplitMetrics Result()
    {
        var n = (int)_stages.Count;
        var stages = new sbyte[n];
        _stages.CopyTo(stages);
        var (runsByUser, userStart) = RunsByUser();
        var auc = new SortedDictionary<string, double>();
        var gauc = new SortedDictionary<string, double>();
        var logloss = new SortedDictionary<string, double>();
        for (var t = 0; t < _tasks.Count; t++)
        {
            var threshold = ScoredBatch.Threshold(_tasks[t]);
            var p = _probabilities[t];
            gauc[_tasks[t]] = GroupedAuc(p, stages, threshold, runsByUser, userStart);
            logloss[_tasks[t]] = LogLoss(p, stages, threshold);
            auc[_tasks[t]] = p.SortedAuc(stages, threshold); // last: it sorts the column
        }
        var ndcg = new SortedDictionary<string, double>();
        var ndcgPurchase = new SortedDictionary<string, double>();
        for (var k = 0; k < Ks.Length; k++)
        {
            var key = Ks[k].ToString(System.Globalization.CultureInfo.InvariantCulture);
            ndcg[key] = _ndcg[k].Value;
            ndcgPurchase[key] = _ndcgPurchase[k].Value;
        }
        return new SplitMetrics(auc, gauc, ndcg, ndcgPurchase, logloss, n);
    }

    /// The runs of each user in row order, users in order of first appearance (a stable counting sort of runs).
    private (int[] Runs, int[] Start) RunsByUser()
    {
        var runs = (int)_runUsers.Count;
        var start = new int[_userIndex.Count + 1];
        for (long r = 0; r < runs; r++) start[_runUsers[r] + 1]++;
        for (var u = 0; u < _userIndex.Count; u++) start[u + 1] += start[u];
        var next = (int[])start.Clone();
        var byUser = new int[runs];
        for (var r = 0; r < runs; r++) byUser[next[_runUsers[r]]++] = r;
        return (byUser, start);
    }

    /// The rows of run `r`: from its start to the next run's (or the split's end).
    private (int Start, int End) RunRows(int r, int rows) =>
        ((int)_runStarts[r], r + 1 < _runStarts.Count ? (int)_runStarts[r + 1] : rows);

    /// Auc.Grouped: each user's AUC where the user has both classes, weighted by the user's rows.
    private double GroupedAuc(ProbabilityColumn p, sbyte[] stages, int threshold, int[] runsByUser, int[] userStart)
    {
        double weighted = 0;
        long weight = 0;
        var s = new List<double>();
        var l = new List<int>();
        for (var u = 0; u + 1 < userStart.Length; u++)
        {
            s.Clear();
            l.Clear();
            for (var j = userStart[u]; j < userStart[u + 1]; j++)
            {
                var (first, end) = RunRows(runsByUser[j], stages.Length);
                for (var row = first; row < end; row++)
                {
                    s.Add(p[row]);
                    l.Add(stages[row] >= threshold ? 1 : 0);
                }
            }
            var auc = Auc.Compute(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(s), System.Runtime.InteropServices.CollectionsMarshal.AsSpan(l));
            if (double.IsNaN(auc)) continue;
            weighted += auc * s.Count;
            weight += s.Count;
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
