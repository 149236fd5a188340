using System.Text;
using DuckDB.NET.Data;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Mtlds.Pipelines.Generation;
using Mtlds.Pipelines.Ingestion;
using Mtlds.Pipelines.Sources;
using Mtlds.Pipelines.Tests.Fixtures;

namespace Mtlds.Pipelines.Tests.Sources;

/// Files in a source's strict form are loaded by DuckDB's parallel CSV reader, all others row by row. The two
/// paths must be indistinguishable: same rows in raw_events, same counts, same rejects.
public sealed class IngestionPathTests : IDisposable
{
    private static readonly DateTimeOffset RunStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeWindow Open = TimeWindow.Create(null, null, RunStart);
    private readonly string _dir = Fixtures.TestData.TempDir("ingest-paths");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_real_Taobao_files_load_the_same_by_either_path_and_the_clean_ones_take_the_parallel_reader()
    {
        var form = EventSources.Get("taobao").StrictForm!;
        long Horizon(string file) => StrictCsvScan.Scan(RepoPaths.Taobao(file), form, EventIngestor.EarliestTs, RunStart.ToUnixTimeSeconds())?.Rows ?? -1;
        Assert.Equal(10_000, Horizon("users-full-history-a.csv"));
        Assert.Equal(4_321, Horizon("users-full-history-b.csv"));
        Assert.Equal(-1, Horizon("time-slice-2017-11-26.csv")); // one row has timestamp 15: read row by row

        var folder = RepoPaths.Taobao("*.csv"); // the folder holds its README too
        var strict = Ingest("taobao", folder, Open, strictReader: true);
        AssertSame(Ingest("taobao", folder, Open, strictReader: false), strict);
        Assert.Equal(10_000 + 4_321 + 96_169, strict.Result.RowsRead); // the time slice: 96,168 newlines, its last row has none
        Assert.Equal(1, strict.Result.RowsRejected);
        Assert.Contains("timestamp 15 is before 2000-01-01", strict.Rejects);
    }

    [Fact]
    public void A_window_that_rejects_rows_sends_the_file_row_by_row_with_every_reject_named()
    {
        // The Taobao sample's nine days: the few rows outside them are rejected with their line numbers.
        var window = TimeWindow.Create("2017-11-24T16:00:00Z", "2017-12-03T16:00:00Z", RunStart);
        var file = RepoPaths.Taobao("users-full-history-a.csv");
        var strict = Ingest("taobao", file, window, strictReader: true);
        var rowByRow = Ingest("taobao", file, window, strictReader: false);
        AssertSame(rowByRow, strict);
        Assert.True(strict.Result.RowsRejected > 0);
        Assert.Contains("outside_window", strict.Rejects);
    }

    [Fact]
    public void A_generated_canonical_log_with_impressions_loads_the_same_both_ways()
    {
        var log = Path.Combine(_dir, "generated.csv");
        new SyntheticLogGenerator(new GeneratorOptions { Users = 300, Items = 1000, Categories = 50 }).Write(log);
        Assert.NotNull(StrictCsvScan.Scan(log, EventSources.Get("canonical").StrictForm!, EventIngestor.EarliestTs, RunStart.ToUnixTimeSeconds()));
        var strict = Ingest("canonical", log, Open, strictReader: true);
        AssertSame(Ingest("canonical", log, Open, strictReader: false), strict);
        Assert.True(strict.Result.AcceptedByBehavior.ContainsKey(Behavior.Impression));
    }

    public static TheoryData<string, string> OutOfForm => new()
    {
        { "taobao", "1,2,3,pv,1511661600\n 4,5,6,pv,1511661600\n" },           // a space before an id
        { "taobao", "1,2,3,pv,1511661600\n\"4\",5,6,pv,1511661600\n" },        // a quoted field
        { "taobao", "1,2,3,pv,1511661600\r\n4,5,6,pv,1511661600\r\n" },        // CRLF
        { "taobao", "1,2,3,pv,1511661600\n1234567890123456789,5,6,pv,1511661600\n" }, // 19 digits
        { "taobao", "1,2,3,pv,1511661600\n4,5,6,pv ,1511661600\n" },           // a space in the behaviour
        { "taobao", "1,2,3,pv,1511661600\n\n4,5,6,pv,1511661600\n" },          // an empty line
        { "taobao", "1,2,3,pv,1511661600\n4,5,6,pv,1511661600\n\n" },          // a trailing empty line
        { "taobao", "1,2,3,pv,1511661600\n+4,5,6,pv,1511661600\n" },           // a sign
        { "taobao", "1,2,3,pv,1511661600\n4.0,5,6,pv,1511661600\n" },          // an integer written as a float
        { "taobao", "1,2,3,pv,1511661600\n4,5,6,click,1511661600\n" },         // a canonical name in a Taobao file
        { "taobao", "1,2,3,pv,1511661600\n4,5,6,pv,1511661600,7\n" },          // six columns
        { "taobao", "1,2,3,pv,1511661600\n4,5,6,pv,-1511661600\n" },           // a negative time
        { "taobao", "1,2,3,pv,1511661600\n4,5,6,pv,94668479\n" },              // before 2000
        { "taobao", "1,2,3,pv,1511661600\n4,5,6,pv,1767225601\n" },            // after the run's start
        { "canonical", "USER_ID,item_id,category_id,behavior,ts\n1,2,3,click,1511661600\n" },   // header spelt otherwise
        { "canonical", "\uFEFFuser_id,item_id,category_id,behavior,ts\n1,2,3,click,1511661600\n" }, // BOM
        { "canonical", "user_id,item_id,category_id,behavior,ts\n1,2,3,click,2017-11-26T00:00:00Z\n" }, // ISO time
        { "canonical", "user_id,item_id,category_id,behavior,ts\n" },          // no rows
    };

    [Theory]
    [MemberData(nameof(OutOfForm))]
    public void A_file_with_any_row_out_of_strict_form_is_read_row_by_row_with_the_same_outcome(string source, string text)
    {
        var file = Path.Combine(_dir, "events.csv");
        File.WriteAllText(file, text, new UTF8Encoding(false));
        Assert.Null(StrictCsvScan.Scan(file, EventSources.Get(source).StrictForm!, EventIngestor.EarliestTs, RunStart.ToUnixTimeSeconds()));
        AssertSameOutcome(source, file);
    }

    [Fact]
    public void A_last_line_without_its_newline_is_still_strict()
    {
        var file = Path.Combine(_dir, "events.csv");
        File.WriteAllText(file, "1,2,3,pv,1511661600\n4,5,6,buy,1511661601");
        var scan = StrictCsvScan.Scan(file, EventSources.Get("taobao").StrictForm!, EventIngestor.EarliestTs, RunStart.ToUnixTimeSeconds());
        Assert.Equal(2, scan!.Rows);
        Assert.Equal(1511661601, scan.MaxTs);
        AssertSameOutcome("taobao", file);
    }

    /// Valid Taobao rows with random edits: whichever path each file takes, the outcome is the row reader's.
    [Property(MaxTest = 40)]
    public Property Mutated_rows_load_the_same_by_either_path() =>
        Prop.ForAll(ParserPropertyTests.Mutations().ToArbitrary(), text =>
        {
            var file = Path.Combine(_dir, $"mutated-{Guid.NewGuid():N}.csv");
            File.WriteAllBytes(file, Encoding.UTF8.GetBytes(text));
            AssertSameOutcome("taobao", file);
        });

    [Theory]
    [InlineData(1511654399)] // a second before --from
    [InlineData(1511654400)] // --from itself
    [InlineData(1511740799)] // the last second before --to
    [InlineData(1511740800)] // --to itself (excluded)
    public void The_window_edges_mean_the_same_to_both_paths(long ts)
    {
        var window = TimeWindow.Create("2017-11-26", "2017-11-27", RunStart);
        var file = Path.Combine(_dir, "edge.csv");
        File.WriteAllText(file, $"1,2,3,pv,1511700000\n4,5,6,buy,{ts}\n");
        AssertSameOutcome("taobao", file, window);
    }

    private void AssertSameOutcome(string source, string file, TimeWindow? window = null)
    {
        Outcome? strict = null, rowByRow = null;
        string? strictError = null, rowError = null;
        try { strict = Ingest(source, file, window ?? Open, strictReader: true); } catch (InputException e) { strictError = e.Message; }
        try { rowByRow = Ingest(source, file, window ?? Open, strictReader: false); } catch (InputException e) { rowError = e.Message; }
        Assert.Equal(rowError, strictError);
        if (rowByRow is not null) AssertSame(rowByRow, strict!);
    }

    private sealed record Outcome(IngestResult Result, List<string> Rows, string Rejects);

    private Outcome Ingest(string source, string path, TimeWindow window, bool strictReader)
    {
        var rejectsPath = Path.Combine(_dir, $"rejects-{Guid.NewGuid():N}.csv");
        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        IngestResult result;
        using (var rejects = new RejectsWriter(rejectsPath))
            result = new EventIngestor(EventSources.Get(source), window) { UseStrictReader = strictReader }.Ingest(db, path, rejects);
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT user_id, item_id, category_id, behavior, ts FROM raw_events ORDER BY ALL";
        using var r = cmd.ExecuteReader();
        var rows = new List<string>();
        while (r.Read()) rows.Add($"{r.GetInt64(0)},{r.GetInt64(1)},{r.GetInt64(2)},{r.GetString(3)},{r.GetInt64(4)}");
        return new Outcome(result, rows, File.ReadAllText(rejectsPath));
    }

    private static void AssertSame(Outcome expected, Outcome actual)
    {
        Assert.Equal(expected.Result.Files, actual.Result.Files);
        Assert.Equal(expected.Result.RowsRead, actual.Result.RowsRead);
        Assert.Equal(expected.Result.RowsAccepted, actual.Result.RowsAccepted);
        Assert.Equal(expected.Result.RowsRejected, actual.Result.RowsRejected);
        Assert.Equal(expected.Result.RejectedByReason.OrderBy(x => x.Key), actual.Result.RejectedByReason.OrderBy(x => x.Key));
        Assert.Equal(expected.Result.AcceptedByBehavior.OrderBy(x => x.Key), actual.Result.AcceptedByBehavior.OrderBy(x => x.Key));
        Assert.Equal(expected.Result.MinTs, actual.Result.MinTs);
        Assert.Equal(expected.Result.MaxTs, actual.Result.MaxTs);
        Assert.Equal(expected.Rows.Count, actual.Rows.Count);
        Assert.True(expected.Rows.SequenceEqual(actual.Rows), "raw_events differ between the two paths");
        Assert.Equal(expected.Rejects, actual.Rejects);
    }
}
