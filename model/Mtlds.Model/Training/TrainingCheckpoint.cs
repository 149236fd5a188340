using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;
using Mtlds.Model.Optimization;
using static TorchSharp.torch;

namespace Mtlds.Model.Training;

/// The whole state of a training after an epoch: current weights, Adam's moments, the best epoch's weights and
/// the curve so far. The trainer hands one to its caller after every epoch; where it is written (a file beside
/// the model, say) is the caller's business. Resuming from it continues with the next epoch exactly as if
/// training had never stopped: nothing else in training draws random numbers.
public sealed class TrainingCheckpoint(int epoch, Action<Stream> write)
{
    private const string Magic = "mtlds-checkpoint/3"; // 3: the dense weights' Adam state is DenseAdam's, not TorchSharp's

    private static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals, // an undefined AUC is NaN
    };

    /// The epoch this state was taken after (1-based).
    public int Epoch { get; } = epoch;

    /// Writes the state; the stream is left open.
    public void WriteTo(Stream stream) => write(stream);

    /// The epoch a written state was taken after, read without loading it; the stream is rewound.
    public static int PeekEpoch(Stream stream)
    {
        using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        CheckMagic(ReadMagic(r));
        var epoch = JsonSerializer.Deserialize<Progress>(r.ReadString(), Json)?.Epoch ?? 0;
        stream.Position = 0;
        return epoch;
    }

    private static void CheckMagic(string magic)
    {
        if (magic == Magic) return;
        throw new InvalidDataException(magic.StartsWith("mtlds-checkpoint/", StringComparison.Ordinal)
            ? $"the checkpoint was written by another version of mtlds (format '{magic}', this one reads '{Magic}'); train without --resume"
            : $"not a training checkpoint (expected '{Magic}')");
    }

    private static string ReadMagic(BinaryReader r)
    {
        try { return r.ReadString(); }
        catch (Exception e) when (e is EndOfStreamException or IOException) { throw new InvalidDataException("the checkpoint is empty or truncated", e); }
    }

    internal sealed record Progress(string Config, int Epoch, long Step, double BestAuc, int BestEpoch, IReadOnlyList<Trainer.Epoch> Curve);

    internal static void Write(Stream stream, Progress progress, Trainer trainer, ModelOptimizer optimizer, Dictionary<string, Tensor>? best)
    {
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(JsonSerializer.Serialize(progress, Json));
        trainer.Network.save(w);
        trainer.Aggregator?.save(w);
        optimizer.Save(w);
        w.Write(best is not null);
        if (best is not null)
            foreach (var key in best.Keys.Order(StringComparer.Ordinal))
                best[key].Save(w);
    }

    /// Loads a written state into the trainer and its optimizer; returns the progress and the best weights.
    internal static (Progress Progress, Dictionary<string, Tensor>? Best) Read(Stream stream, string config, Trainer trainer, ModelOptimizer optimizer)
    {
        using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        CheckMagic(ReadMagic(r));
        var progress = JsonSerializer.Deserialize<Progress>(r.ReadString(), Json) ?? throw new InvalidDataException("the checkpoint has no progress record");
        if (progress.Config != config)
            throw new InvalidDataException($"the checkpoint was written by a training with another configuration ({progress.Config}); train without resuming or into another directory");
        trainer.Network.load(r);
        trainer.Aggregator?.load(r);
        optimizer.Load(r);
        Dictionary<string, Tensor>? best = null;
        if (r.ReadBoolean())
        {
            using var noGrad = no_grad();
            best = [];
            foreach (var (key, t) in trainer.State().OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                var copy = t.clone();
                copy.Load(r);
                best[key] = copy;
            }
        }
        return (progress, best);
    }
}
