using System.Text.Json;
using System.Text.Json.Serialization;
using Mtlds.Model.Metrics;
using Mtlds.Model.Training;
using Mtlds.Model.Trees;

namespace Mtlds.Pipelines.Training;

/// A trained model on disk: config.json (the resolved ModelConfig and the feature standardisation),
/// network.bin and aggregator.bin (TorchSharp weights) or lightgbm-{task}.zip (boosted trees), metrics.json ({"valid": M, "test": M}) and curve.csv;
/// while training runs, checkpoint.bin holds the state after the last finished epoch (removed once the model
/// is saved). Files appear by rename, never half-written.
public static class ModelDirectory
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals, // an undefined AUC is NaN
    };

    public const string CheckpointFile = "checkpoint.bin";

    /// ValidPeriods/TestPeriods: the split the model was trained with (null: the build's default), which
    /// scoring uses too.
    public sealed record Config(ModelConfig Model, FeatureSpec Features, string DataManifestSqlHash, int? ValidPeriods = null, int? TestPeriods = null);

    public static void Save(string dir, IScoringModel model, Config config, IReadOnlyDictionary<string, SplitMetrics> metrics,
        IReadOnlyList<Trainer.Epoch> curve)
    {
        Directory.CreateDirectory(dir);
        // metrics.json marks a complete model: it goes first and comes back last, so a save killed half-way
        // leaves a folder that Load refuses instead of old metrics beside new weights.
        File.Delete(Path.Combine(dir, "metrics.json"));
        switch (model)
        {
            case Trainer trainer:
                Write(dir, "network.bin", s => { using var w = new BinaryWriter(s); trainer.Network.save(w); });
                if (trainer.Aggregator is not null)
                    Write(dir, "aggregator.bin", s => { using var w = new BinaryWriter(s); trainer.Aggregator.save(w); });
                break;
            case BoostedTrees trees:
                foreach (var task in config.Model.Tasks) Write(dir, TreesFile(task), s => trees.Save(task, s));
                break;
            default:
                throw new ArgumentException($"cannot save a {model.GetType().Name}");
        }
        Write(dir, "config.json", s => JsonSerializer.Serialize(s, config, Json));
        Write(dir, "curve.csv", s =>
        {
            using var w = new StreamWriter(s) { NewLine = "\n" };
            w.WriteLine("epoch,train_loss,steps,valid_auc_purchase,valid_ndcg10,valid_ndcg_purchase10,best");
            foreach (var e in curve)
                w.WriteLine(FormattableString.Invariant($"{e.Number},{e.TrainLoss:R},{e.Steps},{e.Valid.Auc["purchase"]:R},{e.Valid.Ndcg["10"]:R},{e.Valid.NdcgPurchase["10"]:R},{(e.Best ? 1 : 0)}"));
        });
        Write(dir, "metrics.json", s => JsonSerializer.Serialize(s, metrics, Json));
    }

    /// The boosted trees of one task (--model lightgbm), as ML.NET saves them.
    public static string TreesFile(string task) => $"lightgbm-{task}.zip";

    /// The saved model (a trainer holding the saved weights, or the boosted trees), ready to score.
    public static (IScoringModel Model, Config Config) Load(string dir)
    {
        var path = Path.Combine(dir, "config.json");
        if (!File.Exists(path)) throw new InputException($"{dir}: not a model directory (no config.json); train one with mtlds train");
        if (!File.Exists(Path.Combine(dir, "metrics.json")))
            throw new InputException($"{dir}: the model is incomplete (no metrics.json: its training or saving was interrupted); rerun mtlds train with --resume");
        var config = JsonSerializer.Deserialize<Config>(File.ReadAllText(path), Json) ?? throw new InputException($"{path}: empty");
        if (config.Model.Model == "lightgbm")
            return (BoostedTrees.Load(config.Model, config.Features, task => File.OpenRead(Path.Combine(dir, TreesFile(task)))), config);
        var trainer = new Trainer(config.Model, config.Features);
        try
        {
            using (var r = new BinaryReader(File.OpenRead(Path.Combine(dir, "network.bin")))) trainer.Network.load(r);
            if (trainer.Aggregator is not null)
                using (var r = new BinaryReader(File.OpenRead(Path.Combine(dir, "aggregator.bin")))) trainer.Aggregator.load(r);
        }
        catch (ArgumentException e)
        {
            trainer.Dispose();
            // e.g. a linear aggregator saved before its weights were normalised (learned logits now)
            throw new InputException($"{dir}: its saved weights do not fit this version's {config.Model.Model} model ({e.Message}); retrain it with mtlds train");
        }
        return (trainer, config);
    }

    /// Replaces the directory's checkpoint with this one, atomically.
    public static void SaveCheckpoint(string dir, TrainingCheckpoint checkpoint)
    {
        Directory.CreateDirectory(dir);
        Write(dir, CheckpointFile, checkpoint.WriteTo);
    }

    /// The checkpoint to resume from, or null when the directory has none.
    public static Stream? OpenCheckpoint(string dir)
    {
        var path = Path.Combine(dir, CheckpointFile);
        return File.Exists(path) ? File.OpenRead(path) : null;
    }

    public static void DeleteCheckpoint(string dir)
    {
        if (Directory.Exists(dir)) File.Delete(Path.Combine(dir, CheckpointFile));
    }

    private static void Write(string dir, string name, Action<Stream> write)
    {
        var tmp = Path.Combine(dir, $".{name}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var s = File.Create(tmp)) write(s);
            File.Move(tmp, Path.Combine(dir, name), overwrite: true);
        }
        finally
        {
            File.Delete(tmp);
        }
    }
}
