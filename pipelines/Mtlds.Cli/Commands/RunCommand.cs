using System.CommandLine;
using System.Globalization;
using Mtlds.Pipelines.Postgres;
using Mtlds.Pipelines.Runs;
using Spectre.Console;

namespace Mtlds.Cli.Commands;

/// `mtlds run`: features → train → score → evaluate in one output folder, skipping what is already done.
internal static class RunCommand
{
    public static Command Create()
    {
        var source = new Option<string?>("--source") { Description = "taobao, retailrocket, rees46 or canonical (features.source)" };
        var events = new Option<string?>("--events") { Description = "Event file, folder or glob (features.events)" };
        var outDir = new Option<string>("--out") { Description = "Output folder: features/, model/, scores, run-state.json", Required = true };
        var config = new Option<string?>("--config") { Description = "YAML config with sections features, train, score (see mtlds config show)" };
        var set = new Option<string[]>("--set") { Description = "Override one setting: section.key=value (repeatable), e.g. --set train.epochs=3", AllowMultipleArgumentsPerToken = false };
        var pg = new PgOptions();
        var command = new Command("run",
            "Run every step: build features, train, score the test split (to PostgreSQL with --pg, else to OUT/scores-test.parquet)\n"
            + "and evaluate. A step whose inputs and config are unchanged is skipped; an interrupted training resumes.\n\n"
            + "Examples:\n  mtlds run --source canonical --events data/generated.csv --out data/run\n"
            + "  mtlds run --config mtlds.yaml --set train.model=esmm --pg --out data/run-esmm")
        {
            source, events, outDir, config, set, pg.Pg,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var resolved = Resolve(parse, config, set, source, events);
            var target = parse.GetResult(pg.Pg) is null ? null : PostgresTarget.Resolve(parse.GetValue(pg.Pg), resolved.Score.Schema)
                ?? throw new Pipelines.ConfigurationException($"--pg needs a connection string, or ${PostgresTarget.EnvironmentVariable} set");
            if (resolved.Features.Out is { Length: > 0 } ignored)
                CliRunner.Out.MarkupLine(Markup.Escape(
                    $"note: features.out ({ignored}) is for mtlds features; run keeps its dataset in {Path.Combine(parse.GetValue(outDir)!, "features")}"));
            PipelineRun.Result result = null!;
            CliRunner.Out.Status().Start("features", ctx =>
            {
                var run = new PipelineRun(resolved, parse.GetValue(outDir)!, target)
                {
                    OnProgress = s => ctx.Status(Markup.Escape(s)),
                    OnEpoch = e => CliRunner.Out.MarkupLine(Markup.Escape(FormattableString.Invariant(
                        $"  epoch {e.Number}: train loss {e.TrainLoss:F4}, valid purchase AUC {e.Valid.Auc["purchase"]:F4}{(e.Best ? " (best)" : "")}"))),
                    OnStep = s =>
                    {
                        CliRunner.Out.MarkupLine(Markup.Escape($"{s.Name}: {(s.Skipped ? "skipped, " : "")}{s.Detail}"));
                        ctx.Status(s.Name switch { "features" => "training", "train" => "scoring", _ => "evaluating" });
                    },
                };
                result = run.Run();
            });

            var steps = new Table().Title("steps").AddColumns("step", "status", "seconds", "detail");
            foreach (var s in result.Steps)
                steps.AddRow(s.Name, s.Skipped ? "skipped" : "ran", s.Skipped ? "–" : s.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture), Markup.Escape(s.Detail));
            CliRunner.Out.Write(steps);
            CliRunner.Out.Write(MetricTable(result.Evaluation, $"run {result.RunId}"));
            return 0;
        }));
        return command;
    }

    internal static PipelineConfig Resolve(ParseResult parse, Option<string?> config, Option<string[]> set, Option<string?>? source = null, Option<string?>? events = null)
    {
        var overrides = (parse.GetValue(set) ?? []).ToList();
        if (source is not null && parse.GetValue(source) is { } s) overrides.Add($"features.source={s}");
        if (events is not null && parse.GetValue(events) is { } e) overrides.Add($"features.events={e}");
        return PipelineConfigFile.Load(parse.GetValue(config), overrides);
    }

    /// One row per split and metric, one column per label: the shape of the paper's tables.
    internal static Table MetricTable(IReadOnlyList<RunsQueries.MetricRow> rows, string title)
    {
        string[] labels = ["click", "cart", "purchase"];
        var present = labels.Where(l => rows.Any(r => r.Label == l)).ToList();
        var table = new Table().Title(Markup.Escape(title)).AddColumns("split", "metric").AddColumns(present.ToArray()).AddColumns("NDCG@5", "NDCG@10");
        foreach (var split in rows.Select(r => r.Split).Distinct())
        {
            string V(string metric, string label) => rows.FirstOrDefault(r => r.Split == split && r.Metric == metric && r.Label == label)?.Value is { } v
                ? v.ToString("F4", CultureInfo.InvariantCulture) : "–";
            foreach (var (metric, name) in new[] { ("auc", "AUC"), ("gauc", "gAUC"), ("logloss", "log loss") })
                table.AddRow([metric == "auc" ? split : "", name, .. present.Select(l => V(metric, l)), "", ""]);
            foreach (var (metric, name) in new[] { ("ndcg", "NDCG, graded by score"), ("ndcg_purchase", "NDCG, purchase by p_purchase") })
                table.AddRow(["", name, .. present.Select(_ => ""), V(metric, "5"), V(metric, "10")]);
        }
        return table;
    }
}
