using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mtlds.Model.Modules.Aggregators;

/// s = Σ_t w_t p_t with learned weights (the paper's best operator), initialised to 1 (the sum).
public sealed class LinearAggregator : Aggregator
{
    private readonly Parameter _weights;

    public LinearAggregator(int tasks) : base("linear")
    {
        _weights = new Parameter(ones(tasks));
        RegisterComponents();
    }

    public Tensor Weights => _weights;

    public override Tensor forward(Tensor p) => (p * _weights).sum(-1);
}
