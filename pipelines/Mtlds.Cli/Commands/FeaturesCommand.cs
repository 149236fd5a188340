using System.CommandLine;
using System.Globalization;
using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Runs;
using Mtlds.Pipelines.Spark;
using Spectre.Console;

namespace Mtlds.Cli.Commands;

/// `mtlds features`: raw logs → train/valid/test datasets with labels and point-in-time features.
internal static class FeaturesCommand
{
    public static Command Create()
    {
        var source = new Option<string?>("--source") { Description = "Log format: taobao, retailrocket, rees46, canonical" };
        var events = new Option<string?>("--events") { Description = "A file, a folder or a glob of CSV (plain or gzip) or Parquet files" };
        var outDir = new Option<string?>("--out") { Description = "Output folder: period=N/part-0.parquet (or .csv) per period, _interactions/, rejects.csv, manifest.json" };
        var period = new Option<string?>("--period") { Description = "Period of a sample and a list: day (default) or hour" };
        var negatives = new Option<int?>("--negatives") { Description = "Negatives drawn per engaged sample for logs without impressions (default 4)" };
        var seed = new Option<int?>("--seed") { Description = "Seed of the negative sampling (default 42)" };
        var format = new Option<string?>("--format") { Description = "parquet (default) or csv" };
        var from = new Option<string?>("--from") { Description = "Keep events at or after this time (2017-11-25, ISO 8601 or Unix seconds)" };
        var to = new Option<string?>("--to") { Description = "Keep events before this time" };
        var timezone = new Option<string?>("--timezone") { Description = "Zone whose local day cuts periods (default UTC; Taobao: Asia/Shanghai)" };
        var validPeriods = new Option<int?>("--valid-periods") { Description = "Periods in the valid split, before the test ones (default 1)" };
        var testPeriods = new Option<int?>("--test-periods") { Description = "Last periods that form the test split (default 1)" };
        var append = new Option<bool>("--append") { Description = "Build only the periods after the last one --out holds, onto that build (a nightly run: same options as the build)" };
        var config = new Option<string?>("--config") { Description = "YAML config (the file `mtlds run` reads): these settings under 'features:' (also alpha, out); options override it" };
        var engine = new Option<string?>("--engine") { Description = "duckdb (default: in this process) or spark (a spark-submit job of the same SQL; see docs/spark.md)" };
        var impressions = new Option<string?>("--impressions") { Description = "spark, --source canonical: yes|no, whether the log has impressions (the job checks it)" };
        var master = new Option<string?>("--master") { Description = "spark: spark-submit --master (yarn, k8s://…, local[*])" };
        var deployMode = new Option<string?>("--deploy-mode") { Description = "spark: client (Spark runs its SQL driver in client mode only)" };
        var conf = new Option<string[]>("--conf") { Description = "spark: a further spark-submit --conf key=value (repeatable)", Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false };
        var dryRun = new Option<bool>("--dry-run") { Description = "spark: print the spark-submit command and keep its script; run nothing" };
        var finish = new Option<bool>("--finish") { Description = "spark: make the Spark job's output in --out (copied to a local disk) a feature build: derive its manifest.json" };

        var command = new Command("features",
            "Turn raw event logs into ordered label sequences and point-in-time features.\n\n"
            + "Example:\n  mtlds features --source taobao --events ../shared/data/taobao-userbehavior/users-full-history-a.csv \\\n"
            + "    --from 2017-11-25 --to 2017-12-04 --timezone Asia/Shanghai --out data/taobao\n"
            + "  mtlds features --source taobao --events logs/2017-12-04.csv --timezone Asia/Shanghai --out data/taobao --append\n"
            + "  mtlds features --engine spark --source taobao --events 'hdfs:///logs/UserBehavior*.csv' --out hdfs:///features/taobao \\\n"
            + "    --timezone Asia/Shanghai --master yarn --dry-run")
        {
            source, events, outDir, period, negatives, seed, format, from, to, timezone, validPeriods, testPeriods, append, config,
            engine, impressions, master, deployMode, conf, dryRun, finish,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var spark = (parse.GetValue(engine) ?? "duckdb") switch
            {
                "duckdb" => false,
                "spark" => true,
                var other => throw new Pipelines.ConfigurationException($"--engine '{other}' is not one of duckdb, spark"),
            };
            if (!spark)
                foreach (var (name, given) in new[] { ("--impressions", parse.GetValue(impressions) is not null), ("--master", parse.GetValue(master) is not null),
                             ("--deploy-mode", parse.GetValue(deployMode) is not null), ("--conf", parse.GetValue(conf) is { Length: > 0 }),
                             ("--dry-run", parse.GetValue(dryRun)), ("--finish", parse.GetValue(finish)) })
                    if (given) throw new Pipelines.ConfigurationException($"{name} is an option of --engine spark");
            if (spark && parse.GetValue(finish))
            {
                var dir = parse.GetValue(outDir) ?? throw new Pipelines.ConfigurationException("--finish needs --out: the local copy of the Spark job's output");
                // The manifest comes from what the job wrote; an option here would be silently ignored, so it is refused.
                Option[] jobOptions = [source, events, period, negatives, seed, format, from, to, timezone, validPeriods, testPeriods, append, config,
                    impressions, master, deployMode, conf, dryRun];
                if (jobOptions.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false }) is { } extra)
                    throw new Pipelines.ConfigurationException(
                        $"{extra.Name} is an option of the Spark job, not of --finish: it takes --out only and derives the build's manifest from what the job wrote");
                var finishing = DateTime.UtcNow;
                Summarise(SparkBuildManifest.Derive(dir), dir, DateTime.UtcNow - finishing);
                return 0;
            }
            // The same reader and file shape as `mtlds run --config`: one config serves both, checked alike.
            var file = parse.GetValue(config) is { } path
                ? PipelineConfigFile.Load(path, [], requireInputs: false).Features
                : new PipelineConfig.FeaturesSection();
            var options = new FeatureOptions
            {
                Source = parse.GetValue(source) ?? NonEmpty(file.Source)
                    ?? throw new Pipelines.ConfigurationException("--source is required (taobao, retailrocket, rees46, canonical)"),
                EventsPath = parse.GetValue(events) ?? NonEmpty(file.Events) ?? throw new Pipelines.ConfigurationException("--events is required"),
                OutDir = parse.GetValue(outDir) ?? NonEmpty(file.Out) ?? throw new Pipelines.ConfigurationException("--out is required"),
                Period = parse.GetValue(period) ?? file.Period,
                Negatives = parse.GetValue(negatives) ?? file.Negatives,
                Seed = parse.GetValue(seed) ?? file.Seed,
                Format = parse.GetValue(format) ?? file.Format,
                From = parse.GetValue(from) ?? file.From,
                To = parse.GetValue(to) ?? file.To,
                Timezone = parse.GetValue(timezone) ?? file.Timezone,
                ValidPeriods = parse.GetValue(validPeriods) ?? file.ValidPeriods,
                TestPeriods = parse.GetValue(testPeriods) ?? file.TestPeriods,
                Alpha = file.Alpha,
                Append = parse.GetValue(append),
            };
            if (spark)
                return SparkFeatures.Submit(new SparkJobOptions
                {
                    Features = options,
                    Impressions = parse.GetValue(impressions) switch
                    {
                        null => null,
                        "yes" => true,
                        "no" => false,
                        var other => throw new Pipelines.ConfigurationException($"--impressions '{other}' is not one of yes, no"),
                    },
                    Master = parse.GetValue(master),
                    DeployMode = parse.GetValue(deployMode),
                    Confs = parse.GetValue(conf) ?? [],
                }, parse.GetValue(dryRun), Summarise);

            Manifest manifest = null!;
            var started = DateTime.UtcNow;
            CliRunner.Out.Status().Start("reading raw events", ctx =>
            {
                var step = "reading raw events";
                var builder = new FeatureBuilder
                {
                    OnStep = s => ctx.Status(Markup.Escape(step = s)),
                    OnRowsRead = n => ctx.Status(Markup.Escape($"{step}: {n:N0} rows")),
                };
                manifest = builder.Build(options);
            });
            Summarise(manifest, options.OutDir, DateTime.UtcNow - started);
            return 0;
        }));
        return command;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    internal static void Summarise(Manifest m, string outDir, TimeSpan elapsed)
    {
        var c = CliRunner.Out;
        c.MarkupLine($"[green]features[/] {Markup.Escape(outDir)}: {m.RowsRead:N0} rows read, {m.RowsAccepted:N0} accepted, "
            + $"{m.RowsRejected:N0} rejected (rejects.csv), {m.DuplicatesDropped:N0} duplicates dropped, "
            + (m.RowsAlreadyBuilt > 0 ? $"{m.RowsAlreadyBuilt:N0} in periods built before, " : "")
            + $"{m.Periods.Count} periods, {elapsed.TotalSeconds:F1} s");
        var table = new Table().AddColumns("split", "periods", "samples", "lists", "click", "cart", "purchase", "negatives");
        foreach (var (name, s) in m.Splits)
            table.AddRow(name, s.FirstPeriod == s.LastPeriod ? Period(m, s.FirstPeriod) : $"{Period(m, s.FirstPeriod)}..{Period(m, s.LastPeriod)}", N(s.Samples), N(s.Lists), N(s.Positives["click"]),
                N(s.Positives["cart"]), N(s.Positives["purchase"]), N(s.Negatives));
        c.Write(table);
        c.MarkupLine($"{m.Features.Count} features; manifest.json lists their definitions and train statistics.");
    }

    /// A period number as the local date (or date and hour) it stands for.
    private static string Period(Manifest m, long period)
    {
        var start = DateTimeOffset.FromUnixTimeSeconds(period * m.PeriodSeconds - m.TzOffsetSeconds).ToOffset(TimeSpan.FromSeconds(m.TzOffsetSeconds));
        return start.ToString(m.PeriodSeconds >= 86_400 ? "yyyy-MM-dd" : "yyyy-MM-dd HH:00", CultureInfo.InvariantCulture);
    }

    private static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
}
