using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Mtlds.Model.Modules.Aggregators;

/// Folds the towers' probabilities p [.., T] (T tasks, click first) into one score s [..] (DESIGN §6).
public abstract class Aggregator(string name) : Module<Tensor, Tensor>(name)
{
    /// Creates the aggregator users name with --aggregator.
    public static Aggregator Create(string kind, int tasks) => kind switch
    {
        "sum" => new SumAggregator(),
        "linear" => new LinearAggregator(tasks),
        "mul" => new MulAggregator(),
        "max" => new MaxAggregator(),
        "attention" => new AttentionAggregator(tasks),
        _ => throw new ArgumentException($"--aggregator '{kind}' is not one of linear, sum, mul, max, attention"),
    };

    public static readonly IReadOnlyList<string> Kinds = ["linear", "sum", "mul", "max", "attention"];
}

/// s = Σ_t p_t.
public sealed class SumAggregator() : Aggregator("sum")
{
    public override Tensor forward(Tensor p) => p.sum(-1);
}

/// s = Π_t p_t.
public sealed class MulAggregator() : Aggregator("mul")
{
    public override Tensor forward(Tensor p) => p.prod(-1);
}

/// s = max_t p_t.
public sealed class MaxAggregator() : Aggregator("max")
{
    public override Tensor forward(Tensor p) => p.amax(new long[] { -1 });
}
