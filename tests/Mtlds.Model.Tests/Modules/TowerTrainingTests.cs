using Mtlds.Model.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtlds.Model.Tests.Modules;

public sealed class TowerTrainingTests
{
    [Fact]
    public void A_tower_trained_for_a_few_Adam_steps_lowers_its_loss_on_a_learnable_task()
    {
        torch.manual_seed(7);
        using var tower = new Tower("purchase", inputs: 8, hidden: 16);
        using var optimizer = torch.optim.Adam(tower.parameters(), lr: 0.05);

        // A linearly separable task: the label is whether the first feature exceeds the second.
        using var x = torch.randn(512, 8);
        using var y = (x[.., 0] > x[.., 1]).to_type(ScalarType.Float32);

        var losses = new List<float>();
        for (var step = 0; step < 30; step++)
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.binary_cross_entropy_with_logits(tower.forward(x), y);
            loss.backward();
            optimizer.step();
            losses.Add(loss.item<float>());
        }

        Assert.All(losses, l => Assert.True(float.IsFinite(l)));
        Assert.True(losses[^1] < 0.5f * losses[0], $"loss went from {losses[0]} to {losses[^1]}");
    }
}
