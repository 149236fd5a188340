using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using DuckDB.NET.Data;
using Mtlds.Pipelines.Features;

namespace Mtlds.Pipelines.Tests.Sql;

/// DESIGN §2: from the canonical events on, every statement parses with Spark's SQL grammar and runs on DuckDB.
public sealed partial class SparkGrammarTests
{
    private static readonly Dictionary<string, string> Variables = new()
    {
        ["period_seconds"] = "86400", ["tz_offset_seconds"] = "28800", ["negatives"] = "4", ["seed"] = "42",
        ["alpha"] = "10", ["valid_periods"] = "1", ["test_periods"] = "1", ["first_period"] = "0",
        ["group_from"] = "0", ["group_to"] = "9223372036854775807",
        // What SparkJob binds in the Spark-only files (SparkJobTests check the whole assembled script).
        ["events"] = "/data/logs dir/*.csv.gz", ["out"] = "/data/out dir", ["run_start"] = "1764288000",
        ["from_ts"] = "946684800", ["to_ts"] = "1764288001", ["job_id"] = "0123456789ab", ["job_database"] = "mtlds_job_0123456789ab",
        ["has_impressions"] = "false", ["source"] = "taobao", ["period"] = "day", ["timezone"] = "Asia/Shanghai",
        ["requested_negatives"] = "4", ["sql_hash"] = "abc", ["period_table_columns"] = "user_id BIGINT, stage INT, f FLOAT, period BIGINT",
        ["period_table_select"] = "user_id, stage, f",
    };

    public static TheoryData<string> FeatureFiles => new(Directory.GetFiles(Path.Combine(RepoPaths.Root, "sql", "features"), "*.sql")
        .Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    public static TheoryData<string> SparkFiles => new(Directory.GetFiles(Path.Combine(RepoPaths.Root, "sql", "spark"), "*.sql")
        .Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    [Theory]
    [MemberData(nameof(FeatureFiles))]
    public void Every_feature_SQL_file_parses_with_Spark_grammar(string file) =>
        AssertParses(Path.Combine(RepoPaths.Root, "sql", "features", file));

    [Theory]
    [MemberData(nameof(SparkFiles))]
    public void Every_Spark_loading_and_writing_file_parses_with_Spark_grammar(string file) =>
        AssertParses(Path.Combine(RepoPaths.Root, "sql", "spark", file));

    [Theory]
    [InlineData("SELECT user_id FROM events QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY ts) = 1")]
    [InlineData("SELECT user_id::BIGINT FROM events")]
    [InlineData("SELEC user_id FROM events")]
    public void The_grammar_check_rejects_what_Spark_cannot_parse(string sql)
    {
        var dir = Directory.CreateTempSubdirectory("mtlds-grammar-").FullName;
        var file = Path.Combine(dir, "bad.sql");
        File.WriteAllText(file, sql + ";\n");
        var (code, results) = Check(file);
        Directory.Delete(dir, true);
        Assert.Equal(1, code);
        Assert.False(results.Single().GetProperty("ok").GetBoolean());
    }

    [Theory]
    [MemberData(nameof(FeatureFiles))]
    public void Feature_SQL_stays_in_the_portable_subset(string file)
    {
        var code = string.Join('\n', File.ReadAllLines(Path.Combine(RepoPaths.Root, "sql", "features", file))
            .Select(l => l.Split("--")[0]));
        Assert.DoesNotMatch(NonPortable(), code);
    }

    [Fact]
    public void Every_feature_statement_runs_on_DuckDB()
    {
        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        FeatureBuilder.LoadPriorInteractions(db);
        Run(db, "CREATE TABLE raw_events (user_id BIGINT, item_id BIGINT, category_id BIGINT, behavior VARCHAR, ts BIGINT)");
        Run(db, "INSERT INTO raw_events VALUES (1, 10, 100, 'click', 1511661600), (1, 11, 100, 'cart', 1511748000), "
            + "(2, 10, 100, 'purchase', 1511834400), (2, 12, 101, 'fav', 1511834400), (3, 12, 101, 'click', 1511920800)");
        var statements = SqlScript.Load(Path.Combine(RepoPaths.Root, "sql", "features")).Statements(Variables).ToList();
        foreach (var (_, sql) in statements) Run(db, sql);
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM dataset";
        Assert.True(Convert.ToInt64(cmd.ExecuteScalar()) >= 5);
        Assert.True(statements.Count > 30);
    }

    private static void Run(DuckDBConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    internal static void AssertParses(string path)
    {
        var (code, results) = Check(path);
        var errors = string.Join("\n", results.SelectMany(r => r.GetProperty("errors").EnumerateArray()).Select(e => e.ToString()));
        Assert.True(code == 0, $"{path} does not parse as Spark SQL:\n{errors}");
        Assert.True(results.Single().GetProperty("ok").GetBoolean());
    }

    private static (int Code, List<JsonElement> Results) Check(string path)
    {
        var checker = Path.Combine(RepoPaths.Root, "tools", "sparksql-check", "dist", "check.cjs");
        Assert.True(File.Exists(checker), $"{checker} is missing: run scripts/install-deps.sh (npm ci && npm run build in tools/sparksql-check)");
        var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(checker);
        foreach (var (k, v) in Variables) { psi.ArgumentList.Add("--var"); psi.ArgumentList.Add($"{k}={v}"); }
        psi.ArgumentList.Add(path);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode is 0 or 1, $"checker failed: {stderr.Result}");
        return (p.ExitCode, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList());
    }

    [GeneratedRegex(@"(?i)\bqualify\b|\bdatediff\b|\bdate_diff\b|::|\bread_csv\b|\bread_parquet\b|\bEXCLUDE\b|\bGROUP BY ALL\b|//")]
    private static partial Regex NonPortable();
}
