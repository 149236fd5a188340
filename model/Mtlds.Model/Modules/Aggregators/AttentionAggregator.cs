using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Mtlds.Model.Modules.Aggregators;

/// Beyond the paper (its open question 3): weights that depend on the probabilities themselves,
/// α = softmax(W · logit(p) + b), s = T · Σ_t α_t p_t. With W = 0 it starts as the sum (T times the mean).
public sealed class AttentionAggregator : Aggregator
{
    private readonly Linear _attend;
    private readonly int _tasks;

    public AttentionAggregator(int tasks) : base("attention")
    {
        _tasks = tasks;
        _attend = Linear(tasks, tasks);
        using (no_grad())
        {
            _attend.weight!.zero_();
            _attend.bias!.zero_();
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor p)
    {
        using var scope = NewDisposeScope();
        var logits = p.clamp(Scalars.ProbabilityFloor, Scalars.ProbabilityCeiling).logit();
        var alpha = _attend.forward(logits).softmax(-1);
        using var tasks = ((double)_tasks).ToScalar();
        return (alpha * p).sum(-1).mul(tasks).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _attend.Dispose();
        base.Dispose(disposing);
    }
}
