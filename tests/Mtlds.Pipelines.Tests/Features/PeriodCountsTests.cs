using DuckDB.NET.Data;
using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Tests.Fixtures;

namespace Mtlds.Pipelines.Tests.Features;

/// A period's counts read from its Parquet files equal the SQL that defines them, whether its rows are sorted
/// by list (a build's files, users counted as runs, one user across two part files as Spark may split them) or not.
public sealed class PeriodCountsTests : IDisposable
{
    private readonly string _dir = TestData.TempDir("counts");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("ORDER BY user_id, item_id", 1)]
    [InlineData("ORDER BY user_id, item_id", 2)]
    [InlineData("ORDER BY item_id", 1)]
    [InlineData("ORDER BY item_id", 3)]
    public void Counts_from_Parquet_equal_COUNT_DISTINCT_and_SUM_in_SQL(string order, int parts)
    {
        // 30,000 rows of 997 users in small row groups; the labels monotone, some rows drawn negatives.
        var rows = $"""
            SELECT (i * 7919) % 997 AS user_id, i AS item_id,
                   CASE WHEN i % 5 < 3 THEN 1 ELSE 0 END AS y_click, CASE WHEN i % 5 < 2 THEN 1 ELSE 0 END AS y_cart,
                   CASE WHEN i % 5 = 0 THEN 1 ELSE 0 END AS y_purchase, CASE WHEN i % 5 = 4 THEN 1 ELSE 0 END AS is_negative
            FROM range(30000) r(i)
            """;
        var files = Enumerable.Range(0, parts).Select(p => Path.Combine(_dir, $"part-{p}.parquet")).ToList();
        for (var p = 0; p < parts; p++)
            TestData.Query($"""
                COPY (SELECT * FROM ({rows}) t {order} LIMIT {30000 / parts} OFFSET {p * (30000 / parts)})
                TO '{files[p]}' (FORMAT parquet, ROW_GROUP_SIZE 2048)
                """);

        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        var expected = PeriodCounts.OfSql(db, $"read_parquet([{string.Join(", ", files.Select(f => $"'{f}'"))}])");
        Assert.Equal(new PeriodCounts(30000, 997, 18000, 12000, 6000, 6000), expected);
        Assert.Equal(expected, PeriodCounts.OfParquet(files));
    }
}
