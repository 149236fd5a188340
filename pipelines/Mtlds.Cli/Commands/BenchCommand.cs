using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Mtlds.Pipelines;
using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Postgres;
using Mtlds.Pipelines.Training;
using Spectre.Console;

namespace Mtlds.Cli.Commands;

/// `mtlds bench`: throughput against yardsticks measured in the same run.
internal static class BenchCommand
{
    private static readonly string[] Sections = ["features", "train", "score"];

    public static Command Create()
    {
        var events = new Option<long>("--events") { Description = "Generated events to build features from", DefaultValueFactory = _ => 10_000_000 };
        var work = new Option<string>("--work") { Description = "Folder for the generated log and outputs (kept for reruns)", DefaultValueFactory = _ => Path.Combine(Path.GetTempPath(), "mtlds-bench") };
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON only" };
        var steps = new Option<int>("--steps") { Description = "Timed training steps per model (after 5 untimed ones)", DefaultValueFactory = _ => 30 };
        var only = new Option<string>("--only") { Description = "Comma-separated sections: features, train, score", DefaultValueFactory = _ => string.Join(',', Sections) };
        var models = new Option<string>("--models") { Description = "Comma-separated models whose training is timed", DefaultValueFactory = _ => string.Join(',', Model.Training.ModelConfig.Models) };
        var scoreRows = new Option<long>("--score-rows") { Description = "Score rows written to PostgreSQL and by psql \\copy", DefaultValueFactory = _ => 5_000_000 };
        var pg = new PgOptions();
        var command = new Command("bench",
            "Measure, against yardsticks timed in the same run: the feature build on generated events against one plain\n"
            + "DuckDB scan of the same file; the training step loop of MTLDS and every baseline (samples/s, share of the\n"
            + "sort); publishing score rows to PostgreSQL against psql \\copy of the same rows (needs --pg or MTLDS_PG).\n\n"
            + "Examples:\n  mtlds bench --events 10000000\n  mtlds bench --only score --pg --score-rows 5000000")
        {
            events, work, json, steps, only, models, scoreRows, pg.Pg, pg.Schema,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var chosen = parse.GetValue(only)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (chosen.Except(Sections).FirstOrDefault() is { } unknown)
                throw new ConfigurationException($"--only '{unknown}' is not one of {string.Join(", ", Sections)}");
            var asJson = parse.GetValue(json);
            var workDir = parse.GetValue(work)!;
            Action<string>? log = asJson ? null : s => CliRunner.Out.MarkupLine($"[grey]{Markup.Escape(s)}[/]");
            var figures = new Dictionary<string, object> { ["cores"] = Environment.ProcessorCount };

            if (chosen.Contains("features") || chosen.Contains("train") && !File.Exists(Path.Combine(workDir, "features", "manifest.json")))
            {
                var r = new FeatureBenchmark().Run(parse.GetValue(events), workDir, log);
                figures["features.events"] = r.Events;
                figures["features.events_per_s"] = Math.Round(r.EventsPerSecond);
                figures["features.scan_seconds"] = Math.Round(r.ScanSeconds, 3);
                figures["features.build_seconds"] = Math.Round(r.BuildSeconds, 3);
                figures["features.scan_ratio"] = Math.Round(r.ScanRatio, 2);
                if (!asJson)
                {
                    var table = new Table().AddColumns("step", "seconds", "share");
                    foreach (var (step, seconds) in r.Steps)
                        table.AddRow(Markup.Escape(step), seconds.ToString("F2", CultureInfo.InvariantCulture), (seconds / r.BuildSeconds).ToString("P0", CultureInfo.InvariantCulture));
                    CliRunner.Out.Write(table);
                    CliRunner.Out.MarkupLine(
                        $"features: {r.Events:N0} events ({r.FileBytes / 1e6:F0} MB) in {r.BuildSeconds:F2} s = {r.EventsPerSecond:N0} events/s on {Environment.ProcessorCount} cores; "
                        + $"one DuckDB scan {r.ScanSeconds:F2} s; [bold]ratio {r.ScanRatio:F1}×[/] (target ≤ 8×)");
                }
            }

            if (chosen.Contains("train"))
            {
                var timed = parse.GetValue(models)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                if (timed.Except(Model.Training.ModelConfig.Models).FirstOrDefault() is { } unknownModel)
                    throw new ConfigurationException($"--models '{unknownModel}' is not one of {string.Join(", ", Model.Training.ModelConfig.Models)}");
                var training = new TrainingBenchmark(Path.Combine(workDir, "features")) { Steps = parse.GetValue(steps) }
                    .Run(timed, log);
                foreach (var t in training)
                {
                    figures[$"train.{t.Model}.samples_per_s"] = Math.Round(t.SamplesPerSecond);
                    if (t.SortSeconds > 0) figures[$"train.{t.Model}.sort_share"] = Math.Round(t.SortShare, 3);
                    figures[$"train.{t.Model}.convert_share"] = Math.Round(t.ConvertShare, 3);
                }
                if (!asJson)
                {
                    var table = new Table().AddColumns("model", "samples/s", training.Any(t => t.Model == "mtlds") ? "vs mtlds" : $"vs {training[0].Model}", "sort share", "Arrow → tensors share");
                    var mtlds = training.FirstOrDefault(t => t.Model == "mtlds")?.SamplesPerSecond ?? training[0].SamplesPerSecond;
                    foreach (var t in training)
                        table.AddRow(t.Model, t.SamplesPerSecond.ToString("N0", CultureInfo.InvariantCulture),
                            (t.SamplesPerSecond / mtlds).ToString("F2", CultureInfo.InvariantCulture) + "×",
                            t.SortSeconds > 0 ? t.SortShare.ToString("P0", CultureInfo.InvariantCulture) : "–",
                            t.ConvertShare.ToString("P0", CultureInfo.InvariantCulture));
                    CliRunner.Out.Write(table);
                }
            }

            if (chosen.Contains("score"))
            {
                var r = new ScoreSinkBenchmark(pg.Resolve(parse), workDir).Run(parse.GetValue(scoreRows), log);
                figures["score.rows"] = r.Rows;
                figures["score.pg_rows_per_s"] = Math.Round(r.SinkRowsPerSecond);
                figures["score.psql_copy_rows_per_s"] = Math.Round(r.PsqlRowsPerSecond);
                figures["score.psql_copy_ratio"] = Math.Round(r.PsqlCopyRatio, 2);
                if (!asJson)
                    CliRunner.Out.MarkupLine(
                        $"score → PostgreSQL: {r.Rows:N0} rows at {r.SinkRowsPerSecond:N0} rows/s (binary COPY to staging + publish); "
                        + $"psql \\copy of the same rows {r.PsqlRowsPerSecond:N0} rows/s; [bold]{r.PsqlCopyRatio:F2}× psql's speed[/] (target ≥ 1)");
            }

            if (asJson) Console.WriteLine(JsonSerializer.Serialize(figures));
            return 0;
        }));
        return command;
    }
}
