using Mtlds.Model.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtlds.Model.Tests.Optimization;

public sealed class DenseAdamTests
{
    [Fact]
    public void It_gives_the_weights_of_TorchSharp_s_Adam_bit_for_bit_and_resumes_from_its_saved_state()
    {
        // Two copies of a small network from the same start, one stepped by each optimizer, one lr, one data.
        torch.manual_seed(11);
        using var ours = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 1));
        using var theirs = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 1));
        using (no_grad())
            foreach (var (a, b) in ours.parameters().Zip(theirs.parameters())) b.copy_(a);
        using var denseAdam = new DenseAdam(ours.parameters(), lr: 0.05);
        using var adam = optim.Adam(theirs.parameters(), lr: 0.05);
        using var x = randn(32, 6);
        using var y = randn(32, 1);
        void Step(nn.Module<Tensor, Tensor> net, Action zero, Action step)
        {
            using var scope = NewDisposeScope();
            zero();
            (net.forward(x) - y).square().mean().backward();
            step();
        }
        for (var i = 0; i < 15; i++)
        {
            Step(ours, denseAdam.ZeroGrad, denseAdam.Step);
            Step(theirs, adam.zero_grad, () => adam.step());
        }

        // Save half-way, continue in a fresh optimizer restored from the bytes.
        using var saved = new MemoryStream();
        using (var w = new BinaryWriter(saved, System.Text.Encoding.UTF8, leaveOpen: true)) denseAdam.Save(w);
        using var restored = new DenseAdam(ours.parameters(), lr: 0.05);
        saved.Position = 0;
        using (var r = new BinaryReader(saved)) restored.Load(r);
        for (var i = 0; i < 15; i++)
        {
            Step(ours, restored.ZeroGrad, restored.Step);
            Step(theirs, adam.zero_grad, () => adam.step());
        }

        var moved = false;
        foreach (var (a, b) in ours.parameters().Zip(theirs.parameters()))
        {
            Assert.True(a.equal(b).all().item<bool>(), "DenseAdam's weights differ from TorchSharp's Adam's");
            moved |= a.abs().sum().item<float>() > 0;
        }
        Assert.True(moved);
    }
}
