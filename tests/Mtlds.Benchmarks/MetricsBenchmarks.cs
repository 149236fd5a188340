using BenchmarkDotNet.Attributes;
using Mtlds.Model.Metrics;

namespace Mtlds.Benchmarks;

/// AUC and mean NDCG@10 over 1M scores (lists of 16), as the evaluation of a large split computes them.
[MemoryDiagnoser]
public class MetricsBenchmarks
{
    private const int N = 1_000_000, ListLength = 16;
    private double[] _scores = null!;
    private int[] _labels = null!, _stages = null!;
    private List<(double[] Scores, int[] Stages, long[] ItemIds)> _lists = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _scores = new double[N];
        _labels = new int[N];
        _stages = new int[N];
        for (var i = 0; i < N; i++)
        {
            _stages[i] = rng.Next(10) switch { < 7 => 0, < 9 => 1, _ => rng.Next(2, 4) };
            _labels[i] = _stages[i] >= 3 ? 1 : 0;
            _scores[i] = rng.NextDouble() + 0.3 * _stages[i];
        }
        _lists = [];
        for (var start = 0; start < N; start += ListLength)
            _lists.Add((_scores[start..(start + ListLength)], _stages[start..(start + ListLength)],
                Enumerable.Range(0, ListLength).Select(j => (long)(start + j)).ToArray()));
    }

    [Benchmark]
    public double Auc1M() => Auc.Compute(_scores, _labels);

    [Benchmark]
    public double Ndcg10Over1M() => Ndcg.Mean(_lists, 10);
}
