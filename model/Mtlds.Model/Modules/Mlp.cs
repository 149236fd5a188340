using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Mtlds.Model.Modules;

/// Linear + ReLU layers: the shared bottom, an MMoE expert.
public sealed class Mlp : Module<Tensor, Tensor>
{
    private readonly Sequential _layers;

    public Mlp(string name, int inputs, IReadOnlyList<int> widths) : base(name)
    {
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        var previous = inputs;
        for (var i = 0; i < widths.Count; i++)
        {
            layers.Add(($"linear{i}", Linear(previous, widths[i])));
            layers.Add(($"relu{i}", ReLU()));
            previous = widths[i];
        }
        _layers = Sequential(layers);
        Outputs = previous;
        RegisterComponents();
    }

    public int Outputs { get; }

    public override Tensor forward(Tensor x) => _layers.forward(x);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _layers.Dispose();
        base.Dispose(disposing);
    }
}
