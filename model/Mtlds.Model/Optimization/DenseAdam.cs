using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mtlds.Model.Optimization;

/// Adam for the dense weights, the same arithmetic as TorchSharp's `optim.Adam` (no weight decay, no AMSGrad)
/// in the same order, so the weights it gives are bit-identical. Why not TorchSharp's own: its step passes
/// doubles that become Scalars by implicit conversion, and a Scalar nobody holds can be finalized while the
/// native call still reads it ("Expected false to be true" from `add_(Scalar)`: seen in CI, and within a few
/// hundred steps under constant garbage collection). Here every Scalar is held for the length of its call.
public sealed class DenseAdam : IDisposable
{
    private readonly AdamState _state;
    private readonly double _lr, _beta1, _beta2;
    private readonly Scalar _beta1Scalar, _beta2Scalar, _rest1, _rest2, _eps;

    public DenseAdam(IEnumerable<Parameter> parameters, double lr, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    {
        _state = new AdamState(parameters);
        (_lr, _beta1, _beta2) = (lr, beta1, beta2);
        _beta1Scalar = beta1.ToScalar();
        _beta2Scalar = beta2.ToScalar();
        _rest1 = (1 - beta1).ToScalar();
        _rest2 = (1 - beta2).ToScalar();
        _eps = eps.ToScalar();
    }

    public void ZeroGrad() => _state.ZeroGrad();

    public void Step()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (parameters, m, v, steps) = (_state.Parameters, _state.First, _state.Second, _state.Steps);
        for (var i = 0; i < parameters.Length; i++)
        {
            if (parameters[i].grad is not { } grad) continue;
            steps[i]++;
            var bias1 = 1 - Math.Pow(_beta1, steps[i]);
            var bias2 = 1 - Math.Pow(_beta2, steps[i]);
            m[i].mul_(_beta1Scalar).add_(grad, _rest1);
            v[i].mul_(_beta2Scalar).addcmul_(grad, grad, _rest2);
            using var rootBias2 = Math.Sqrt(bias2).ToScalar();
            using var minusStep = (-(_lr / bias1)).ToScalar();
            // The alpha given: add_(Scalar) alone passes a converted 1.
            var denominator = v[i].sqrt().div_(rootBias2).add_(_eps, Scalars.One);
            parameters[i].addcdiv_(m[i], denominator, minusStep);
        }
    }

    /// The step counts and moments, in the order of the parameters.
    public void Save(BinaryWriter writer) => _state.Save(writer);

    public void Load(BinaryReader reader) => _state.Load(reader);

    public void Dispose()
    {
        _state.Dispose();
        foreach (var s in new[] { _beta1Scalar, _beta2Scalar, _rest1, _rest2, _eps }) s.Dispose();
    }
}
