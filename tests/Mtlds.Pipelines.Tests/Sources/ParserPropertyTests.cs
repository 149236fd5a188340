using System.Text;
using DuckDB.NET.Data;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Mtlds.Pipelines.Ingestion;
using Mtlds.Pipelines.Sources;
using Mtlds.Pipelines.Tests.Fixtures;

namespace Mtlds.Pipelines.Tests.Sources;

/// Properties of every source parser under arbitrary input: no crash, every row accepted or rejected with a
/// reason, and the counts always reconcile (rows read = accepted + rejected = lines of rejects.csv + accepted).
public sealed class ParserPropertyTests
{
    private static readonly string[] ValidRows =
    [
        "1,10,100,pv,1511661600", "2,20,200,buy,1511665200", "3,30,300,cart,1511669200", "4,40,400,fav,1511661700",
    ];

    [Property(MaxTest = 2000)]
    public void Every_source_maps_arbitrary_fields_to_an_event_or_a_reason_without_throwing(string[] fields)
    {
        var input = (fields ?? []).Select(f => f ?? "").ToList();
        foreach (var source in EventSources.All)
        {
            var ok = source.TryParse(input, out _, out var reason);
            Assert.True(ok || reason.Code is { Length: > 0 }, $"{source.Name} rejected without a reason");
        }
    }

    [Property(MaxTest = 2000)]
    public void The_CSV_splitter_never_throws_on_an_arbitrary_line(string line)
    {
        var fields = new List<string>();
        var ok = CsvLine.TrySplit(line ?? "", fields);
        Assert.True(!ok || fields.Count >= 1);
    }

    [Property(MaxTest = 60)]
    public Property Arbitrary_bytes_are_refused_as_a_file_or_each_row_is_accepted_or_rejected(byte[] bytes) =>
        Prop.ForAll(Gen.Elements(EventSources.All.Select(s => s.Name).ToArray()).ToArbitrary(), source =>
            Ingests(source, bytes ?? []));

    /// Valid Taobao rows with random edits: a character deleted, inserted, replaced, or a row cut short.
    [Property(MaxTest = 60)]
    public Property Mutated_valid_rows_are_accepted_or_rejected_and_counts_reconcile() =>
        Prop.ForAll(Mutations().ToArbitrary(), text => Ingests("taobao", Encoding.UTF8.GetBytes(text)));

    internal static Gen<string> Mutations() =>
        from rows in Gen.Elements(ValidRows).ArrayOf()
        from edits in Gen.Choose(0, 6)
        from seed in Gen.Choose(0, int.MaxValue - 1)
        select Mutate(string.Join('\n', ValidRows.Concat(rows)) + "\n", edits, new Random(seed));

    private static string Mutate(string text, int edits, Random rng)
    {
        var chars = new StringBuilder(text);
        const string alphabet = ",\n\r\"-.0123456789abcxyzé\u0000\t ";
        for (var i = 0; i < edits && chars.Length > 0; i++)
        {
            var at = rng.Next(chars.Length);
            switch (rng.Next(4))
            {
                case 0: chars.Remove(at, 1); break;
                case 1: chars.Insert(at, alphabet[rng.Next(alphabet.Length)]); break;
                case 2: chars[at] = alphabet[rng.Next(alphabet.Length)]; break;
                default: chars.Length = at; break;
            }
        }
        return chars.ToString();
    }

    /// The outcome is one of the two documented ones: the file refused with one line naming it, or every
    /// row accounted for.
    private static bool Ingests(string sourceName, byte[] bytes)
    {
        var dir = Fixtures.TestData.TempDir("property");
        try
        {
            var file = Path.Combine(dir, "events.csv");
            File.WriteAllBytes(file, bytes);
            var rejectsPath = Path.Combine(dir, "rejects.csv");
            using var db = new DuckDBConnection("DataSource=:memory:");
            db.Open();
            IngestResult result;
            using (var rejects = new RejectsWriter(rejectsPath))
            {
                try
                {
                    result = new EventIngestor(EventSources.Get(sourceName), TimeWindow.Create(null, null, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)))
                        .Ingest(db, file, rejects);
                }
                catch (InputException e)
                {
                    Assert.Contains("events.csv", e.Message);
                    Assert.DoesNotContain('\n', e.Message);
                    return true;
                }
            }
            Assert.Equal(result.RowsRead, result.RowsAccepted + result.RowsRejected);
            Assert.Equal(result.RowsRejected, result.RejectedByReason.Values.Sum());
            using var count = db.CreateCommand();
            count.CommandText = "SELECT count(*) FROM raw_events";
            Assert.Equal(result.RowsAccepted, Convert.ToInt64(count.ExecuteScalar()));
            using var rejectedRows = db.CreateCommand();
            rejectedRows.CommandText = $"SELECT count(*) FROM read_csv('{rejectsPath}', header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"')"; // the dialect given: sniffed from one row it can be wrong
            Assert.Equal(result.RowsRejected, Convert.ToInt64(rejectedRows.ExecuteScalar()));
            return true;
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
