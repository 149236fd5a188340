using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Training;
using Spectre.Console;

namespace Mtlds.Cli.Commands;

/// `mtlds bench`: throughput against yardsticks measured in the same run.
internal static class BenchCommand
{
    public static Command Create()
    {
        var events = new Option<long>("--events") { Description = "Generated events to build features from", DefaultValueFactory = _ => 10_000_000 };
        var work = new Option<string>("--work") { Description = "Folder for the generated log and outputs (kept for reruns)", DefaultValueFactory = _ => Path.Combine(Path.GetTempPath(), "mtlds-bench") };
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON only" };
        var steps = new Option<int>("--steps") { Description = "Timed training steps per model (after 5 untimed ones)", DefaultValueFactory = _ => 30 };
        var command = new Command("bench",
            "Measure the feature build on generated events against one plain DuckDB scan of the same file, then the\n"
            + "training step loop of MTLDS and every baseline on the features it built (samples/s, share of the sort).\n\n"
            + "Example:\n  mtlds bench --events 10000000")
        {
            events, work, json, steps,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var asJson = parse.GetValue(json);
            Action<string>? log = asJson ? null : s => CliRunner.Out.MarkupLine($"[grey]{Markup.Escape(s)}[/]");
            var r = new FeatureBenchmark().Run(parse.GetValue(events), parse.GetValue(work)!, log);
            var training = new TrainingBenchmark(Path.Combine(parse.GetValue(work)!, "features")) { Steps = parse.GetValue(steps) }
                .Run(Model.Training.ModelConfig.Models, log);
            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["cores"] = Environment.ProcessorCount,
                    ["features.events"] = r.Events,
                    ["features.events_per_s"] = Math.Round(r.EventsPerSecond),
                    ["features.scan_seconds"] = Math.Round(r.ScanSeconds, 3),
                    ["features.build_seconds"] = Math.Round(r.BuildSeconds, 3),
                    ["features.scan_ratio"] = Math.Round(r.ScanRatio, 2),
                }.Concat(training.Select(t => KeyValuePair.Create($"train.{t.Model}.samples_per_s", (object)Math.Round(t.SamplesPerSecond))))
                 .Concat(training.Where(t => t.SortSeconds > 0).Select(t => KeyValuePair.Create($"train.{t.Model}.sort_share", (object)Math.Round(t.SortShare, 3))))
                 .ToDictionary()));
                return 0;
            }
            var table = new Table().AddColumns("step", "seconds", "share");
            foreach (var (step, seconds) in r.Steps)
                table.AddRow(Markup.Escape(step), seconds.ToString("F2", CultureInfo.InvariantCulture), (seconds / r.BuildSeconds).ToString("P0", CultureInfo.InvariantCulture));
            CliRunner.Out.Write(table);
            var train = new Table().AddColumns("model", "samples/s", "vs mtlds", "sort share");
            var mtlds = training.First(t => t.Model == "mtlds").SamplesPerSecond;
            foreach (var t in training)
                train.AddRow(t.Model, t.SamplesPerSecond.ToString("N0", CultureInfo.InvariantCulture),
                    (t.SamplesPerSecond / mtlds).ToString("F2", CultureInfo.InvariantCulture) + "×",
                    t.SortSeconds > 0 ? t.SortShare.ToString("P0", CultureInfo.InvariantCulture) : "–");
            CliRunner.Out.Write(train);
            CliRunner.Out.MarkupLine(
                $"features: {r.Events:N0} events ({r.FileBytes / 1e6:F0} MB) in {r.BuildSeconds:F2} s = {r.EventsPerSecond:N0} events/s on {Environment.ProcessorCount} cores; "
                + $"one DuckDB scan {r.ScanSeconds:F2} s; [bold]ratio {r.ScanRatio:F1}×[/] (target ≤ 8×)");
            return 0;
        }));
        return command;
    }
}
