using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mtlds.Model.Optimization;

/// Adam for the dense weights, the same arithmetic as TorchSharp's `optim.Adam` (no weight decay, no AMSGrad)
/// in the same order, so the weights it gives are bit-identical. Why not TorchSharp's own: its step passes
/// doubles that become Scalars by implicit conversion, and a Scalar nobody holds can be finalized while the
/// native call still reads it ("Expected false to be true" from `add_(Scalar)`: seen in CI, and within about
/// 500 steps under constant garbage collection). Here every Scalar is held for the length of its call.
public sealed class DenseAdam : IDisposable
{
    private readonly Parameter[] _parameters;
    private readonly Tensor[] _m, _v;
    private readonly long[] _steps;
    private readonly double _lr, _beta1, _beta2;
    private readonly Scalar _beta1Scalar, _beta2Scalar, _rest1, _rest2, _eps;

    public DenseAdam(IEnumerable<Parameter> parameters, double lr, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    {
        _parameters = parameters.ToArray();
        using (no_grad())
        {
            _m = _parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
            _v = _parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        }
        _steps = new long[_parameters.Length];
        (_lr, _beta1, _beta2) = (lr, beta1, beta2);
        _beta1Scalar = beta1.ToScalar();
        _beta2Scalar = beta2.ToScalar();
        _rest1 = (1 - beta1).ToScalar();
        _rest2 = (1 - beta2).ToScalar();
        _eps = eps.ToScalar();
    }

    public void ZeroGrad()
    {
        foreach (var p in _parameters)
        {
            using var grad = p.grad; // a new handle each read: disposed here, not left to the finalizer
            grad?.zero_();
        }
    }

    public void Step()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        for (var i = 0; i < _parameters.Length; i++)
        {
            if (_parameters[i].grad is not { } grad) continue;
            _steps[i]++;
            var bias1 = 1 - Math.Pow(_beta1, _steps[i]);
            var bias2 = 1 - Math.Pow(_beta2, _steps[i]);
            _m[i].mul_(_beta1Scalar).add_(grad, _rest1);
            _v[i].mul_(_beta2Scalar).addcmul_(grad, grad, _rest2);
            using var rootBias2 = Math.Sqrt(bias2).ToScalar();
            using var minusStep = (-(_lr / bias1)).ToScalar();
            var denominator = _v[i].sqrt().div_(rootBias2).add_(_eps, Scalars.One); // add_(Scalar) alone makes its alpha 1 by conversion
            _parameters[i].addcdiv_(_m[i], denominator, minusStep);
        }
    }

    /// The step counts and moments, in the order of the parameters.
    public void Save(BinaryWriter writer)
    {
        for (var i = 0; i < _parameters.Length; i++)
        {
            writer.Write(_steps[i]);
            _m[i].Save(writer);
            _v[i].Save(writer);
        }
    }

    public void Load(BinaryReader reader)
    {
        using var noGrad = no_grad();
        for (var i = 0; i < _parameters.Length; i++)
        {
            _steps[i] = reader.ReadInt64();
            _m[i].Load(reader);
            _v[i].Load(reader);
        }
    }

    public void Dispose()
    {
        foreach (var t in _m.Concat(_v)) t.Dispose();
        foreach (var s in new[] { _beta1Scalar, _beta2Scalar, _rest1, _rest2, _eps }) s.Dispose();
    }
}
