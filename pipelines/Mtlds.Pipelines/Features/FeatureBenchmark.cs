using System.Diagnostics;
using DuckDB.NET.Data;
using Mtlds.Pipelines.Diagnostics;
using Mtlds.Pipelines.Generation;

namespace Mtlds.Pipelines.Features;

/// Measures a feature build against its yardstick in the same run: one plain DuckDB scan of the same file
/// (every column read and aggregated). Machines here are noisy, so the ratio is what to quote.
/// Two shapes of log: generated with impressions (no negatives drawn) and shaped like Taobao's (no
/// impressions: negatives drawn, the path every real public log takes).
public sealed class FeatureBenchmark
{
    public sealed record Result(long Events, long FileBytes, double ScanSeconds, double BuildSeconds,
        IReadOnlyList<(string Step, double Seconds)> Steps)
    {
        public double EventsPerSecond => Events / BuildSeconds;
        public double ScanRatio => BuildSeconds / ScanSeconds;
    }

    /// Generates about `events` events of the shape into `workDir` (reused when already there) and measures.
    /// The build goes to `workDir/features` (impressions) or `workDir/features-taobao`.
    public Result Run(long events, string workDir, Action<string>? log = null, bool taobaoShaped = false)
    {
        var log_ = taobaoShaped ? TaobaoShapedLog(events, workDir, log) : GeneratedLog(events, workDir, log);
        var lines = CountLines(log_) - (HasHeader(log_) ? 1 : 0);

        // The yardstick: one plain scan of the file, timed three times (the median is kept: a single scan
        // varied from 1.28 to 1.56 s between runs here, which moves the ratio by a fifth).
        var scans = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var scan = Stopwatch.StartNew();
            using (var db = new DuckDBConnection("DataSource=:memory:"))
            {
                db.Open();
                using var cmd = db.CreateCommand();
                cmd.CommandText = ScanSql(log_);
                using var r = cmd.ExecuteReader();
                r.Read();
            }
            scans.Add(scan.Elapsed.TotalSeconds);
            log?.Invoke($"plain DuckDB scan {i + 1}: {scans[^1]:F2} s");
        }
        var scanSeconds = Median.Of(scans);

        var steps = new List<(string, double)>();
        var step = Stopwatch.StartNew();
        var current = "";
        var builder = new FeatureBuilder
        {
            OnStep = s =>
            {
                if (current.Length > 0) steps.Add((current, step.Elapsed.TotalSeconds));
                current = s;
                step.Restart();
                log?.Invoke(s);
            },
        };
        var outDir = Path.Combine(workDir, taobaoShaped ? "features-taobao" : "features");
        var build = Stopwatch.StartNew();
        builder.Build(new FeatureOptions { Source = taobaoShaped ? "taobao" : "canonical", EventsPath = log_, OutDir = outDir });
        build.Stop();
        steps.Add((current, step.Elapsed.TotalSeconds));
        return new Result(lines, new FileInfo(log_).Length, scanSeconds, build.Elapsed.TotalSeconds, steps);
    }

    /// The canonical log of about `events` generated events in `workDir`, made when not there yet.
    public static string GeneratedLog(long events, string workDir, Action<string>? log = null)
    {
        Directory.CreateDirectory(workDir);
        // About 30 events per user and day (25 impressions and their funnel) over 10 days.
        var users = (int)Math.Max(1, events / 300);
        var path = Path.Combine(workDir, $"generated-{users}u.csv");
        if (!File.Exists(path))
        {
            log?.Invoke($"generating about {events:N0} events ({users:N0} users)");
            new SyntheticLogGenerator(new GeneratorOptions { Users = users, Items = Math.Max(1000, users * 2), Categories = 500 }).Write(path);
        }
        return path;
    }

    /// The Taobao-shaped log (no impressions, Taobao's own file form) of about `events` events in `workDir`.
    public static string TaobaoShapedLog(long events, string workDir, Action<string>? log = null)
    {
        Directory.CreateDirectory(workDir);
        var path = Path.Combine(workDir, $"taobao-shaped-{events}.csv");
        if (!File.Exists(path))
        {
            log?.Invoke($"generating about {events:N0} Taobao-shaped events (no impressions)");
            new TaobaoShapedLogGenerator(TaobaoShapeOptions.ForEvents(events)).Write(path);
        }
        return path;
    }

    /// The yardstick: one plain DuckDB scan reading and aggregating every column of the file.
    internal static string ScanSql(string csv) =>
        $"SELECT count(*), sum(#1), sum(#2), sum(#3), count(DISTINCT #4), max(#5) FROM read_csv('{csv.Replace("'", "''")}', header = {(HasHeader(csv) ? "true" : "false")})";

    /// A canonical log starts with its header; a Taobao file has none.
    private static bool HasHeader(string csv)
    {
        using var r = new StreamReader(csv);
        return r.ReadLine() is { } first && first.StartsWith("user_id", StringComparison.Ordinal);
    }

    private static long CountLines(string path)
    {
        long n = 0;
        using var s = File.OpenRead(path);
        var buf = new byte[1 << 20];
        int read;
        while ((read = s.Read(buf)) > 0) n += buf.AsSpan(0, read).Count((byte)'\n');
        return n;
    }
}
