using static TorchSharp.torch;

namespace Mtlds.Model.Training;

/// The machine's dense float32 matmul throughput through libtorch with its default threads: the compute
/// bound that a training step's FLOPs are compared with.
public static class MatmulThroughput
{
    /// GFLOP/s of a square matmul of the given size: the median of `repeats` timed products after one untimed.
    public static double MeasureGflops(int size = 1024, int repeats = 7)
    {
        using var scope = NewDisposeScope();
        var a = randn(size, size);
        var b = randn(size, size);
        a.mm(b).Dispose();
        var seconds = new List<double>();
        for (var i = 0; i < repeats; i++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            // Five products per timing, so that one is not dominated by the clock's resolution. On the CPU a
            // product is done when mm returns.
            for (var k = 0; k < 5; k++) a.mm(b).Dispose();
            seconds.Add(clock.Elapsed.TotalSeconds / 5);
        }
        seconds.Sort();
        return 2.0 * size * size * size / seconds[seconds.Count / 2] / 1e9;
    }
}
