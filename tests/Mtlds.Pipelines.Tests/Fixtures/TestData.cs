using System.Globalization;
using DuckDB.NET.Data;
using Mtlds.Pipelines.Features;

namespace Mtlds.Pipelines.Tests.Fixtures;

/// Builds feature datasets into temporary folders and reads their rows back for checks.
public static class TestData
{
    /// The Taobao full-history sample with its nine days in China time; the few rows outside them are rejected.
    public static FeatureOptions TaobaoOptions(string file, string outDir, int seed = 42) => new()
    {
        Source = "taobao",
        EventsPath = RepoPaths.Taobao(file),
        OutDir = outDir,
        Timezone = "Asia/Shanghai",
        From = "2017-11-24T16:00:00Z",
        To = "2017-12-03T16:00:00Z",
        Seed = seed,
        RunStart = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
    };

    public static string TempDir(string prefix) => Directory.CreateTempSubdirectory($"mtlds-{prefix}-").FullName;

    /// A copy of sql/features in a new temporary folder (the caller deletes it) with `original` replaced by
    /// `replacement` in `file`, for a build from deliberately broken SQL; `original` must be in the file, so that
    /// a changed SQL cannot leave the test building from the unbroken copy.
    public static string FeatureSqlWith(string prefix, string file, string original, string replacement)
    {
        var sql = TempDir(prefix);
        try
        {
            foreach (var f in Directory.GetFiles(Path.Combine(RepoPaths.Root, "sql", "features")))
                File.Copy(f, Path.Combine(sql, Path.GetFileName(f)));
            var path = Path.Combine(sql, file);
            var text = File.ReadAllText(path);
            Assert.Contains(original, text);
            File.WriteAllText(path, text.Replace(original, replacement));
            return sql;
        }
        catch
        {
            Directory.Delete(sql, true);
            throw;
        }
    }

    /// Every row of a split (or any SELECT over `t`, the split file) as column → value.
    public static List<Dictionary<string, object?>> Rows(string datasetDir, string split, string select = "SELECT * FROM t")
    {
        var manifest = Manifest.Read(Path.Combine(datasetDir, "manifest.json"));
        var files = string.Join(", ", manifest.Splits[split].Files.Select(f => $"'{Path.Combine(datasetDir, f)}'"));
        var reader = manifest.Format == "csv" ? "read_csv" : "read_parquet";
        return Query($"WITH t AS (SELECT * FROM {reader}([{files}])) {select}");
    }

    public static List<Dictionary<string, object?>> Query(string sql)
    {
        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        var rows = new List<Dictionary<string, object?>>();
        while (r.Read())
        {
            var row = new Dictionary<string, object?>(r.FieldCount);
            for (var i = 0; i < r.FieldCount; i++) row[r.GetName(i)] = r.IsDBNull(i) ? null : r.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    public static long L(this Dictionary<string, object?> row, string column) => Convert.ToInt64(row[column], CultureInfo.InvariantCulture);
    public static double D(this Dictionary<string, object?> row, string column) => Convert.ToDouble(row[column], CultureInfo.InvariantCulture);
}

/// One Taobao dataset per test class (building takes a second or two).
public sealed class TaobaoDatasetFixture : IDisposable
{
    public string Dir { get; } = TestData.TempDir("taobao");
    public Manifest Manifest { get; }
    public FeatureOptions Options { get; }

    public TaobaoDatasetFixture()
    {
        Options = TestData.TaobaoOptions("users-full-history-a.csv", Dir);
        Manifest = new FeatureBuilder().Build(Options);
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
