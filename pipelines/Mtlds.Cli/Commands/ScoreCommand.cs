using System.CommandLine;
using Mtlds.Pipelines.Scoring;
using Spectre.Console;

namespace Mtlds.Cli.Commands;

/// `mtlds score`: a saved model over one split of a feature build, to a score file.
internal static class ScoreCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model directory (mtlds train --out)", Required = true };
        var data = new Option<string>("--data") { Description = "Feature build folder (mtlds features --out)", Required = true };
        var split = new Option<string>("--split") { Description = "train, valid or test", DefaultValueFactory = _ => "test" };
        split.AcceptOnlyFromAmong("train", "valid", "test");
        var outFile = new Option<string?>("--out") { Description = "Score file, .csv or .parquet (default: MODEL/scores-SPLIT.csv)" };
        var runId = new Option<string?>("--run-id") { Description = "Run id (default: time, model and a random suffix)" };
        var command = new Command("score",
            "Score one split with a saved model; rows are run_id, split, user_id, item_id, period, score, p_*, y_*, stage.\n\n"
            + "Example:\n  mtlds score --model data/demo/model --data data/demo/features --split test --out data/demo/scores.parquet")
        {
            model, data, split, outFile, runId,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var modelDir = parse.GetValue(model)!;
            var splitName = parse.GetValue(split)!;
            var path = parse.GetValue(outFile) ?? Path.Combine(modelDir, $"scores-{splitName}.csv");
            var id = parse.GetValue(runId);
            if (id is not null) RunId.Validate(id);
            ScoringRun.Outcome outcome = null!;
            CliRunner.Out.Status().Start("scoring", _ =>
            {
                outcome = new ScoringRun(modelDir, parse.GetValue(data)!, splitName)
                    .Run(id ?? RunId.New(new DirectoryInfo(modelDir).Name), config => new ScoreFileSink(path, config.Model.Tasks));
            });
            CliRunner.Out.MarkupLine(Markup.Escape(
                $"scored {outcome.Rows:N0} {outcome.Split} rows as run {outcome.RunId} into {path} in {outcome.Elapsed.TotalSeconds:F1} s"));
            return 0;
        }));
        return command;
    }
}
