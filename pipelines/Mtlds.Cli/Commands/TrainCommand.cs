using System.CommandLine;
using Mtlds.Model.Training;
using Mtlds.Pipelines.Postgres;
using Mtlds.Pipelines.Training;
using Spectre.Console;

namespace Mtlds.Cli.Commands;

/// `mtlds train`: MTLDS or a baseline on a feature build, to a model directory.
internal static class TrainCommand
{
    public static Command Create()
    {
        var d = new ModelConfig();
        var data = new Option<string>("--data") { Description = "Feature build folder (mtlds features --out)", Required = true };
        var outDir = new Option<string>("--out") { Description = "Model directory to write", Required = true };
        var model = new Option<string>("--model") { Description = string.Join(", ", ModelConfig.Models), DefaultValueFactory = _ => d.Model };
        var aggregator = new Option<string>("--aggregator") { Description = "linear, sum, mul, max, attention", DefaultValueFactory = _ => d.Aggregator };
        var sort = new Option<string>("--sort") { Description = "softsort or neuralsort", DefaultValueFactory = _ => d.Sort };
        var tau = new Option<double>("--tau") { Description = "Temperature of the differentiable sort", DefaultValueFactory = _ => d.Tau };
        var lambda = new Option<double>("--lambda") { Description = "Weight of the summed BCE: L = L_sort + λ·ΣBCE", DefaultValueFactory = _ => d.Lambda };
        var epochs = new Option<int>("--epochs") { Description = "Epochs at most (early stopping on valid purchase AUC)", DefaultValueFactory = _ => d.Epochs };
        var batchLists = new Option<int>("--batch-lists") { Description = "Lists per batch", DefaultValueFactory = _ => d.BatchLists };
        var labels = new Option<string>("--labels") { Description = "Tasks in funnel order: click,cart,purchase or click,purchase", DefaultValueFactory = _ => string.Join(',', d.Tasks) };
        var buckets = new Option<int>("--buckets") { Description = "Hash buckets per id embedding (user, item, category)", DefaultValueFactory = _ => d.Buckets };
        var learningRate = new Option<double>("--learning-rate") { Description = "Adam's learning rate", DefaultValueFactory = _ => d.LearningRate };
        var optimizer = new Option<string>("--optimizer") { Description = "lazy-adam (Adam over the embedding rows a batch looked up; fast) or adam (dense)", DefaultValueFactory = _ => d.Optimizer };
        var resume = new Option<bool>("--resume") { Description = "Continue from the checkpoint in --out (written after every epoch); starts afresh when there is none" };
        var validPeriods = new Option<int?>("--valid-periods") { Description = "Periods in the valid split, before the test ones (default: the build's split)" };
        var testPeriods = new Option<int?>("--test-periods") { Description = "Last periods that form the test split (default: the build's); the rest train, statistics merged for them" };
        var seed = new Option<int>("--seed") { Description = "Seed of the initial weights and of every epoch's list order: the same seed gives the same metrics", DefaultValueFactory = _ => d.Seed };
        var interactions = new Option<string>("--interactions") { Description = "none, or dot: the user, item and category embeddings' pairwise dot products as inputs too", DefaultValueFactory = _ => d.Interactions };
        var shuffleLists = new Option<int>("--shuffle-lists") { Description = "Lists in the training shuffle buffer, reshuffled every epoch from the seed; 0: file order", DefaultValueFactory = _ => d.ShuffleLists };
        var boostingRounds = new Option<int>("--boosting-rounds") { Description = "lightgbm: trees per task at most", DefaultValueFactory = _ => d.BoostingRounds };
        var boostingPatience = new Option<int>("--boosting-patience") { Description = "lightgbm: rounds without a better valid log loss before it stops", DefaultValueFactory = _ => d.BoostingPatience };
        var boostingLearningRate = new Option<double>("--boosting-learning-rate") { Description = "lightgbm: learning rate (shrinkage)", DefaultValueFactory = _ => d.BoostingLearningRate };
        var leaves = new Option<int>("--leaves") { Description = "lightgbm: leaves per tree", DefaultValueFactory = _ => d.Leaves };
        var command = new Command("train",
            "Train MTLDS (or a baseline) on a feature build; writes weights, config.json, metrics.json and curve.csv.\n\n"
            + "Example:\n  mtlds train --data data/demo/features --model mtlds --aggregator linear --tau 1 --lambda 1 --out data/demo/model")
        {
            data, outDir, model, aggregator, sort, tau, lambda, epochs, batchLists, labels, seed, buckets, learningRate, optimizer, resume,
            validPeriods, testPeriods, shuffleLists, interactions, boostingRounds, boostingPatience, boostingLearningRate, leaves,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var config = new ModelConfig
            {
                Model = parse.GetValue(model)!,
                Aggregator = parse.GetValue(aggregator)!,
                Sort = parse.GetValue(sort)!,
                Tau = parse.GetValue(tau),
                Lambda = parse.GetValue(lambda),
                Epochs = parse.GetValue(epochs),
                BatchLists = parse.GetValue(batchLists),
                Tasks = parse.GetValue(labels)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                Seed = parse.GetValue(seed),
                Buckets = parse.GetValue(buckets),
                LearningRate = parse.GetValue(learningRate),
                Optimizer = parse.GetValue(optimizer)!,
                ShuffleLists = parse.GetValue(shuffleLists),
                Interactions = parse.GetValue(interactions)!,
                BoostingRounds = parse.GetValue(boostingRounds),
                BoostingPatience = parse.GetValue(boostingPatience),
                BoostingLearningRate = parse.GetValue(boostingLearningRate),
                Leaves = parse.GetValue(leaves),
            };
            if (!Model.Modules.Aggregators.Aggregator.Kinds.Contains(config.Aggregator))
                throw new Pipelines.ConfigurationException($"--aggregator '{config.Aggregator}' is not one of {string.Join(", ", Model.Modules.Aggregators.Aggregator.Kinds)}");
            IReadOnlyDictionary<string, Model.Metrics.SplitMetrics> metrics = null!;
            CliRunner.Out.Status().Start("training", ctx =>
            {
                var run = new TrainingRun(parse.GetValue(data)!, config)
                {
                    SplitPeriods = parse.GetValue(validPeriods) is null && parse.GetValue(testPeriods) is null
                        ? null : (parse.GetValue(validPeriods), parse.GetValue(testPeriods)),
                    Resume = parse.GetValue(resume),
                    OnResume = epoch => CliRunner.Out.MarkupLine(Markup.Escape(epoch == 0
                        ? $"no checkpoint in {parse.GetValue(outDir)}; training starts at epoch 1"
                        : $"resuming after epoch {epoch} from {Path.Combine(parse.GetValue(outDir)!, ModelDirectory.CheckpointFile)}")),
                    OnStep = (step, loss) => { if (step % 25 == 0) ctx.Status(Markup.Escape($"training: step {step}, loss {loss:F4}")); },
                    OnEpoch = e => CliRunner.Out.MarkupLine(Markup.Escape(FormattableString.Invariant(
                        $"{(config.Model == "lightgbm" ? $"boosted {e.Steps} trees (all tasks)" : $"epoch {e.Number}: train loss {e.TrainLoss:F4}")}, valid purchase AUC {e.Valid.Auc["purchase"]:F4}, NDCG@10 graded {e.Valid.Ndcg["10"]:F4}, purchase {e.Valid.NdcgPurchase["10"]:F4}{(e.Best ? " (best)" : "")}"))),
                };
                try { metrics = run.RunAsync(parse.GetValue(outDir)!).GetAwaiter().GetResult(); }
                catch (TrainingDivergedException e) { throw new Pipelines.ConfigurationException(e.Message); }
            });
            // The table `mtlds run` and `evaluate` print, from the same rows metrics.json holds.
            var rows = metrics.SelectMany(m => m.Value.Rows().Select(r => new RunsQueries.MetricRow(m.Key, r.Metric, r.Label, double.IsNaN(r.Value) ? null : r.Value, null))).ToList();
            var table = RunCommand.MetricTable(rows, $"model {parse.GetValue(outDir)}");
            CliRunner.Out.Write(table);
            return 0;
        }));
        return command;
    }
}
