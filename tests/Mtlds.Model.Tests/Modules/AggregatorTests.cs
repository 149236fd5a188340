using Mtlds.Model.Modules.Aggregators;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtlds.Model.Tests.Modules;

public sealed class AggregatorTests
{
    // p = (click, cart, purchase)
    private static readonly double[] P = [0.9, 0.5, 0.2];

    [Theory]
    [InlineData("sum", 1.6, new[] { 1.0, 1.0, 1.0 })]
    [InlineData("mul", 0.09, new[] { 0.1, 0.18, 0.45 })]        // ∂Πp/∂p_t = Π_{u≠t} p_u
    [InlineData("max", 0.9, new[] { 1.0, 0.0, 0.0 })]
    [InlineData("linear", 1.6, new[] { 1.0, 1.0, 1.0 })]        // weights start at 1
    [InlineData("attention", 1.6, new[] { 1.0, 1.0, 1.0 })]     // W = 0: α uniform and independent of p, s = T·mean = sum
    public void Each_operator_gives_the_hand_computed_value_and_gradient(string kind, double value, double[] gradient)
    {
        // Every temporary tensor is held by the scope, so the GC never finalizes one mid-call.
        using var testScope = NewDisposeScope();
        using var agg = Aggregator.Create(kind, 3);
        agg.to(ScalarType.Float64);
        using var p = tensor(P).requires_grad_();
        using var s = agg.forward(p);
        s.backward();
        Assert.Equal(value, s.item<double>(), 12);
        var g = p.grad!.data<double>().ToArray();
        if (kind == "attention")
        {
            // α = softmax(W logit(p) + b) with W = 0 has no dependence on p, so ∂s/∂p_t = T·α_t = 1.
            Assert.Equal(gradient, g.Select(x => Math.Round(x, 12)));
            return;
        }
        for (var t = 0; t < 3; t++) Assert.Equal(gradient[t], g[t], 12);
    }

    [Fact]
    public void Linear_weights_sum_to_the_task_count_whatever_is_learned_and_their_logits_get_the_softmax_gradient()
    {
        // Every temporary tensor is held by the scope, so the GC never finalizes one mid-call.
        using var testScope = NewDisposeScope();
        using var agg = new LinearAggregator(3);
        agg.to(ScalarType.Float64);
        using var s = agg.forward(tensor(P));
        s.backward();
        // s = T Σ α_t p_t with α = softmax(v): ∂s/∂v_j = T α_j (p_j − Σ α_t p_t); at v = 0, α = 1/3: p_j − mean p.
        var mean = P.Average();
        Assert.Equal(P.Select(p => Math.Round(p - mean, 12)), agg.Logits.grad!.data<double>().ToArray().Select(x => Math.Round(x, 12)));

        // However far the logits move, the weights keep their sum (the scores' scale, which τ divides).
        using (no_grad()) agg.Logits.copy_(tensor(new[] { 4.0, -3.0, 0.5 }));
        Assert.Equal(3.0, agg.Weights.sum().item<double>(), 12);
        Assert.All(agg.Weights.data<double>().ToArray(), w => Assert.True(w > 0));
    }

    /// The paper's argument (MTLDS §3.3): with outcomes as 0/1 task indicators, mul, max and sum each score
    /// some behaviour sequences equal that the order purchase > cart > click > none tells apart; a linear
    /// operator with increasing weights separates them all.
    [Fact]
    public void Mul_max_and_sum_cannot_separate_some_behaviour_sequences_that_linear_can()
    {
        // Every temporary tensor is held by the scope, so the GC never finalizes one mid-call.
        using var testScope = NewDisposeScope();
        double[][] inOrder =
        [
            [0, 0, 0], // no click
            [1, 0, 0], // click
            [1, 1, 0], // click, cart
            [1, 0, 1], // click, purchase without a cart (Taobao has them): above any cart-only sequence
            [1, 1, 1], // click, cart, purchase
        ];
        bool Separates(Aggregator agg)
        {
            using var scope = NewDisposeScope();
            var scores = agg.forward(tensor(inOrder.SelectMany(r => r).ToArray()).reshape(5, 3)).data<double>().ToArray();
            return scores.Zip(scores.Skip(1)).All(x => x.First < x.Second);
        }

        using var mul = Aggregator.Create("mul", 3);
        using var max = Aggregator.Create("max", 3);
        using var sum = Aggregator.Create("sum", 3);
        using var linear = new LinearAggregator(3);
        foreach (var a in new[] { mul, max, sum, linear }) a.to(ScalarType.Float64);
        using (no_grad()) linear.Logits.copy_(tensor(new[] { Math.Log(1), Math.Log(2), Math.Log(4) })); // w ∝ 1, 2, 4

        Assert.False(Separates(mul));   // no click = click = click, cart (all 0)
        Assert.False(Separates(max));   // click = click, cart = … (all 1)
        Assert.False(Separates(sum));   // click, cart = click, purchase (both 2)
        Assert.True(Separates(linear)); // ∝ 0 < 1 < 3 < 5 < 7
    }
}
