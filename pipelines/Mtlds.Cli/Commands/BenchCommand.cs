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
    /// One feature build's steps as a table and its ratio to the scan.
    private static void Report(FeatureBenchmark.Result r, string shape, string note, bool asJson)
    {
        if (asJson) return;
        var table = new Table().AddColumns("step", "seconds", "share");
        // One row per step: a SQL file's statements are summed (GroupBy keeps the first-seen order).
        foreach (var (step, seconds) in r.Steps.GroupBy(x => x.Step).Select(g => (g.Key, g.Sum(x => x.Seconds))))
            table.AddRow(Markup.Escape(step), seconds.ToString("F2", CultureInfo.InvariantCulture), (seconds / r.BuildSeconds).ToString("P0", CultureInfo.InvariantCulture));
        CliRunner.Out.Write(table);
        CliRunner.Out.MarkupLine(
            $"features ({shape}): {r.Events:N0} events ({r.FileBytes / 1e6:F0} MB) in {r.BuildSeconds:F2} s = {r.EventsPerSecond:N0} events/s on {Environment.ProcessorCount} cores; "
            + $"one DuckDB scan {r.ScanSeconds:F2} s; [bold]ratio {r.ScanRatio:F1}×[/] ({note})");
    }

    private static readonly string[] Sections = ["features", "floor", "memory", "train", "score"];
    /// Rounds of the floor section, each a build and a floor timed one after the other.
    private const int FloorRounds = 3;
    /// Sections run only when named in --only (they take from minutes to an hour).
    private static readonly string[] NamedOnly = ["scale"];

    public static Command Create()
    {
        var events = new Option<long>("--events") { Description = "Generated events to build features from", DefaultValueFactory = _ => 10_000_000 };
        var work = new Option<string>("--work") { Description = "Folder for the generated log and outputs (kept for reruns)", DefaultValueFactory = _ => Path.Combine(Path.GetTempPath(), "mtlds-bench") };
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON only" };
        var steps = new Option<int>("--steps") { Description = "Timed training steps per model (after 5 untimed ones)", DefaultValueFactory = _ => 30 };
        var only = new Option<string>("--only") { Description = "Comma-separated sections: features, floor, memory, train, score", DefaultValueFactory = _ => string.Join(',', Sections) };
        var models = new Option<string>("--models") { Description = "Comma-separated models whose training is timed", DefaultValueFactory = _ => string.Join(',', Model.Training.ModelConfig.Models) };
        var scaleEvents = new Option<string>("--scale-events") { Description = "scale: comma-separated sizes of Taobao-shaped logs (events)", DefaultValueFactory = _ => "1000000,10000000" };
        var scaleTrain = new Option<long>("--scale-train-up-to") { Description = "scale: sizes up to this many events are also trained for one epoch", DefaultValueFactory = _ => 30_000_000 };
        var scoreRows = new Option<long>("--score-rows") { Description = "Score rows written to PostgreSQL and by psql \\copy", DefaultValueFactory = _ => 5_000_000 };
        var pg = new PgOptions();
        var command = new Command("bench",
            "Measure, against yardsticks timed in the same run: the feature build on generated events against one plain\n"
            + "DuckDB scan of the same file, and the floor of any build with this output (load, dedup, grouping, storing the\n"
            + "interactions and writing the finished periods alone) against the build, three rounds of one beside the other after an uncounted floor; the training step loop of\n"
            + "MTLDS and every baseline (samples/s, share of the sort, FLOPs per sample against the machine's measured\n"
            + "matmul GFLOP/s); memory: peak RSS of `mtlds train\n"
            + "--epochs 1` on the build against a build of a tenth of the events (streaming keeps them close); score rows/s to a CSV file and\n"
            + "to PostgreSQL against psql \\copy of the same rows (needs --pg or MTLDS_PG). Peak RSS is reported per section.\n"
            + "The feature build and memory run on two shapes of log: generated with impressions, and Taobao-shaped (no impressions, negatives\n"
            + "drawn: the path of every real public log). Named only: scale (Taobao-shaped logs of --scale-events sizes through\n"
            + "mtlds features and one epoch of mtlds train, each in a child process: time, peak RSS, output and growth exponents).\n\n"
            + "Examples:\n  mtlds bench --events 10000000\n  mtlds bench --only scale --scale-events 1000000,10000000,30000000,100000000\n  mtlds bench --only score --pg --score-rows 5000000")
        {
            events, work, json, steps, only, models, scaleEvents, scaleTrain, scoreRows, pg.Pg, pg.Schema,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var chosen = Choices(parse.GetValue(only)!, "--only", [.. Sections, .. NamedOnly]);
            var scaleSizes = Choices(parse.GetValue(scaleEvents)!, "--scale-events", null).Select(v =>
                long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1000 ? n
                    : throw new ConfigurationException($"--scale-events '{v}' is not a number of events ≥ 1000")).ToArray();
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
                // Two shapes: the generated log with impressions, and the shape of every real public log (no
                // impressions, so negatives are drawn), each under its own keys.
                foreach (var (taobaoShaped, prefix, shape, note) in new[]
                {
                    (false, "features", "with impressions", "target ≤ 8×"),
                    (true, "features.no_impressions", "Taobao-shaped, no impressions", "negatives drawn"),
                })
                {
                    PeakMemory.Reset();
                    var r = new FeatureBenchmark().Run(parse.GetValue(events), workDir, log, taobaoShaped);
                    figures[$"{prefix}.peak_rss_mb"] = PeakMb();
                    figures[$"{prefix}.events"] = r.Events;
                    figures[$"{prefix}.events_per_s"] = Math.Round(r.EventsPerSecond);
                    figures[$"{prefix}.scan_seconds"] = Math.Round(r.ScanSeconds, 3);
                    figures[$"{prefix}.build_seconds"] = Math.Round(r.BuildSeconds, 3);
                    figures[$"{prefix}.scan_ratio"] = Math.Round(r.ScanRatio, 2);
                    figures[$"{prefix}.negatives_seconds"] = Math.Round(r.Steps.Where(x => x.Step.Contains("03_negatives", StringComparison.Ordinal)).Sum(x => x.Seconds), 3);
                    Report(r, shape, note, asJson);
                }
            }

            if (chosen.Contains("floor"))
            {
                // Issue 16's ≤ 2×: the build of the generated log (with impressions) over its floor, paired round by
                // round (each build timed next to a floor), the median of the rounds' ratios.
                var csv = FeatureBenchmark.GeneratedLog(parse.GetValue(events), workDir, log);
                var pairs = FeatureFloor.MeasureAgainstBuild(csv, Path.Combine(workDir, "floor"), FloorRounds, log);
                var f = pairs.MedianFloor;
                figures["features.floor_seconds"] = Math.Round(f.Seconds, 3);
                figures["features.floor_scan_ratio"] = Math.Round(f.ScanRatio, 2);
                figures["features.floor_build_seconds"] = Math.Round(Median.Of(pairs.BuildSeconds), 3);
                figures["features.floor_ratio"] = Math.Round(pairs.Ratio, 2);
                figures["features.floor_ratio_min"] = Math.Round(pairs.Ratios.Min(), 2);
                figures["features.floor_ratio_max"] = Math.Round(pairs.Ratios.Max(), 2);
                if (!asJson)
                    CliRunner.Out.MarkupLine(FormattableString.Invariant(
                        $"floor of a build with this output (median of {FloorRounds}): load {f.LoadSeconds:F2} s + duplicates {f.DedupSeconds:F2} s + interactions {f.GroupSeconds:F2} s + storing them {f.StoreSeconds:F2} s + writing the finished periods {f.WriteSeconds:F2} s = {f.Seconds:F2} s; one DuckDB scan {f.ScanSeconds:F2} s; [bold]{f.ScanRatio:F1}× before any feature, join or sort[/]; ")
                        + FormattableString.Invariant(
                        $"the build beside each floor {string.Join(", ", pairs.BuildSeconds.Select(b => b.ToString("F2", CultureInfo.InvariantCulture)))} s: [bold]{pairs.Ratio:F2}× the floor[/] (rounds {pairs.Ratios.Min():F2}–{pairs.Ratios.Max():F2}; target ≤ 2×)"));
            }

            if (chosen.Contains("memory"))
            {
                // Both shapes, each a build of the events and one of a tenth of them, trained for one epoch in
                // child processes: the generated log (with impressions) and the Taobao-shaped one (negatives drawn,
                // four samples per event, the shape real logs have).
                foreach (var (taobaoShaped, prefix, shape) in new[] { (false, "memory", "with impressions"), (true, "memory.no_impressions", "Taobao-shaped") })
                {
                    var folder = taobaoShaped ? "features-taobao" : "features";
                    var tenth = Path.Combine(workDir, "tenth");
                    foreach (var (dir, n) in new[] { (workDir, parse.GetValue(events)), (tenth, parse.GetValue(events) / 10) })
                        if (!File.Exists(Path.Combine(dir, folder, "manifest.json")))
                            new FeatureBenchmark().Run(n, dir, log, taobaoShaped);
                    var m = new TrainingMemoryBenchmark((data, model) => Self(["train", "--data", data, "--out", model, "--epochs", "1"]))
                        .Measure(Path.Combine(tenth, folder), Path.Combine(workDir, folder), Path.Combine(workDir, prefix), log);
                    figures[$"{prefix}.small_samples"] = m.Small.Samples;
                    figures[$"{prefix}.small_peak_rss_mb"] = Math.Round(m.Small.PeakBytes / 1e6);
                    figures[$"{prefix}.large_samples"] = m.Large.Samples;
                    figures[$"{prefix}.large_peak_rss_mb"] = Math.Round(m.Large.PeakBytes / 1e6);
                    figures[$"{prefix}.ratio"] = Math.Round(m.Ratio, 3);
                    if (!asJson)
                        CliRunner.Out.MarkupLine(
                            $"memory ({shape}): mtlds train --epochs 1 on {m.Large.Samples:N0} samples peaks at {m.Large.PeakBytes / 1e6:N0} MB RSS, on {m.Small.Samples:N0} at "
                            + $"{m.Small.PeakBytes / 1e6:N0} MB: [bold]{m.Ratio:F2}×[/] for {m.SampleRatio:F1}× the samples (target ≤ 1.2×)");
                }
            }

            if (chosen.Contains("train"))
            {
                PeakMemory.Reset();
                var gflops = Model.Training.MatmulThroughput.MeasureGflops();
                figures["machine.matmul_gflops"] = Math.Round(gflops, 1);
                log?.Invoke($"dense float32 matmul (1024², libtorch, {TorchSharp.torch.get_num_threads()} threads): {gflops:F1} GFLOP/s");
                var training = new TrainingBenchmark(Path.Combine(workDir, "features")) { Steps = parse.GetValue(steps) }
                    .Run(timed, log, denseAdamBaseline: true);
                var (plainRate, shuffledRate) = new TrainingBenchmark(Path.Combine(workDir, "features")).MeasureShuffle();
                var mtldsRate = training.FirstOrDefault(t => t.Model == "mtlds")?.SamplesPerSecond;
                figures["train.shuffle.rows_per_s"] = Math.Round(shuffledRate);
                figures["train.shuffle.file_order_rows_per_s"] = Math.Round(plainRate);
                if (mtldsRate is { } r) figures["train.shuffle.share_of_mtlds_step"] = Math.Round((1 / shuffledRate - 1 / plainRate) * r, 4);
                log?.Invoke($"shuffle: {shuffledRate:N0} rows/s through the buffer, {plainRate:N0} in file order"
                    + (mtldsRate is { } m ? $": {(1 / shuffledRate - 1 / plainRate) * m:P1} of an mtlds step's time (target ≤ 10 %)" : ""));
                figures["train.peak_rss_mb"] = PeakMb();
                foreach (var t in training)
                {
                    figures[$"train.{t.Model}.samples_per_s"] = Math.Round(t.SamplesPerSecond);
                    // A network's epoch over 1M samples; LightGBM's whole fit of 1M samples (100 trees a task).
                    figures[$"train.{t.Model}.seconds_per_million_samples"] = Math.Round(1e6 / t.SamplesPerSecond, 2);
                    figures[$"train.{t.Model}.flops_per_sample"] = Math.Round(t.FlopsPerSample);
                    figures[$"train.{t.Model}.compute_share"] = Math.Round(t.ComputeShare(gflops), 3);
                    if (t.SortSeconds > 0) figures[$"train.{t.Model}.sort_share"] = Math.Round(t.SortShare, 3);
                    figures[$"train.{t.Model}.convert_share"] = Math.Round(t.ConvertShare, 3);
                }
                if (!asJson)
                {
                    var table = new Table().AddColumns("model", "samples/s (median)", training.Any(t => t.Model == "mtlds") ? "vs mtlds" : $"vs {training[0].Model}",
                        "s per 1M samples", "sort share", "Arrow → tensors share", "MFLOP/sample", "of matmul peak");
                    var mtlds = training.FirstOrDefault(t => t.Model == "mtlds")?.SamplesPerSecond ?? training[0].SamplesPerSecond;
                    foreach (var t in training)
                        table.AddRow(t.Model, t.SamplesPerSecond.ToString("N0", CultureInfo.InvariantCulture),
                            (t.SamplesPerSecond / mtlds).ToString("F2", CultureInfo.InvariantCulture) + "×",
                            (1e6 / t.SamplesPerSecond).ToString("F1", CultureInfo.InvariantCulture) + (t.Model == "lightgbm" ? " (whole fit, 100 trees/task)" : " (one epoch)"),
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
                figures["score.evaluate_seconds"] = Math.Round(r.EvaluateSeconds, 3);
                figures["score.evaluate_rows_per_s"] = Math.Round(r.EvaluateRowsPerSecond);
                figures["score.evaluation_read_seconds"] = Math.Round(r.ReadSeconds, 4);
                figures["score.slice_by_period_seconds"] = Math.Round(r.SliceSeconds, 3);
                figures["score.prune_seconds"] = Math.Round(r.DropSeconds, 3);
                if (!asJson)
                {
                    CliRunner.Out.MarkupLine(
                        $"score → CSV file {r.FileRowsPerSecond:N0} rows/s; score → PostgreSQL: {r.Rows:N0} rows at {r.SinkRowsPerSecond:N0} rows/s (binary COPY in one transaction); "
                        + $"psql \\copy of the same rows {r.PsqlRowsPerSecond:N0} rows/s; [bold]{r.PsqlCopyRatio:F2}× psql's speed[/] (target ≥ 1)");
                    CliRunner.Out.MarkupLine(
                        $"every metric of the run computed in SQL at publish: [bold]{r.EvaluateSeconds:F2} s[/] ({r.EvaluateRowsPerSecond:N0} rows/s; target ≤ 2 s for 1M rows); "
                        + $"read back from evaluation in {r.ReadSeconds:F3} s; sliced by period (evaluation_by_period, from the rows) in {r.SliceSeconds:F2} s; "
                        + $"removing the run (its partition dropped): {r.DropSeconds:F3} s");
                }
            }

            if (chosen.Contains("scale"))
            {
                var sizes = new ScalingStudy(Self).Run(scaleSizes, parse.GetValue(scaleTrain), workDir, log);
                var table = new Table().AddColumns("events", "samples", "output MB", "features s", "features MB RSS", "train s (1 epoch)", "train MB RSS");
                foreach (var z in sizes)
                {
                    var key = $"scale.{z.Events}";
                    figures[$"{key}.samples"] = z.Samples;
                    figures[$"{key}.output_bytes"] = z.OutputBytes;
                    figures[$"{key}.features_seconds"] = Math.Round(z.Features.Seconds, 1);
                    figures[$"{key}.features_peak_rss_mb"] = Math.Round(z.Features.PeakBytes / 1e6);
                    if (z.Train is { } t)
                    {
                        figures[$"{key}.train_seconds"] = Math.Round(t.Seconds, 1);
                        figures[$"{key}.train_peak_rss_mb"] = Math.Round(t.PeakBytes / 1e6);
                    }
                    table.AddRow(N(z.Events), N(z.Samples), N(z.OutputBytes / 1_000_000), F(z.Features.Seconds), N(z.Features.PeakBytes / 1_000_000),
                        z.Train is { } u ? F(u.Seconds) : "-", z.Train is { } v ? N(v.PeakBytes / 1_000_000) : "-");
                }
                double Growth(Func<ScalingStudy.Size, double?> y) =>
                    ScalingStudy.Exponent(sizes.Where(z => y(z) is not null).Select(z => ((double)z.Events, y(z)!.Value)).ToList());
                var exponents = new Dictionary<string, double>
                {
                    ["features_seconds"] = Growth(z => z.Features.Seconds),
                    ["features_peak_rss"] = Growth(z => z.Features.PeakBytes),
                    ["samples"] = Growth(z => z.Samples),
                    ["train_seconds"] = Growth(z => z.Train?.Seconds),
                    ["train_peak_rss"] = Growth(z => z.Train?.PeakBytes),
                };
                foreach (var (name, e) in exponents.Where(x => double.IsFinite(x.Value)))
                    figures[$"scale.exponent.{name}"] = Math.Round(e, 3);
                var trained = sizes.Where(z => z.Train is not null).ToList();
                if (trained.Count >= 2)
                    figures["scale.train_peak_rss_ratio"] = Math.Round((double)trained[^1].Train!.PeakBytes / trained[0].Train!.PeakBytes, 3);
                if (!asJson)
                {
                    CliRunner.Out.Write(table);
                    CliRunner.Out.MarkupLine("growth with the events (log-log slope; 1 = linear): " + string.Join(", ",
                        exponents.Where(x => double.IsFinite(x.Value)).Select(x => FormattableString.Invariant($"{x.Key} {x.Value:F2}")))
                        + " (target: features_seconds ≤ 1.15)");
                    if (figures.TryGetValue("scale.train_peak_rss_ratio", out var ratio))
                        CliRunner.Out.MarkupLine(FormattableString.Invariant($"training peak RSS, largest trained size against the smallest: [bold]{ratio:F2}×[/] (target ≤ 1.5×)"));
                }
            }

            if (asJson) Console.WriteLine(JsonSerializer.Serialize(figures));
            return 0;
        }));
        return command;
    }

    /// A comma-separated option value whose every item must be one of `allowed`.
    private static string[] Choices(string value, string option, IReadOnlyList<string>? allowed)
    {
        var items = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (allowed is not null && items.Except(allowed).FirstOrDefault() is { } unknown)
            throw new ConfigurationException($"{option} '{unknown}' is not one of {string.Join(", ", allowed)}");
        return items;
    }

    /// This very command with other arguments, started as it was started: through `dotnet mtlds.dll` (the
    /// host is dotnet, the dll its first argument) or through the apphost `mtlds`, which takes no dll path.
    private static System.Diagnostics.ProcessStartInfo Self(IEnumerable<string> args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(Environment.ProcessPath!);
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
            start.ArgumentList.Add(System.Reflection.Assembly.GetEntryAssembly()!.Location);
        foreach (var a in args) start.ArgumentList.Add(a);
        return start;
    }

    private static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
    private static string F(double v) => v.ToString("F1", CultureInfo.InvariantCulture);

    private static double PeakMb() => Math.Round((PeakMemory.PeakBytes() ?? 0) / 1e6);
}
