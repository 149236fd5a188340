using Mtlds.Model.Training;
using Mtlds.Pipelines.Features;

namespace Mtlds.Pipelines.Runs;

/// Every option of every step of `mtlds run`, as a YAML config file holds it (sections features, train, score;
/// keys in snake_case). Defaults are the commands' defaults. The connection string is not here: it is a
/// secret, so it comes from --pg or MTLDS_PG only.
public sealed class PipelineConfig
{
    public FeaturesSection Features { get; set; } = new();
    public TrainSection Train { get; set; } = new();
    public ScoreSection Score { get; set; } = new();

    public sealed class FeaturesSection
    {
        public string Source { get; set; } = "";
        public string Events { get; set; } = "";
        public string Period { get; set; } = "day";
        public int Negatives { get; set; } = 4;
        public int Seed { get; set; } = 42;
        public string Format { get; set; } = "parquet";
        public string? From { get; set; }
        public string? To { get; set; }
        public string Timezone { get; set; } = "UTC";
        public int ValidPeriods { get; set; } = 1;
        public int TestPeriods { get; set; } = 1;
        public double Alpha { get; set; } = 10;
        /// Where `mtlds features --config` writes when --out is not given. `mtlds run` keeps its dataset under
        /// its own --out (beside the model and the run state), so it does not read this.
        public string? Out { get; set; }

        public FeatureOptions ToOptions(string outDir) => new()
        {
            Source = Source, EventsPath = Events, OutDir = outDir, Period = Period, Negatives = Negatives, Seed = Seed,
            Format = Format, From = From, To = To, Timezone = Timezone, ValidPeriods = ValidPeriods, TestPeriods = TestPeriods, Alpha = Alpha,
        };
    }

    public sealed class TrainSection
    {
        private static readonly ModelConfig D = new();
        public string Model { get; set; } = D.Model;
        public List<string> Labels { get; set; } = [.. D.Tasks];
        public string Aggregator { get; set; } = D.Aggregator;
        public string Sort { get; set; } = D.Sort;
        public double Tau { get; set; } = D.Tau;
        public double Lambda { get; set; } = D.Lambda;
        public int Buckets { get; set; } = D.Buckets;
        public int EmbeddingDim { get; set; } = D.EmbeddingDim;
        /// none, or dot (the embeddings' pairwise dot products as inputs too).
        public string Interactions { get; set; } = D.Interactions;
        public List<int> Bottom { get; set; } = [.. D.Bottom];
        public int TowerHidden { get; set; } = D.TowerHidden;
        public int Experts { get; set; } = D.Experts;
        public double LearningRate { get; set; } = D.LearningRate;
        /// lazy-adam (Adam over the embedding rows a batch looked up) or adam (dense).
        public string Optimizer { get; set; } = D.Optimizer;
        public int Epochs { get; set; } = D.Epochs;
        public int BatchLists { get; set; } = D.BatchLists;
        public int ListCap { get; set; } = D.ListCap;
        public int Patience { get; set; } = D.Patience;
        public int Seed { get; set; } = D.Seed;
        /// Lists in the training shuffle buffer (reshuffled every epoch from the seed); 0: file order.
        public int ShuffleLists { get; set; } = D.ShuffleLists;
        /// Share (0..1) of training lists whose stages are shuffled among their rows (label noise): the
        /// robustness experiment. 0 trains on the data as it is. (Named order_noise before issue #14.)
        public double LabelShuffle { get; set; }
        /// LightGBM (model: lightgbm): trees per task at most, rounds without a better valid log loss before it
        /// stops, its learning rate and leaves per tree. The networks ignore them.
        public int BoostingRounds { get; set; } = D.BoostingRounds;
        public int BoostingPatience { get; set; } = D.BoostingPatience;
        public double BoostingLearningRate { get; set; } = D.BoostingLearningRate;
        public int Leaves { get; set; } = D.Leaves;

        public ModelConfig ToModelConfig() => new()
        {
            Model = Model, Tasks = Labels.ToList(), Aggregator = Aggregator, Sort = Sort, Tau = Tau, Lambda = Lambda, Buckets = Buckets,
            EmbeddingDim = EmbeddingDim, Interactions = Interactions, Bottom = Bottom.ToList(), TowerHidden = TowerHidden, Experts = Experts, LearningRate = LearningRate, Optimizer = Optimizer,
            Epochs = Epochs, BatchLists = BatchLists, ListCap = ListCap, Patience = Patience, Seed = Seed, ShuffleLists = ShuffleLists,
            BoostingRounds = BoostingRounds, BoostingPatience = BoostingPatience, BoostingLearningRate = BoostingLearningRate, Leaves = Leaves,
        };
    }

    public sealed class ScoreSection
    {
        public string Split { get; set; } = "test";
        public string Schema { get; set; } = Postgres.PostgresTarget.DefaultSchema;
        /// Default: the output folder's name and a hash of the step's inputs, so a rerun replaces its own rows.
        public string? RunId { get; set; }
    }

    /// Checks every value; the message names the key. `requireInputs`: source and events must be set.
    public void Validate(bool requireInputs = true)
    {
        try
        {
            Features.ToOptions("out").Validate();
        }
        catch (ConfigurationException e)
        {
            throw new ConfigurationException("features: " + e.Message.Replace("--", "", StringComparison.Ordinal));
        }
        if (requireInputs && Features.Source.Length == 0) throw new ConfigurationException("features.source is required (taobao, retailrocket, rees46, canonical)");
        if (requireInputs && Features.Events.Length == 0) throw new ConfigurationException("features.events is required (a file, folder or glob)");
        try
        {
            Train.ToModelConfig().Validate();
            if (!Model.Modules.Aggregators.Aggregator.Kinds.Contains(Train.Aggregator))
                throw new ArgumentException($"aggregator '{Train.Aggregator}' is not one of {string.Join(", ", Model.Modules.Aggregators.Aggregator.Kinds)}");
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException("train: " + e.Message.Replace("--", "", StringComparison.Ordinal));
        }
        if (Train.LabelShuffle is < 0 or > 1) throw new ConfigurationException($"train.label_shuffle {Train.LabelShuffle} is outside 0..1");
        if (Score.Split is not ("train" or "valid" or "test")) throw new ConfigurationException($"score.split '{Score.Split}' is not one of train, valid, test");
        Postgres.SqlIdentifier.Quote(Score.Schema, "score.schema");
        if (Score.RunId is not null) Scoring.RunId.Validate(Score.RunId);
    }
}
