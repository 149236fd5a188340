using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Mtlds.Pipelines.Features;
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
        var command = new Command("bench",
            "Measure the feature build on generated events against one plain DuckDB scan of the same file.\n\n"
            + "Example:\n  mtlds bench --events 10000000")
        {
            events, work, json,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var asJson = parse.GetValue(json);
            var r = new FeatureBenchmark().Run(parse.GetValue(events), parse.GetValue(work)!,
                asJson ? null : s => CliRunner.Out.MarkupLine($"[grey]{Markup.Escape(s)}[/]"));
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
                }));
                return 0;
            }
            var table = new Table().AddColumns("step", "seconds", "share");
            foreach (var (step, seconds) in r.Steps)
                table.AddRow(Markup.Escape(step), seconds.ToString("F2", CultureInfo.InvariantCulture), (seconds / r.BuildSeconds).ToString("P0", CultureInfo.InvariantCulture));
            CliRunner.Out.Write(table);
            CliRunner.Out.MarkupLine(
                $"features: {r.Events:N0} events ({r.FileBytes / 1e6:F0} MB) in {r.BuildSeconds:F2} s = {r.EventsPerSecond:N0} events/s on {Environment.ProcessorCount} cores; "
                + $"one DuckDB scan {r.ScanSeconds:F2} s; [bold]ratio {r.ScanRatio:F1}×[/] (target ≤ 8×)");
            return 0;
        }));
        return command;
    }
}
