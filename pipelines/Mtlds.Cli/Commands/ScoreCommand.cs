using System.CommandLine;
using Mtlds.Pipelines;
using Mtlds.Pipelines.Postgres;
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
        var pgOptions = new PgOptions();
        var (pg, schema) = (pgOptions.Pg, pgOptions.Schema);
        var runId = new Option<string?>("--run-id") { Description = "Run id (default: time, model and a random suffix)" };
        var command = new Command("score",
            "Score one split with a saved model; rows are run_id, split, user_id, item_id, period, score, p_*, y_*, stage.\n\n"
            + "Example:\n  mtlds score --model data/demo/model --data data/demo/features --split test --out data/demo/scores.parquet\n"
            + "  MTLDS_PG='Host=localhost;Username=mtlds;Password=…;Database=mtlds' mtlds score --model data/demo/model --data data/demo/features --pg --run-id demo-1")
        {
            model, data, split, outFile, pg, schema, runId,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var modelDir = parse.GetValue(model)!;
            var splitName = parse.GetValue(split)!;
            var id = parse.GetValue(runId);
            if (id is not null) RunId.Validate(id);
            id ??= RunId.New(new DirectoryInfo(modelDir).Name);
            PostgresTarget? target = null;
            if (parse.GetResult(pg) is not null)
            {
                if (parse.GetValue(outFile) is not null) throw new ConfigurationException("give --out (a file) or --pg (PostgreSQL), not both");
                target = pgOptions.Resolve(parse);
            }
            var path = parse.GetValue(outFile) ?? Path.Combine(modelDir, $"scores-{splitName}.csv");
            ScoringRun.Outcome outcome = null!;
            CliRunner.Out.Status().Start("scoring", _ =>
            {
                outcome = new ScoringRun(modelDir, parse.GetValue(data)!, splitName).Run(id, run => target is null
                    ? new ScoreFileSink(path, run.Model.Model.Tasks)
                    : new PostgresScoreSink(target, run.Registration, run.Split));
            });
            CliRunner.Out.MarkupLine(Markup.Escape(
                $"scored {outcome.Rows:N0} {outcome.Split} rows as run {outcome.RunId} into {(target is null ? path : target.ToString())} in {outcome.Elapsed.TotalSeconds:F1} s"));
            return 0;
        }));
        return command;
    }
}
