using DuckDB.NET.Data;

namespace Mtlds.Pipelines.Features;

/// The columns and types a feature build writes, read off the feature SQL itself: it runs on DuckDB over an
/// empty event log and the `dataset` view is described. An engine that writes through a declared table
/// (Spark's partitioned output) declares these, so its files have the types a DuckDB build's have.
public static class DatasetSchema
{
    public sealed record Column(string Name, string DuckDbType);

    /// The sample columns (FeatureCatalog.SampleColumns) and then the feature columns, in the view's order;
    /// `split` is left out, as the DuckDB build leaves it out of its files.
    public static IReadOnlyList<Column> Of(SqlScript script, IReadOnlyDictionary<string, string> variables)
    {
        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        FeatureBuilder.LoadPriorInteractions(db);
        Run(db, "CREATE TABLE raw_events (user_id BIGINT, item_id BIGINT, category_id BIGINT, behavior VARCHAR, ts BIGINT)");
        foreach (var (_, sql) in script.Statements(variables)) Run(db, sql);
        var described = FeatureBuilder.Query(db, "SELECT column_name, column_type FROM (DESCRIBE dataset)",
            r => new Column(r.GetString(0), r.GetString(1)));
        var sample = FeatureCatalog.SampleColumns.Select(c => described.SingleOrDefault(d => d.Name == c)
            ?? throw new InvalidOperationException($"sql/features: the dataset view has no column '{c}'"));
        return [.. sample, .. described.Where(d => !FeatureCatalog.SampleColumns.Contains(d.Name))];
    }

    private static void Run(DuckDBConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
