using System.Diagnostics;
using System.Globalization;
using System.Text;
using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Ingestion;
using Mtlds.Pipelines.Sources;

namespace Mtlds.Pipelines.Spark;

/// A feature build as one Spark SQL script, assembled by mtlds from the options a DuckDB build takes and
/// checked by the same rules: the job's settings and database (sql/spark/job_begin.sql), the reading of lines
/// (read_lines.sql), their parsing as the C# readers parse them (sql/loading, portable SQL), the checks
/// (validate.sql), the shared sql/features unchanged, the writing (write_outputs.sql) and the database's
/// removal (job_end.sql). Every `${name}` is bound here, so the script holds none and no variable is left for
/// Spark to turn into an empty string. Run by Spark's own SQL driver (SparkSQLCLIDriver, what `spark-sql -f`
/// runs): the executors need nothing installed.
public sealed class SparkJob
{
    /// Settings the SQL relies on: set by the script itself and refused as --conf. ANSI off: casts of bad
    /// fields give NULL, which validate.sql turns into a reject reason. UTC: times are Unix seconds. Datasource
    /// tables, not Hive ones. A static overwrite of the period table replaces an earlier job's periods.
    /// No variable substitution: the script holds values, not placeholders.
    public static readonly IReadOnlyDictionary<string, string> FixedSettings = new Dictionary<string, string>
    {
        ["spark.sql.ansi.enabled"] = "false",
        ["spark.sql.session.timeZone"] = "UTC",
        ["spark.sql.legacy.createHiveTableByDefault"] = "false",
        ["spark.sql.sources.partitionOverwriteMode"] = "static",
        ["spark.sql.variable.substitute"] = "false",
        ["spark.sql.parser.escapedStringLiterals"] = "true",
    };

    /// The loading SQL's files for a source, in order: portable (sql/loading, run on DuckDB by the parity tests)
    /// but for the reading of lines before them (sql/spark/read_lines.sql).
    public static IReadOnlyList<string> LoadingFiles(string source) =>
        ["loading/01_fields.sql", $"loading/02_{source}.sql", "loading/03_values.sql", "loading/04_checks.sql"];

    /// What char.IsWhiteSpace holds (what C#'s Trim removes), as a character class RE2 and Java read alike.
    public const string WhitespaceClass = @"[\x{9}-\x{D}\x{20}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]";

    /// The loading SQL's variables for a source (the time bounds aside): its column count and header.
    public static Dictionary<string, string> LoadingVariables(IEventSource source)
    {
        var columns = source.Header?.Count ?? source.ParquetColumns.Count;
        const int extracted = 9; // sql/loading/01_fields.sql cuts out fields t0..t8
        if (columns > extracted) throw new InvalidOperationException($"{source.Name}: {columns} columns, more than the loading SQL cuts out");
        var header = source.Header is { } h ? string.Join(',', h).ToLowerInvariant() : "";
        return new Dictionary<string, string>
        {
            ["source"] = source.Name,
            ["ws"] = WhitespaceClass,
            ["columns_minus_one"] = (columns - 1).ToString(CultureInfo.InvariantCulture),
            ["has_header"] = source.Header is null ? "FALSE" : "TRUE",
            ["header"] = header,
            ["header_fields"] = source.Header is null ? "" : header + new string(',', extracted - columns),
        };
    }

    public const string DriverClass = "org.apache.spark.sql.hive.thriftserver.SparkSQLCLIDriver";

    public string JobId { get; }
    /// The job's own database: every table the script creates is in it, and it is dropped at the end.
    public string Database => $"mtlds_job_{JobId}";
    public string Script { get; }
    /// Drops the job's database: run after a failed job.
    public string CleanupScript { get; }
    public int TzOffsetSeconds { get; }
    public int NegativesDrawnPerEngaged { get; }
    public SparkJobOptions Options { get; }

    private SparkJob(SparkJobOptions options, string script, string cleanup, int tzOffset, int negatives)
    {
        Options = options;
        JobId = options.JobId;
        Script = script;
        CleanupScript = cleanup;
        TzOffsetSeconds = tzOffset;
        NegativesDrawnPerEngaged = negatives;
    }

    public static SparkJob Assemble(SparkJobOptions options)
    {
        var f = options.Features;
        f.Validate();
        var source = EventSources.Get(f.Source).Name;
        if (f.Append) throw new ConfigurationException("--append is not supported with --engine spark: a Spark job is a full build (append on DuckDB)");
        if (f.Format != "parquet") throw new ConfigurationException($"--format {f.Format}: a Spark build writes Parquet only");
        if (options.DeployMode is { } mode && mode != "client")
            throw new ConfigurationException($"--deploy-mode {mode}: Spark runs its SQL driver in client mode only (spark-submit refuses cluster mode for it); run mtlds where the driver may run");
        if (!System.Text.RegularExpressions.Regex.IsMatch(options.JobId, "^[a-z0-9_]{1,40}$"))
            throw new ConfigurationException($"job id '{options.JobId}' must be 1..40 of a-z, 0-9 and _");
        var events = SqlLiteralPath(f.EventsPath, "--events");
        var outDir = SqlLiteralPath(f.OutDir, "--out").TrimEnd('/');
        if (outDir.Length == 0) throw new ConfigurationException("--out must not be the root folder");

        bool hasImpressions;
        if (source == "canonical")
            hasImpressions = options.Impressions ?? throw new ConfigurationException(
                "--impressions yes|no is required with --engine spark and --source canonical: DuckDB reads it from the data, "
                + "a Spark job cannot be shown the data first (the job checks what you say)");
        else if (options.Impressions == true)
            throw new ConfigurationException($"--impressions yes: the {source} format has no impression events");
        else hasImpressions = false;
        var negatives = hasImpressions ? 0 : f.Negatives;

        var runStart = (options.RunStart ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        var window = TimeWindow.Create(f.From, f.To, DateTimeOffset.FromUnixTimeSeconds(runStart));
        var fromTs = Math.Max(window.From, EventIngestor.EarliestTs);
        var toTs = window.To;
        var tzOffset = FixedOffset(f.Timezone, fromTs, Math.Min(toTs, runStart + 1));

        foreach (var conf in options.Confs)
        {
            var eq = conf.IndexOf('=');
            if (eq <= 0) throw new ConfigurationException($"--conf '{conf}' is not key=value");
            var key = conf[..eq].Trim();
            if (FixedSettings.ContainsKey(key))
                throw new ConfigurationException($"--conf {key}: the job sets it ({key}={FixedSettings[key]}) because its SQL relies on it; leave it out");
        }

        var root = options.SqlRoot ?? Path.Combine(AppContext.BaseDirectory, "sql");
        var features = SqlScript.Load(Path.Combine(root, "features"));
        var variables = new Dictionary<string, string>(f.SqlVariables(tzOffset, negatives));
        foreach (var (k, v) in LoadingVariables(EventSources.Get(source))) variables[k] = v;
        foreach (var (k, v) in new Dictionary<string, string>
        {
            ["job_id"] = options.JobId,
            ["job_database"] = $"mtlds_job_{options.JobId}",
            ["events"] = events,
            ["out"] = outDir,
            ["period"] = f.Period,
            ["timezone"] = SqlLiteralPath(f.Timezone, "--timezone"),
            ["requested_negatives"] = f.Negatives.ToString(CultureInfo.InvariantCulture),
            ["has_impressions"] = hasImpressions ? "true" : "false",
            ["run_start"] = runStart.ToString(CultureInfo.InvariantCulture),
            ["from_ts"] = fromTs.ToString(CultureInfo.InvariantCulture),
            ["to_ts"] = toTs.ToString(CultureInfo.InvariantCulture),
            ["sql_hash"] = features.Hash(),
        }) variables[k] = v;
        var columns = DatasetSchema.Of(features, variables).Where(c => c.Name != "period").ToList();
        variables["period_table_columns"] = string.Join(", ", columns.Select(c => $"{c.Name} {SparkType(c)}").Append("period BIGINT"));
        variables["period_table_select"] = string.Join(", ", columns.Select(c => c.Name));

        var script = new StringBuilder();
        void Append(string relative)
        {
            var path = Path.Combine(root, relative);
            if (!File.Exists(path)) throw new ConfigurationException($"{path} is missing (the SQL shipped beside mtlds)");
            script.Append("-- ==== sql/").Append(relative).Append(" ====\n");
            script.Append(SqlScript.Substitute($"sql/{relative}", File.ReadAllText(path).ReplaceLineEndings("\n"), variables).TrimEnd()).Append("\n\n");
        }
        Append("spark/job_begin.sql");
        Append("spark/read_lines.sql");
        foreach (var file in LoadingFiles(source)) Append(file);
        Append("spark/validate.sql");
        foreach (var (name, _) in features.Files) Append($"features/{name}");
        Append("spark/write_outputs.sql");
        Append("spark/job_end.sql");
        var cleanup = new StringBuilder();
        cleanup.Append(SqlScript.Substitute("sql/spark/job_cleanup.sql", File.ReadAllText(Path.Combine(root, "spark", "job_cleanup.sql")), variables));
        return new SparkJob(options, script.ToString(), cleanup.ToString(), tzOffset, negatives);
    }

    /// spark-submit's arguments (after the program itself) for a script at `scriptPath`.
    public IReadOnlyList<string> SubmitArguments(string scriptPath)
    {
        var args = new List<string> { "--class", DriverClass, "--name", $"mtlds features {Options.Features.Source} {JobId}" };
        if (Options.Master is { } master) args.AddRange(["--master", master]);
        if (Options.DeployMode is { } mode) args.AddRange(["--deploy-mode", mode]);
        foreach (var (k, v) in FixedSettings) args.AddRange(["--conf", $"{k}={v}"]);
        foreach (var conf in Options.Confs) args.AddRange(["--conf", conf]);
        args.AddRange(["spark-internal", "-f", scriptPath]);
        return args;
    }

    /// spark-submit from SPARK_HOME, or the one on PATH.
    public static string SparkSubmit() =>
        Environment.GetEnvironmentVariable("SPARK_HOME") is { Length: > 0 } home ? Path.Combine(home, "bin", "spark-submit") : "spark-submit";

    /// Writes the scripts to `workDir`, runs the job, and after a failure runs the cleanup job (which drops the
    /// job's database). Returns the job's exit code; the cleanup's own failure is reported, not hidden.
    public int Run(string workDir, Action<string> log)
    {
        Directory.CreateDirectory(workDir);
        var scriptPath = Path.Combine(workDir, $"mtlds-features-{JobId}.sql");
        var cleanupPath = Path.Combine(workDir, $"mtlds-cleanup-{JobId}.sql");
        File.WriteAllText(scriptPath, Script);
        File.WriteAllText(cleanupPath, CleanupScript);
        int code;
        try { code = RunSubmit(SubmitArguments(scriptPath)); }
        catch (ConfigurationException)
        {
            Directory.Delete(workDir, recursive: true); // nothing ran: no script to keep
            throw;
        }
        if (code == 0) return 0;
        log($"the Spark job failed (exit {code}); dropping its database {Database}");
        var cleanupArgs = SubmitArguments(cleanupPath);
        var cleaned = RunSubmit(cleanupArgs);
        if (cleaned != 0) log($"the cleanup job failed too (exit {cleaned}): drop it by hand with DROP DATABASE IF EXISTS {Database} CASCADE");
        return code;
    }

    private static int RunSubmit(IReadOnlyList<string> args)
    {
        var psi = new ProcessStartInfo(SparkSubmit());
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            p.WaitForExit();
            return p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ConfigurationException($"cannot start {psi.FileName} ({e.Message}); set SPARK_HOME or put spark-submit on PATH, or use --dry-run");
        }
    }

    /// A path or name that becomes a SQL string literal in the script: refused if it holds what Spark would read
    /// as the literal's end, an escape, a statement's end or a variable.
    private static string SqlLiteralPath(string value, string option)
    {
        if (string.IsNullOrWhiteSpace(value)) throw new ConfigurationException($"{option} is required");
        foreach (var bad in new[] { "'", "\\", ";", "${", "\n", "\r" })
            if (value.Contains(bad, StringComparison.Ordinal))
                throw new ConfigurationException($"{option} '{value}' must not contain {(bad == "\n" || bad == "\r" ? "a line break" : bad)} (it becomes a string literal of the Spark SQL)");
        return value;
    }

    private static string SparkType(DatasetSchema.Column c) => c.DuckDbType switch
    {
        "BIGINT" => "BIGINT",
        "INTEGER" => "INT",
        "SMALLINT" => "SMALLINT",
        "TINYINT" => "TINYINT",
        "FLOAT" => "FLOAT",
        "DOUBLE" => "DOUBLE",
        "BOOLEAN" => "BOOLEAN",
        "VARCHAR" => "STRING",
        _ => throw new InvalidOperationException($"sql/features: column {c.Name} has type {c.DuckDbType}, which has no Spark type here"),
    };

    /// The zone's UTC offset over [from, to): the job cannot see the data first, so the offset must hold over
    /// the whole window (a zone with daylight saving needs --from/--to within one offset, or a fixed zone).
    private static int FixedOffset(string zone, long from, long to)
    {
        var offset = FeatureBuilder.TimezoneOffset(zone, from, from);
        var tz = TimeZoneInfo.FindSystemTimeZoneById(zone);
        for (var t = from; t < to; t += 3 * 3600)
            if ((int)tz.GetUtcOffset(DateTimeOffset.FromUnixTimeSeconds(t)).TotalSeconds != offset)
                throw new ConfigurationException(
                    $"--timezone '{zone}' changes its UTC offset between --from and --to ({DateTimeOffset.FromUnixTimeSeconds(from):yyyy-MM-dd} to "
                    + $"{DateTimeOffset.FromUnixTimeSeconds(to):yyyy-MM-dd}); a Spark job cannot read the data's range first: "
                    + "give --from/--to within one offset or a fixed-offset zone such as Etc/GMT-8");
        return offset;
    }
}
