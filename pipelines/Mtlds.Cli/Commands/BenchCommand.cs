using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Mtlds.Pipelines;
using Mtlds.Pipelines.Diagnostics;
using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Postgres;
using Mtlds.Pipelines.Training;
using Spectre.Console;

namespace Mtlds.Cli.Commands;

/// `mtlds bench`: throughput against yardsticks measured in the same run.
internal static class BenchCommand
{
    private static readonly string[] Sections = ["features", "floor", "memory", "train", "score"];

    public static Command Create()
    {
        var events = new Option<long>("--events") { Description = "Generated events to build features from", DefaultValueFactory = _ => 10_000_000 };
        var work = new Option<string>("--work") { Description = "Folder for the generated log and outputs (kept for reruns)", DefaultValueFactory = _ => Path.Combine(Path.GetTempPath(), "mtlds-bench") };
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON only" };
        var steps = new Option<int>("--steps") { Description = "Timed training steps per model (after 5 untimed ones)", DefaultValueFactory = _ => 30 };
        var only = new Option<string>("--only") { Description = "Comma-separated sections: features, floor, memory, train, score", DefaultValueFactory = _ => string.Join(',', Sections) };
        var models = new Option<string>("--models") { Description = "Comma-separated models whose training is timed", DefaultValueFactory = _ => string.Join(',', Model.Training.ModelConfig.Models) };
        var scoreRows = new Option<long>("--score-rows") { Description = "Score rows written to PostgreSQL and by psql \\copy", DefaultValueFactory = _ => 5_000_000 };
        var pg = new PgOptions();
        var command = new Command("bench",
            "Measure, against yardsticks timed in the same run: the feature build on generated events against one plain\n"
            + "DuckDB scan of the same file, and the floor of any build with this output (load, dedup, grouping and writing the\n"
            + "finished splits alone); the training step loop of MTLDS and every baseline (samples/s, share of the\n"
            + "sort, FLOPs per sample against the machine's measured matmul GFLOP/s); memory: peak RSS of `mtlds train\n"
            + "--epochs 1` on the build against a build of a tenth of the events (streaming keeps them close); score rows/s to a CSV file and\n"
            + "to PostgreSQL against psql \\copy of the same rows (needs --pg or MTLDS_PG). Peak RSS is reported per section.\n\n"
            + "Examples:\n  mtlds bench --events 10000000\n  mtlds bench --only score --pg --score-rows 5000000")
        {
            events, work, json, steps, only, models, scoreRows, pg.Pg, pg.Schema,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var chosen = Choices(parse.GetValue(only)!, "--only", Sections);
            var timed = Choices(parse.GetValue(models)!, "--models", Model.Training.ModelConfig.Models);
            var asJson = parse.GetValue(json);
            var workDir = parse.GetValue(work)!;
            Action<string>? log = asJson ? null : s => CliRunner.Out.MarkupLine($"[grey]{Markup.Escape(s)}[/]");
            // Options are checked before any section runs, not after minutes of the others. Scoring is measured
            // against PostgreSQL, so it needs one. Asked for by name it is an error; by default it is left out, and said so.
            var scoreTarget = chosen.Contains("score") ? PostgresTarget.Resolve(parse.GetValue(pg.Pg), parse.GetValue(pg.Schema)) : null;
            if (chosen.Contains("score") && scoreTarget is null)
            {
                if (parse.GetResult(only) is { Implicit: false }) scoreTarget = pg.Resolve(parse); // throws the one-line error
                chosen = chosen.Where(c => c != "score").ToArray();
                log?.Invoke($"score left out: it needs PostgreSQL (--pg CONNECTION or ${PostgresTarget.EnvironmentVariable})");
            }
            var figures = new Dictionary<string, object> { ["cores"] = Environment.ProcessorCount };

            var needsBuild = (chosen.Contains("train") || chosen.Contains("memory")) && !File.Exists(Path.Combine(workDir, "features", "manifest.json"));
            if (chosen.Contains("features") || needsBuild)
            {
                PeakMemory.Reset();
                var r = new FeatureBenchmark().Run(parse.GetValue(events), workDir, log);
                figures["features.peak_rss_mb"] = PeakMb();
                figures["features.events"] = r.Events;
                figures["features.events_per_s"] = Math.Round(r.EventsPerSecond);
                figures["features.scan_seconds"] = Math.Round(r.ScanSeconds, 3);
                figures["features.build_seconds"] = Math.Round(r.BuildSeconds, 3);
                figures["features.scan_ratio"] = Math.Round(r.ScanRatio, 2);
                if (!asJson)
                {
                    var table = new Table().AddColumns("step", "seconds", "share");
                    // One row per step: a SQL file's statements are summed (GroupBy keeps the first-seen order).
                    foreach (var (step, seconds) in r.Steps.GroupBy(x => x.Step).Select(g => (g.Key, g.Sum(x => x.Seconds))))
                        table.AddRow(Markup.Escape(step), seconds.ToString("F2", CultureInfo.InvariantCulture), (seconds / r.BuildSeconds).ToString("P0", CultureInfo.InvariantCulture));
                    CliRunner.Out.Write(table);
                    CliRunner.Out.MarkupLine(
                        $"features: {r.Events:N0} events ({r.FileBytes / 1e6:F0} MB) in {r.BuildSeconds:F2} s = {r.EventsPerSecond:N0} events/s on {Environment.ProcessorCount} cores; "
                        + $"one DuckDB scan {r.ScanSeconds:F2} s; [bold]ratio {r.ScanRatio:F1}×[/] (target ≤ 8×)");
                }
            }

            if (chosen.Contains("floor"))
            {
                var csv = FeatureBenchmark.GeneratedLog(parse.GetValue(events), workDir, log);
                var f = FeatureFloor.Measure(csv, Path.Combine(workDir, "floor"), log);
                figures["features.floor_seconds"] = Math.Round(f.Seconds, 3);
                figures["features.floor_scan_ratio"] = Math.Round(f.ScanRatio, 2);
                if (!asJson)
                    CliRunner.Out.MarkupLine(FormattableString.Invariant(
                        $"floor of a build with this output: load {f.LoadSeconds:F2} s + duplicates {f.DedupSeconds:F2} s + interactions {f.GroupSeconds:F2} s + writing the finished splits {f.WriteSeconds:F2} s = {f.Seconds:F2} s; one DuckDB scan {f.ScanSeconds:F2} s; [bold]{f.ScanRatio:F1}× before any feature, join or sort[/]"));
            }

            if (chosen.Contains("memory"))
            {
                // A build of a tenth of the events beside the main one; both trained for one epoch in child processes.
                var tenth = Path.Combine(workDir, "tenth");
                if (!File.Exists(Path.Combine(tenth, "features", "manifest.json")))
                    new FeatureBenchmark().Run(parse.GetValue(events) / 10, tenth, log);
                var self = System.Reflection.Assembly.GetEntryAssembly()!.Location;
                var m = new TrainingMemoryBenchmark((data, model) =>
                {
                    var start = new System.Diagnostics.ProcessStartInfo(Environment.ProcessPath!);
                    if (self.EndsWith(".dll", StringComparison.Ordinal)) start.ArgumentList.Add(self);
                    foreach (var a in new[] { "train", "--data", data, "--out", model, "--epochs", "1" }) start.ArgumentList.Add(a);
                    return start;
                }).Measure(Path.Combine(tenth, "features"), Path.Combine(workDir, "features"), workDir, log);
                figures["memory.small_samples"] = m.Small.Samples;
                figures["memory.small_peak_rss_mb"] = Math.Round(m.Small.PeakBytes / 1e6);
                figures["memory.large_samples"] = m.Large.Samples;
                figures["memory.large_peak_rss_mb"] = Math.Round(m.Large.PeakBytes / 1e6);
                figures["memory.ratio"] = Math.Round(m.Ratio, 3);
                if (!asJson)
                    CliRunner.Out.MarkupLine(
                        $"memory: mtlds train --epochs 1 on {m.Large.Samples:N0} samples peaks at {m.Large.PeakBytes / 1e6:N0} MB RSS, on {m.Small.Samples:N0} at "
                        + $"{m.Small.PeakBytes / 1e6:N0} MB: [bold]{m.Ratio:F2}×[/] for {m.SampleRatio:F1}× the samples (target ≤ 1.2×)");
            }

            if (chosen.Contains("train"))
            {
                PeakMemory.Reset();
                var gflops = Model.Training.MatmulThroughput.MeasureGflops();
                figures["machine.matmul_gflops"] = Math.Round(gflops, 1);
                log?.Invoke($"dense float32 matmul (1024², libtorch, {TorchSharp.torch.get_num_threads()} threads): {gflops:F1} GFLOP/s");
                var training = new TrainingBenchmark(Path.Combine(workDir, "features")) { Steps = parse.GetValue(steps) }
                    .Run(timed, log, denseAdamBaseline: true);
                figures["train.peak_rss_mb"] = PeakMb();
                foreach (var t in training)
                {
                    figures[$"train.{t.Model}.samples_per_s"] = Math.Round(t.SamplesPerSecond);
                    figures[$"train.{t.Model}.flops_per_sample"] = Math.Round(t.FlopsPerSample);
                    figures[$"train.{t.Model}.compute_share"] = Math.Round(t.ComputeShare(gflops), 3);
                    if (t.SortSeconds > 0) figures[$"train.{t.Model}.sort_share"] = Math.Round(t.SortShare, 3);
                    figures[$"train.{t.Model}.convert_share"] = Math.Round(t.ConvertShare, 3);
                }
                if (!asJson)
                {
                    var table = new Table().AddColumns("model", "samples/s (median)", training.Any(t => t.Model == "mtlds") ? "vs mtlds" : $"vs {training[0].Model}",
                        "sort share", "Arrow → tensors share", "MFLOP/sample", "of matmul peak");
                    var mtlds = training.FirstOrDefault(t => t.Model == "mtlds")?.SamplesPerSecond ?? training[0].SamplesPerSecond;
                    foreach (var t in training)
                        table.AddRow(t.Model, t.SamplesPerSecond.ToString("N0", CultureInfo.InvariantCulture),
                            (t.SamplesPerSecond / mtlds).ToString("F2", CultureInfo.InvariantCulture) + "×",
                            t.SortSeconds > 0 ? t.SortShare.ToString("P0", CultureInfo.InvariantCulture) : "–",
                            t.ConvertShare.ToString("P0", CultureInfo.InvariantCulture),
                            (t.FlopsPerSample / 1e6).ToString("F2", CultureInfo.InvariantCulture),
                            t.ComputeShare(gflops).ToString("P0", CultureInfo.InvariantCulture));
                    CliRunner.Out.Write(table);
                    CliRunner.Out.MarkupLine($"training: {Environment.ProcessorCount} cores, matmul peak {gflops:F1} GFLOP/s; peak RSS {PeakMb():N0} MB; "
                        + "[bold]target ≥ 100,000 samples/s for mtlds[/]");
                }
            }

            if (chosen.Contains("score"))
            {
                PeakMemory.Reset();
                var r = new ScoreSinkBenchmark(scoreTarget!, workDir).Run(parse.GetValue(scoreRows), log);
                figures["score.peak_rss_mb"] = PeakMb();
                figures["score.file_rows_per_s"] = Math.Round(r.FileRowsPerSecond);
                figures["score.rows"] = r.Rows;
                figures["score.pg_rows_per_s"] = Math.Round(r.SinkRowsPerSecond);
                figures["score.psql_copy_rows_per_s"] = Math.Round(r.PsqlRowsPerSecond);
                figures["score.psql_copy_ratio"] = Math.Round(r.PsqlCopyRatio, 2);
                if (!asJson)
                    CliRunner.Out.MarkupLine(
                        $"score → CSV file {r.FileRowsPerSecond:N0} rows/s; score → PostgreSQL: {r.Rows:N0} rows at {r.SinkRowsPerSecond:N0} rows/s (binary COPY in one transaction); "
                        + $"psql \\copy of the same rows {r.PsqlRowsPerSecond:N0} rows/s; [bold]{r.PsqlCopyRatio:F2}× psql's speed[/] (target ≥ 1)");
            }

            if (asJson) Console.WriteLine(JsonSerializer.Serialize(figures));
            return 0;
        }));
        return command;
    }

    /// A comma-separated option value whose every item must be one of `allowed`.
    private static string[] Choices(string value, string option, IReadOnlyList<string> allowed)
    {
        var items = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (items.Except(allowed).FirstOrDefault() is { } unknown)
            throw new ConfigurationException($"{option} '{unknown}' is not one of {string.Join(", ", allowed)}");
        return items;
    }

    private static double PeakMb() => Math.Round((PeakMemory.PeakBytes() ?? 0) / 1e6);
}
