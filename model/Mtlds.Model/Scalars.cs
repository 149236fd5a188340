using TorchSharp;

namespace Mtlds.Model;

/// Constants passed to tensor operations as Scalars that stay alive. TorchSharp's implicit double → Scalar
/// conversion leaves a native object to the finalizer, which may run while the native call still reads it
/// (we saw "toFloat … Expected false to be true" under GC pressure). Static fields are never finalized;
/// run-time values (τ, λ) are held by `using` for the length of the call.
internal static class Scalars
{
    public static readonly Scalar NegativeInfinity = double.NegativeInfinity.ToScalar();
    public static readonly Scalar PositiveInfinity = double.PositiveInfinity.ToScalar();
    public static readonly Scalar Zero = 0.0.ToScalar();
    public static readonly Scalar One = 1.0.ToScalar();
    public static readonly Scalar Two = 2.0.ToScalar();
    public static readonly Scalar MinusOne = (-1).ToScalar();
    public static readonly Scalar ProbabilityFloor = 1e-7.ToScalar();
    public static readonly Scalar ProbabilityCeiling = (1 - 1e-7).ToScalar();
}
