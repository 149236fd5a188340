using System.Diagnostics;
using System.Text.RegularExpressions;
using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Spark;
using Mtlds.Pipelines.Tests.Fixtures;
using Mtlds.Pipelines.Tests.Sql;

namespace Mtlds.Pipelines.Tests.Spark;

/// The Spark job as mtlds assembles it: one script that parses with Spark's grammar, binds every variable,
/// creates tables only in its own database under --out, and takes the options of a DuckDB build by the same
/// rules (the same messages for the same mistakes).
public sealed partial class SparkJobTests : IDisposable
{
    private readonly string _dir = TestData.TempDir("spark-job");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static SparkJobOptions Job(string source, bool? impressions = null, FeatureOptions? features = null) => new()
    {
        Features = features ?? new FeatureOptions { Source = source, EventsPath = "hdfs:///logs/my logs/*.csv", OutDir = "hdfs:///features/out dir/" },
        Impressions = impressions,
        JobId = "t0123456789a",
        SqlRoot = Path.Combine(RepoPaths.Root, "sql"),
        RunStart = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
    };

    [Theory]
    [InlineData("taobao", null)]
    [InlineData("retailrocket", null)]
    [InlineData("rees46", null)]
    [InlineData("canonical", false)]
    [InlineData("canonical", true)]
    public void The_assembled_script_parses_with_Spark_grammar_and_binds_every_variable(string source, bool? impressions)
    {
        var job = SparkJob.Assemble(Job(source, impressions));
        Assert.False(SqlScript.HasPlaceholder(job.Script), "a ${name} is left for Spark to substitute");
        Assert.False(SqlScript.HasPlaceholder(job.CleanupScript));
        var file = Path.Combine(_dir, $"{source}.sql");
        File.WriteAllText(file, job.Script);
        SparkGrammarTests.AssertParses(file);
        File.WriteAllText(file, job.CleanupScript);
        SparkGrammarTests.AssertParses(file);
        // Paths become literals whole (spaces kept, the trailing slash of --out dropped).
        Assert.Contains("path 'hdfs:///logs/my logs/*.csv'", job.Script);
        Assert.Contains("LOCATION 'hdfs:///features/out dir/periods'", job.Script);
        Assert.Equal(impressions == true ? 0 : 4, job.NegativesDrawnPerEngaged);
        Assert.Contains($"WHERE (n > 0) <> {(impressions == true ? "true" : "false")};", job.Script);
    }

    [Theory]
    [InlineData("taobao")]
    [InlineData("canonical")]
    public void The_script_creates_tables_only_in_its_own_database_which_it_drops_at_the_end(string source)
    {
        var job = SparkJob.Assemble(Job(source, source == "canonical" ? false : null));
        var statements = Statements(job.Script);
        var use = statements.FindIndex(s => s == $"USE {job.Database}");
        var leave = statements.FindIndex(s => s == "USE default");
        Assert.True(use > 0 && leave > use, "the job switches to its database and back");
        Assert.Equal($"DROP DATABASE {job.Database} CASCADE", statements[^1]);
        Assert.Equal($"DROP DATABASE IF EXISTS {job.Database} CASCADE", Statements(job.CleanupScript).Single());
        // One database, the job's, located under --out.
        var created = statements.Where(s => s.StartsWith("CREATE DATABASE", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.Equal([$"CREATE DATABASE {job.Database} LOCATION 'hdfs:///features/out dir/_job-{job.JobId}'"], created);
        for (var i = 0; i < statements.Count; i++)
        {
            var s = statements[i];
            var table = TableStatement().Match(s);
            if (!table.Success) continue;
            Assert.True(i > use && i < leave, $"a table is created or dropped outside the job's database: {s[..Math.Min(80, s.Length)]}");
            Assert.DoesNotContain(".", table.Groups["name"].Value); // never another database's table
        }
        // Every LOCATION and directory written lies under --out.
        foreach (Match m in Location().Matches(job.Script))
            Assert.StartsWith("hdfs:///features/out dir/", m.Groups["path"].Value);
        // The settings the SQL relies on come first, in the script: no --conf can change them.
        foreach (var (key, value) in SparkJob.FixedSettings)
            Assert.Contains($"SET {key}={value}", statements.Take(use));
    }

    [Fact]
    public void The_period_table_declares_the_columns_and_types_of_a_DuckDB_build()
    {
        var job = SparkJob.Assemble(Job("taobao"));
        var declared = Regex.Match(job.Script, @"CREATE TABLE periods_out \((?<cols>[^)]*)\)").Groups["cols"].Value
            .Split(", ").Select(c => c.Split(' ')).ToDictionary(c => c[0], c => c[1]);
        var schema = DatasetSchema.Of(SqlScript.Load(Path.Combine(RepoPaths.Root, "sql", "features")), new FeatureOptions
            { Source = "taobao", EventsPath = "x", OutDir = "y" }.SqlVariables(0, 4));
        Assert.Equal(schema.Select(c => c.Name).Order(), declared.Keys.Order());
        Assert.Equal("BIGINT", declared["period"]);
        Assert.Equal("BIGINT", declared["user_id"]);
        Assert.Equal("INT", declared["y_purchase"]);
        Assert.All(schema.Where(c => !FeatureCatalog.SampleColumns.Contains(c.Name)), c => Assert.Equal("FLOAT", declared[c.Name]));
        Assert.EndsWith(", period", Regex.Match(job.Script, @"INSERT OVERWRITE TABLE periods_out\s+SELECT (?<s>.*?) FROM dataset").Groups["s"].Value);
    }

    public static TheoryData<string, FeatureOptions> BadOptions => new()
    {
        { "alpha", new FeatureOptions { Source = "taobao", EventsPath = "e", OutDir = "o", Alpha = 0 } },
        { "test periods", new FeatureOptions { Source = "taobao", EventsPath = "e", OutDir = "o", TestPeriods = 0 } },
        { "valid periods", new FeatureOptions { Source = "taobao", EventsPath = "e", OutDir = "o", ValidPeriods = -1 } },
        { "negatives", new FeatureOptions { Source = "taobao", EventsPath = "e", OutDir = "o", Negatives = 33 } },
        { "seed", new FeatureOptions { Source = "taobao", EventsPath = "e", OutDir = "o", Seed = -1 } },
        { "period", new FeatureOptions { Source = "taobao", EventsPath = "e", OutDir = "o", Period = "week" } },
        { "source", new FeatureOptions { Source = "amazon", EventsPath = "e", OutDir = "o" } },
        { "from", new FeatureOptions { Source = "taobao", EventsPath = "e", OutDir = "o", From = "yesterday" } },
        { "timezone", new FeatureOptions { Source = "taobao", EventsPath = "e", OutDir = "o", Timezone = "Mars/Olympus" } },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Options_a_DuckDB_build_refuses_are_refused_with_the_same_message(string what, FeatureOptions options)
    {
        var events = Path.Combine(_dir, "events.csv");
        File.WriteAllText(events, "1,2,3,pv,1511661600\n");
        var duck = Assert.Throws<ConfigurationException>(() => new FeatureBuilder().Build(options with { EventsPath = events, OutDir = Path.Combine(_dir, "out") }));
        var spark = Assert.Throws<ConfigurationException>(() => SparkJob.Assemble(Job("taobao", features: options)));
        Assert.True(duck.Message == spark.Message, $"{what}: DuckDB says '{duck.Message}', Spark '{spark.Message}'");
    }

    [Fact]
    public void What_only_the_data_can_say_must_be_said_and_what_the_SQL_relies_on_cannot_be_overridden()
    {
        var e = Assert.Throws<ConfigurationException>(() => SparkJob.Assemble(Job("canonical")));
        Assert.Contains("--impressions yes|no is required", e.Message);
        e = Assert.Throws<ConfigurationException>(() => SparkJob.Assemble(Job("taobao", impressions: true)));
        Assert.Contains("has no impression events", e.Message);
        e = Assert.Throws<ConfigurationException>(() => SparkJob.Assemble(Job("taobao") with { Confs = ["spark.executor.memory=8g", "spark.sql.ansi.enabled=true"] }));
        Assert.Equal("--conf spark.sql.ansi.enabled: the job sets it (spark.sql.ansi.enabled=false) because its SQL relies on it; leave it out", e.Message);
        e = Assert.Throws<ConfigurationException>(() => SparkJob.Assemble(Job("taobao") with { DeployMode = "cluster" }));
        Assert.Contains("client mode only", e.Message);
        e = Assert.Throws<ConfigurationException>(() => SparkJob.Assemble(Job("taobao") with { Confs = ["spark.executor.memory"] }));
        Assert.Contains("is not key=value", e.Message);
        e = Assert.Throws<ConfigurationException>(() => SparkJob.Assemble(Job("taobao", features: new FeatureOptions
            { Source = "taobao", EventsPath = "hdfs:///it's/*.csv", OutDir = "o" })));
        Assert.Contains("must not contain '", e.Message);
        e = Assert.Throws<ConfigurationException>(() => SparkJob.Assemble(Job("taobao", features: new FeatureOptions
            { Source = "taobao", EventsPath = "e", OutDir = "o", Append = true })));
        Assert.Contains("--append is not supported with --engine spark", e.Message);
        // A zone with daylight saving cannot be pinned before the data is read, unless the window is within one offset.
        e = Assert.Throws<ConfigurationException>(() => SparkJob.Assemble(Job("taobao", features: new FeatureOptions
            { Source = "taobao", EventsPath = "e", OutDir = "o", Timezone = "Europe/Berlin" })));
        Assert.Contains("changes its UTC offset between --from and --to", e.Message);
        var winter = SparkJob.Assemble(Job("taobao", features: new FeatureOptions
            { Source = "taobao", EventsPath = "e", OutDir = "o", Timezone = "Europe/Berlin", From = "2017-11-25", To = "2017-12-04" }));
        Assert.Equal(3600, winter.TzOffsetSeconds);
        Assert.Equal(28800, SparkJob.Assemble(Job("taobao", features: new FeatureOptions
            { Source = "taobao", EventsPath = "e", OutDir = "o", Timezone = "Asia/Shanghai" })).TzOffsetSeconds);
    }

    [Fact]
    public void An_unknown_variable_in_the_Spark_SQL_is_an_error_naming_its_file()
    {
        var root = Path.Combine(_dir, "sql");
        foreach (var file in Directory.GetFiles(Path.Combine(RepoPaths.Root, "sql"), "*.sql", SearchOption.AllDirectories))
        {
            var to = Path.Combine(root, Path.GetRelativePath(Path.Combine(RepoPaths.Root, "sql"), file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }
        File.AppendAllText(Path.Combine(root, "spark", "validate.sql"), "\nSELECT ${no_such_variable};\n");
        var e = Assert.Throws<ConfigurationException>(() => SparkJob.Assemble(Job("taobao") with { SqlRoot = root }));
        Assert.Equal("sql/spark/validate.sql: no value for ${no_such_variable}", e.Message);
    }

    [Theory]
    [InlineData("taobao")]
    [InlineData("canonical")]
    public async Task Spark_submit_sh_prints_through_mtlds_a_command_whose_script_parses_and_keeps_paths_with_spaces(string source)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(RepoPaths.Root, "spark-submit.sh"), "--source", source, "--events", "/data/my logs/*.csv",
                     "--out", "/features dir/out", "--master", "yarn", "--conf", "spark.executor.memory=8g", "--dry-run" })
            psi.ArgumentList.Add(a);
        if (source == "canonical") { psi.ArgumentList.Add("--impressions"); psi.ArgumentList.Add("no"); }
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var command = (await p.StandardOutput.ReadToEndAsync()).Trim();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, await stderr);
        Assert.Contains("--class org.apache.spark.sql.hive.thriftserver.SparkSQLCLIDriver", command);

        // The printed line, read back by a shell, gives each argument whole.
        var echo = new ProcessStartInfo("bash") { RedirectStandardOutput = true };
        echo.ArgumentList.Add("-c");
        echo.ArgumentList.Add("set -- " + command + "; printf '%s\n' \"$@\"");
        using var e = Process.Start(echo)!;
        var args = (await e.StandardOutput.ReadToEndAsync()).Split('\n');
        await e.WaitForExitAsync();
        Assert.Contains("spark.executor.memory=8g", args);
        Assert.Contains("yarn", args);
        var script = args[Array.IndexOf(args, "-f") + 1];
        SparkGrammarTests.AssertParses(script);
        var text = File.ReadAllText(script);
        Assert.Contains("path '/data/my logs/*.csv'", text);
        Assert.Contains("LOCATION '/features dir/out/periods'", text);
        Assert.Contains($"-- ==== sql/loading/02_{source}.sql ====", text);
        Directory.Delete(Path.GetDirectoryName(script)!, true);
    }

    [Fact]
    public void Mtlds_refuses_on_the_Spark_engine_what_it_refuses_on_DuckDB_with_the_same_line_and_exit_code()
    {
        var events = Path.Combine(_dir, "events.csv");
        File.WriteAllText(events, "1,2,3,pv,1511661600\n");
        string[] common = ["features", "--source", "taobao", "--events", events, "--out", Path.Combine(_dir, "o"), "--test-periods", "0"];
        var duck = MtldsProcess.Run(common);
        var spark = MtldsProcess.Run([.. common, "--engine", "spark", "--dry-run"]);
        Assert.Equal(2, duck.ExitCode);
        Assert.Equal(duck.ExitCode, spark.ExitCode);
        Assert.Equal(duck.Stderr, spark.Stderr);
        var r = MtldsProcess.Run("features", "--source", "taobao", "--events", events, "--out", Path.Combine(_dir, "o"), "--master", "yarn");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--master is an option of --engine spark", r.Stderr);
    }

    [Fact]
    public void Finishing_a_Spark_output_refuses_the_job_options_it_would_ignore()
    {
        var out_ = Directory.CreateDirectory(Path.Combine(_dir, "copied")).FullName;
        var r = MtldsProcess.Run("features", "--engine", "spark", "--finish", "--out", out_, "--valid-periods", "2");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--valid-periods is an option of the Spark job, not of --finish", r.Stderr);
        Assert.False(File.Exists(Path.Combine(out_, "manifest.json")));
    }

    /// No Spark runtime here: a stand-in `spark-submit` (SPARK_HOME/bin) records how it is called and fails the
    /// first call, so what mtlds does around a failed job is seen: it runs the cleanup script as a second job.
    [Fact]
    public void A_failed_job_is_followed_by_a_job_that_drops_its_database()
    {
        var home = Directory.CreateDirectory(Path.Combine(_dir, "spark", "bin")).Parent!.FullName;
        var calls = Path.Combine(_dir, "calls.txt");
        var submit = Path.Combine(home, "bin", "spark-submit");
        File.WriteAllText(submit, $$"""
            #!/usr/bin/env bash
            script="${@: -1}"
            echo "$(basename "$script") $(grep -c 'DROP DATABASE' "$script")" >> '{{calls}}'
            [ "$(wc -l < '{{calls}}')" -gt 1 ]
            """);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(submit, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var r = MtldsProcess.Run(new Dictionary<string, string> { ["SPARK_HOME"] = home },
            "features", "--engine", "spark", "--source", "taobao", "--events", "hdfs:///logs/*.csv", "--out", "hdfs:///features/x");
        Assert.Equal(1, r.ExitCode);
        var job = Regex.Match(r.Stderr, "dropping its database mtlds_job_(?<id>[0-9a-f]{12})").Groups["id"].Value;
        Assert.True(job.Length == 12, r.Stderr);
        Assert.Equal([$"mtlds-features-{job}.sql 1", $"mtlds-cleanup-{job}.sql 1"], File.ReadAllLines(calls));
        Assert.Contains("the Spark job failed (spark-submit exit 1)", r.Stderr);
        Directory.Delete(Path.Combine(Path.GetTempPath(), $"mtlds-spark-{job}"), true);

        // Without spark-submit at all: one line saying where it was looked for, exit 2.
        r = MtldsProcess.Run(new Dictionary<string, string> { ["SPARK_HOME"] = Path.Combine(_dir, "nowhere") },
            "features", "--engine", "spark", "--source", "taobao", "--events", "hdfs:///logs/*.csv", "--out", "hdfs:///features/x");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("set SPARK_HOME or put spark-submit on PATH", r.Stderr);
    }

    private static List<string> Statements(string script) =>
        Regex.Split(script, @";[ \t]*\n")
            .Select(s => string.Join('\n', s.Split('\n').Where(l => !l.TrimStart().StartsWith("--", StringComparison.Ordinal))).Trim())
            .Where(s => s.Length > 0).ToList();

    [GeneratedRegex(@"^(?:CREATE|DROP)\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?<name>\S+)", RegexOptions.IgnoreCase)]
    private static partial Regex TableStatement();

    [GeneratedRegex(@"(?:LOCATION|DIRECTORY)\s+'(?<path>[^']*)'", RegexOptions.IgnoreCase)]
    private static partial Regex Location();
}
