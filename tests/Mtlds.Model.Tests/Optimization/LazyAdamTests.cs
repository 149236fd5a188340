using Mtlds.Model.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtlds.Model.Tests.Optimization;

public sealed class LazyAdamTests
{
    /// The same table trained twice from the same start: once dense (torch's Adam), once sparse (LazyAdam).
    private static (Tensor Dense, Tensor Lazy) TrainBoth(Func<int, long[]> lookups, int steps)
    {
        torch.manual_seed(3);
        using var dense = nn.Embedding(10, 4);
        using var lazy = nn.Embedding(10, 4, sparse: true);
        using (no_grad()) lazy.weight!.copy_(dense.weight!);
        using var adam = optim.Adam(dense.parameters(), lr: 0.1);
        using var lazyAdam = new LazyAdam([lazy.weight!], lr: 0.1);
        using var target = torch.randn(10, 4);
        for (var step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            var ids = tensor(lookups(step));
            adam.zero_grad();
            lazyAdam.ZeroGrad();
            // A loss whose gradient differs per lookup and per row: squared distance to a per-row target.
            (dense.forward(ids) - target.index_select(0, ids)).pow(2).sum().backward();
            (lazy.forward(ids) - target.index_select(0, ids)).pow(2).sum().backward();
            adam.step();
            lazyAdam.Step();
        }
        return (dense.weight!.detach().clone(), lazy.weight!.detach().clone());
    }

    [Fact]
    public void When_every_row_is_looked_up_every_step_it_is_exactly_Adam()
    {
        // Every row each step, some twice (their gradients must be summed, as the dense gradient does).
        var (dense, lazy) = TrainBoth(_ => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3, 3, 7], steps: 20);
        using (dense) using (lazy)
        {
            var gap = (dense - lazy).abs().max().item<float>();
            Assert.True(gap < 1e-5f, $"LazyAdam differs from Adam by {gap}");
            Assert.True((dense - torch.zeros_like(dense)).abs().max().item<float>() > 0);
        }
    }

    [Fact]
    public void Rows_no_batch_looked_up_keep_their_weights_while_the_others_learn()
    {
        torch.manual_seed(5);
        using var table = nn.Embedding(10, 4, sparse: true);
        using var before = table.weight!.detach().clone();
        using var lazyAdam = new LazyAdam([table.weight!], lr: 0.1);
        for (var step = 0; step < 5; step++)
        {
            using var scope = NewDisposeScope();
            lazyAdam.ZeroGrad();
            table.forward(tensor(new long[] { 1, 4, 4 })).sum().backward();
            lazyAdam.Step();
        }
        using var moved = (table.weight!.detach() - before).abs().sum(1);
        var perRow = moved.data<float>().ToArray();
        Assert.All(new[] { 0, 2, 3, 5, 6, 7, 8, 9 }, r => Assert.Equal(0f, perRow[r]));
        Assert.True(perRow[1] > 0.1f && perRow[4] > 0.1f, $"looked-up rows moved {perRow[1]} and {perRow[4]}");
    }

    [Fact]
    public void It_refuses_a_dense_gradient_with_the_fix_in_the_message()
    {
        using var table = nn.Embedding(4, 2);
        using var lazyAdam = new LazyAdam([table.weight!], lr: 0.1);
        table.forward(tensor(new long[] { 1 })).sum().backward();
        var e = Assert.Throws<InvalidOperationException>(lazyAdam.Step);
        Assert.Contains("sparse: true", e.Message);
    }
}
