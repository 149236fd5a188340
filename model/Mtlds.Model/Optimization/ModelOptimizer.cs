using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mtlds.Model.Optimization;

/// The optimizer a training uses: Adam for the dense weights and, when the embedding tables have sparse
/// gradients, LazyAdam for the tables. Saved and restored as one state for checkpoints.
public sealed class ModelOptimizer : IDisposable
{
    private readonly OptimizerHelper _dense;
    private readonly LazyAdam? _tables;

    /// `tables` are the parameters with sparse gradients (empty when the embeddings are dense).
    public ModelOptimizer(IEnumerable<Parameter> dense, IReadOnlyList<Parameter> tables, double lr)
    {
        _dense = optim.Adam(dense, lr: lr);
        _tables = tables.Count == 0 ? null : new LazyAdam(tables, lr);
    }

    public void ZeroGrad()
    {
        _dense.zero_grad();
        _tables?.ZeroGrad();
    }

    public void Step()
    {
        _dense.step();
        _tables?.Step();
    }

    public void Save(BinaryWriter writer)
    {
        _dense.save_state_dict(writer);
        _tables?.Save(writer);
    }

    public void Load(BinaryReader reader)
    {
        _dense.load_state_dict(reader);
        _tables?.Load(reader);
    }

    public void Dispose()
    {
        _dense.Dispose();
        _tables?.Dispose();
    }
}
