using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchSharp.Modules;

namespace Mtlds.Model.Modules;

/// One task's head: a small MLP over the shared representation h, giving p_t = σ(MLP_t(h)) (DESIGN §6).
public sealed class Tower : Module<Tensor, Tensor>
{
    private readonly Sequential _mlp;

    public Tower(string name, int inputs, int hidden) : base(name)
    {
        _mlp = Sequential(Linear(inputs, hidden), ReLU(), Linear(hidden, 1));
        RegisterComponents(); // or the weights are neither trained nor saved
    }

    /// Returns the logit per row, shape [batch]; the probability is its sigmoid. Losses take logits
    /// (binary_cross_entropy_with_logits) because that is numerically stable where σ saturates.
    public override Tensor forward(Tensor h) => _mlp.forward(h).squeeze(-1);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _mlp.Dispose();
        base.Dispose(disposing);
    }
}
