using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mtlds.Model.Modules.Aggregators;

/// s = Σ_t w_t p_t with learned weights (the paper's best operator), normalised: w = T · softmax(v), so the
/// weights always sum to T. They start equal (v = 0: w = 1, the sum) and learn only how the tasks share the
/// score, not its scale. Unconstrained weights also learned a scale, and SoftSort's loss depends on the scale
/// of the scores over τ: they grew at τ = 1 and shrank at τ = 0.3 (issue #14), a learned temperature that
/// partly undid the configured one. With the sum fixed, s ranges over [0, T] as the sum aggregator's does, and
/// τ means the same for linear and sum.
public sealed class LinearAggregator : Aggregator
{
    private readonly Parameter _logits;
    private readonly Scalar _tasks; // held: an int converted at each call could be finalized mid-call

    public LinearAggregator(int tasks) : base("linear")
    {
        _tasks = ((long)tasks).ToScalar();
        _logits = new Parameter(zeros(tasks));
        RegisterComponents();
    }

    /// The unnormalised v; Weights = T · softmax(v).
    public Parameter Logits => _logits;

    /// The weights in use (a new tensor: dispose it).
    public Tensor Weights => _logits.softmax(-1).mul(_tasks);

    public override Tensor forward(Tensor p)
    {
        using var w = Weights;
        return (p * w).sum(-1);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _tasks.Dispose();
        base.Dispose(disposing);
    }
}
