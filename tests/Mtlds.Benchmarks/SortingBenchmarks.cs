using BenchmarkDotNet.Attributes;
using Mtlds.Model.Sorting;
using static TorchSharp.torch;

namespace Mtlds.Benchmarks;

/// SoftSort and the sorting loss, forward and backward, for list sizes 8…1024. The number of lists shrinks as
/// lists grow so that every size does the same pairwise work (lists × size² = 2^22): time per benchmark then
/// shows how well each size uses the machine, not how much work it has.
[MemoryDiagnoser]
public class SortingBenchmarks
{
    private Tensor _scores = null!, _stages = null!, _mask = null!;
    private readonly SoftSort _softSort = new();

    [Params(8, 32, 128, 512, 1024)]
    public int ListSize { get; set; }

    public int Lists => Math.Max(1, (1 << 22) / (ListSize * ListSize));

    [GlobalSetup]
    public void Setup()
    {
        manual_seed(1);
        _scores = randn(Lists, ListSize);
        _stages = randint(0, 4, new long[] { Lists, ListSize });
        _mask = ones(Lists, ListSize, dtype: ScalarType.Bool);
    }

    [Benchmark]
    public float SoftSortAndLossForwardBackward()
    {
        using var scope = NewDisposeScope();
        var leaf = _scores.detach().requires_grad_(true);
        var loss = SortingLoss.Compute(_softSort.LogPermutation(leaf, _mask, 1.0), _stages, _mask);
        loss.backward();
        return leaf.grad!.sum().item<float>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _scores.Dispose();
        _stages.Dispose();
        _mask.Dispose();
    }
}
