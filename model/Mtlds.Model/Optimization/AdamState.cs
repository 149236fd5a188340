using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mtlds.Model.Optimization;

/// What an Adam keeps per parameter: the first and second moments (zero at the start, the shape of the
/// parameter) and the number of steps taken. Saved in the order of the parameters, for checkpoints.
internal sealed class AdamState : IDisposable
{
    public AdamState(IEnumerable<Parameter> parameters)
    {
        Parameters = parameters.ToArray();
        First = Parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        Second = Parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        Steps = new long[Parameters.Length];
    }

    public Parameter[] Parameters { get; }
    public Tensor[] First { get; }
    public Tensor[] Second { get; }
    public long[] Steps { get; }

    /// Zeroes the gradients of the parameters.
    public void ZeroGrad()
    {
        foreach (var p in Parameters)
        {
            using var grad = p.grad; // a new handle each read: disposed here, not left to the finalizer
            grad?.zero_();
        }
    }

    public void Save(BinaryWriter writer)
    {
        for (var i = 0; i < Parameters.Length; i++)
        {
            writer.Write(Steps[i]);
            First[i].Save(writer);
            Second[i].Save(writer);
        }
    }

    public void Load(BinaryReader reader)
    {
        using var noGrad = no_grad();
        for (var i = 0; i < Parameters.Length; i++)
        {
            Steps[i] = reader.ReadInt64();
            First[i].Load(reader);
            Second[i].Load(reader);
        }
    }

    public void Dispose()
    {
        foreach (var t in First.Concat(Second)) t.Dispose();
    }
}
