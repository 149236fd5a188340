namespace Mtlds.Model.Training;

/// Everything that defines a model and its training; saved beside the weights as the resolved config.
public sealed record ModelConfig
{
    /// mtlds, single-task, shared-bottom, esmm, mmoe, listnet (TorchSharp networks) or lightgbm (per-task
    /// boosted trees on the same features: the baseline practitioners reach for first).
    public string Model { get; init; } = "mtlds";
    /// Label names in funnel order; 2..3 of click, cart, purchase. The last one is the headline label.
    public IReadOnlyList<string> Tasks { get; init; } = ["click", "cart", "purchase"];
    public string Aggregator { get; init; } = "linear";
    /// softsort or neuralsort.
    public string Sort { get; init; } = "softsort";
    public double Tau { get; init; } = 1.0;
    /// Weight of the summed BCE next to the sorting loss: L = L_sort + λ·Σ BCE.
    public double Lambda { get; init; } = 1.0;
    public int Buckets { get; init; } = 100_000;
    public int EmbeddingDim { get; init; } = 16;
    /// none, or dot: the bottom also reads the dot products of the user, item and category embeddings (the
    /// second-order terms of a factorisation machine), so the network can learn a user × item affinity as
    /// matrix factorisation does; an MLP over concatenated embeddings learns such products poorly.
    public string Interactions { get; init; } = "none";
    public IReadOnlyList<int> Bottom { get; init; } = [256, 128];
    public int TowerHidden { get; init; } = 64;
    public int Experts { get; init; } = 4;
    public double LearningRate { get; init; } = 1e-3;
    /// lazy-adam: sparse embedding gradients, Adam over the looked-up rows only (LazyAdam), dense Adam elsewhere;
    /// adam: dense Adam over every parameter, every row of the tables on every step (slower, the textbook update).
    public string Optimizer { get; init; } = "lazy-adam";
    public int Epochs { get; init; } = 5;
    /// Lists per batch (a batch holds whole lists).
    public int BatchLists { get; init; } = 256;
    /// Lists longer than this drop negatives (stage 0) first, then split into consecutive chunks.
    public int ListCap { get; init; } = 64;
    public int Patience { get; init; } = 2;
    /// Varies the initial weights and, with ShuffleLists, the order of every epoch's training lists.
    public int Seed { get; init; } = 42;
    /// Lists in the shuffle buffer the training split streams through, reshuffled every epoch from Seed (the
    /// caller that reads the data does it: the trainer asks for each epoch's split); 0 reads the lists in file
    /// order, the same batches every epoch. 4,096 lists is about 16 batches of 256.
    public int ShuffleLists { get; init; } = 4_096;

    /// LightGBM (Model = lightgbm): at most this many trees per task, fewer when the validation log loss has
    /// not improved for BoostingPatience rounds (early stopping on the valid split, as the networks' epochs).
    public int BoostingRounds { get; init; } = 2_000;
    public int BoostingPatience { get; init; } = 50;
    public double BoostingLearningRate { get; init; } = 0.05;
    public int Leaves { get; init; } = 31;

    public static readonly IReadOnlyList<string> Models = ["mtlds", "single-task", "shared-bottom", "esmm", "mmoe", "listnet", "lightgbm"];

    public void Validate()
    {
        if (!Models.Contains(Model)) throw new ArgumentException($"--model '{Model}' is not one of {string.Join(", ", Models)}");
        string[] funnel = ["click", "cart", "purchase"];
        if (Tasks.Count is < 2 or > 3 || Tasks.Any(t => !funnel.Contains(t)) || !Tasks.SequenceEqual(funnel.Where(Tasks.Contains)) || Tasks[^1] != "purchase")
            throw new ArgumentException("tasks must be 2 or 3 of click, cart, purchase in funnel order, ending with purchase");
        if (Sort is not ("softsort" or "neuralsort")) throw new ArgumentException($"--sort '{Sort}' is not one of softsort, neuralsort");
        if (Interactions is not ("none" or "dot")) throw new ArgumentException($"--interactions '{Interactions}' is not one of none, dot");
        if (Optimizer is not ("lazy-adam" or "adam")) throw new ArgumentException($"--optimizer '{Optimizer}' is not one of lazy-adam, adam");
        if (!(Tau > 0)) throw new ArgumentException($"--tau {Tau} must be positive");
        if (!(Lambda >= 0)) throw new ArgumentException($"--lambda {Lambda} must be ≥ 0");
        if (Epochs < 1 || BatchLists < 1 || ListCap < 2 || Buckets < 2) throw new ArgumentException("epochs, batch lists, list cap and buckets must be positive");
        if (BoostingRounds < 1 || BoostingPatience < 1 || Leaves < 2 || !(BoostingLearningRate > 0))
            throw new ArgumentException("boosting rounds and patience must be positive, leaves at least 2 and the boosting learning rate positive");
        if (ShuffleLists < 0) throw new ArgumentException($"--shuffle-lists {ShuffleLists} must be ≥ 0 (0: file order)");
    }
}
