using Mtlds.Model.Metrics;

namespace Mtlds.Model.Tests.Metrics;

/// The accumulator keeps a split in compact chunked columns; its metrics must be those computed over whole
/// arrays (and, for AUC, those of counting every positive–negative pair).
public sealed class MetricsAccumulatorTests
{
    private static readonly string[] Tasks = ["click", "cart", "purchase"];

    [Theory]
    [InlineData(1, "float32", 1 << 20, false)]
    [InlineData(2, "double", 1 << 20, false)]
    [InlineData(3, "float32", 1 << 20, false)]
    [InlineData(4, "float32 then double", 1 << 20, false)]
    // Small chunks: AUC merges many sorted chunks (ties across them); users in runs, as the reader gives them.
    [InlineData(5, "float32", 97, true)]
    [InlineData(6, "float32 then double", 64, true)]
    [InlineData(7, "float32", 1, false)]
    public void Batch_by_batch_metrics_equal_the_whole_split_s_and_pair_counting(int seed, string values, int chunkRows, bool usersInRuns)
    {
        var rng = new Random(seed);
        const int n = 3_000;
        // Coarse values so that ties are common; float32 values as the trainer gives, or doubles that are not
        // (from the start, or after 2,000 float32 rows: the column then moves to doubles).
        double Draw(int i) => values == "float32" || (values != "double" && i < 2_000)
            ? (float)(rng.Next(40) / 40.0 + 0.01) : rng.Next(40) / 40.0 + 1e-9 * rng.Next(1, 1000);
        var p = Tasks.Select(_ => Enumerable.Range(0, n).Select(Draw).ToArray()).ToArray();
        var stages = Enumerable.Range(0, n).Select(_ => rng.Next(100) switch { < 60 => 0, < 85 => 1, < 95 => 2, _ => 3 }).ToArray();
        // Interleaved users, or runs of rows of one user with users coming back later (as in several periods).
        var users = usersInRuns
            ? Enumerable.Range(0, n).Select(i => (long)((i / 37 * 11 + i / 400) % 50 * 7919 + 3)).ToArray()
            : Enumerable.Range(0, n).Select(i => (long)(rng.Next(50) * 7919 + 3)).ToArray();
        var items = Enumerable.Range(0, n).Select(i => (long)i).ToArray();
        var scores = Enumerable.Range(0, n).Select(i => p[0][i] + p[1][i] + p[2][i]).ToArray();

        var accumulator = new SplitMetricsAccumulator(Tasks, chunkRows);
        for (var start = 0; start < n;)
        {
            var length = Math.Min(n - start, 1 + rng.Next(700));
            var range = new Range(start, start + length);
            accumulator.Add(p.Select(x => x[range]).ToArray(), scores[range], stages[range], users[range], items[range], [(0, length)]);
            start += length;
        }
        var m = accumulator.Result();

        for (var t = 0; t < Tasks.Length; t++)
        {
            var threshold = t + 1;
            var labels = stages.Select(s => s >= threshold ? 1 : 0).ToArray();
            Assert.Equal(Auc.Compute(p[t], labels), m.Auc[Tasks[t]]);
            Assert.Equal(PairCountAuc(p[t], labels), m.Auc[Tasks[t]], 12);
            Assert.Equal(Auc.Grouped(p[t], labels, users), m.Gauc[Tasks[t]]);
            Assert.Equal(LogLoss.Compute(p[t], labels), m.Logloss[Tasks[t]]);
        }
        Assert.Equal(n, m.Samples);
    }

    /// AUC as the share of positive–negative pairs ordered right, ties counting half.
    private static double PairCountAuc(double[] s, int[] y)
    {
        double right = 0;
        long pairs = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (y[i] == 0) continue;
            for (var j = 0; j < s.Length; j++)
            {
                if (y[j] != 0) continue;
                pairs++;
                right += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
            }
        }
        return right / pairs;
    }
}
