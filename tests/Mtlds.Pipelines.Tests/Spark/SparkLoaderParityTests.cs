using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using DuckDB.NET.Data;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Ingestion;
using Mtlds.Pipelines.Sources;
using Mtlds.Pipelines.Spark;
using Mtlds.Pipelines.Tests.Fixtures;
using Mtlds.Pipelines.Tests.Sources;

namespace Mtlds.Pipelines.Tests.Spark;

/// The Spark job's loading accepts and rejects what the C# readers accept and reject. Its portable part
/// (sql/loading: fields, values, reasons, the files refused whole) runs here on DuckDB over lines cut as
/// Spark's text source cuts them, and is compared with the C# ingestion of the same files: the same rows
/// read, the same accepted rows, the same reasons with the same counts, the same files refused. The corpus:
/// every text input of the bad-input table, hand-picked awkward fields of each kind, and generated edits of
/// valid rows. What the text source itself does differently (a gzip named without .gz, Parquet, an empty
/// file) is listed in docs/spark.md.
public sealed partial class SparkLoaderParityTests
{
    private static readonly DateTimeOffset RunStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public sealed record Outcome(string? Refused, long Read, IReadOnlyList<string> Accepted, IReadOnlyDictionary<string, long> Reasons)
    {
        public override string ToString() => Refused is not null
            ? $"refused: {Refused}"
            : $"{Read} read, accepted [{string.Join("; ", Accepted)}], reasons {string.Join(", ", Reasons.Select(r => $"{r.Key} {r.Value}"))}";
    }

    public static TheoryData<string> BadInputCases => new(BadInputTests.Cases.Keys);

    [Theory]
    [MemberData(nameof(BadInputCases))]
    public void Every_text_input_of_the_bad_input_table_is_loaded_alike(string name)
    {
        var c = BadInputTests.Cases[name];
        var dir = Fixtures.TestData.TempDir("parity");
        try { AssertSameOutcome(c.Source, c.Setup(dir)); }
        finally { Directory.Delete(dir, true); }
    }

    /// Fields of every kind the parsers decide on, each in a row that is otherwise valid.
    public static TheoryData<string, string> AwkwardFields => new()
    {
        // ids
        { "taobao", "+5,10,100,pv,1511661600" }, { "taobao", "-0,10,100,pv,1511661600" }, { "taobao", "5.,10,100,pv,1511661600" },
        { "taobao", ".0,10,100,pv,1511661600" }, { "taobao", "5.000,10,100,pv,1511661600" }, { "taobao", "5.5,10,100,pv,1511661600" },
        { "taobao", "1e3,10,100,pv,1511661600" }, { "taobao", "0005,10,100,pv,1511661600" }, { "taobao", "9223372036854775807,10,100,pv,1511661600" },
        { "taobao", "9223372036854775808,10,100,pv,1511661600" }, { "taobao", "00000000000000000000000001,10,100,pv,1511661600" },
        { "taobao", "9200000000000000000.0,10,100,pv,1511661600" }, { "taobao", "9199999999999999000.0,10,100,pv,1511661600" },
        { "taobao", " 7 ,10,100,pv,1511661600" }, { "taobao", "\u00A07\t,10,100,pv,1511661600" }, { "taobao", "\"7\",10,100,pv,1511661600" },
        { "taobao", "\" 7\",10,100,pv,1511661600" }, { "taobao", "7\",10,100,pv,1511661600" }, { "taobao", "\"7\"x,10,100,pv,1511661600" },
        { "taobao", "\"7,10,100,pv,1511661600" }, { "taobao", "\"\"\"7\",10,100,pv,1511661600" }, { "taobao", "١٢,10,100,pv,1511661600" },
        { "taobao", ",10,100,pv,1511661600" }, { "taobao", "-,10,100,pv,1511661600" }, { "taobao", "NaN,10,100,pv,1511661600" },
        { "taobao", "Infinity,10,100,pv,1511661600" }, { "taobao", "1,10,100, pv ,1511661600" }, { "taobao", "1,10,100,PV,1511661600" },
        { "taobao", "1,10,100,\"pv\",1511661600" }, { "taobao", "1,10,100,pv,1511661600," }, { "taobao", "   " }, { "taobao", "\t\u3000" },
        // Unix seconds
        { "taobao", "1,10,100,pv,+1511661600" }, { "taobao", "1,10,100,pv,-1511661600" }, { "taobao", "1,10,100,pv, 1511661600 " },
        { "taobao", "1,10,100,pv,1511661600.0" }, { "taobao", "1,10,100,pv,9223372036854775807" }, { "taobao", "1,10,100,pv,9223372036854775808" },
        { "taobao", "1,10,100,pv,-9223372036854775808" }, { "taobao", "1,10,100,pv,-9223372036854775809" }, { "taobao", "x,10,100,pv,yesterday" },
        // RetailRocket milliseconds
        { "retailrocket", "timestamp,visitorid,event,itemid,transactionid\n1511661600999,1,view,10,\n-1500,1,view,10,\n+1511661600000,1,view,10," },
        { "retailrocket", "TIMESTAMP , visitorid,EVENT,itemid,transactionid\n1511661600123,x,view,10,\n1511661600123,1,view,10,\n" },
        { "retailrocket", "timestamp,visitorid,event,itemid,transactionid\ntimestamp,visitorid,event,itemid,transactionid\n1511661600123,1,view,10,\n" },
        // ISO 8601 (canonical) and REES46 times
        { "canonical", "user_id,item_id,category_id,behavior,ts\n1,10,100,click,2016-02-29T00:00:00Z\n1,10,100,click,2017-02-29T00:00:00Z" },
        { "canonical", "user_id,item_id,category_id,behavior,ts\n1,10,100,click,2017-11-26T01:00:00.123+08:00\n1,10,100,click,2017-11-26T01:00+0800" },
        { "canonical", "user_id,item_id,category_id,behavior,ts\n1,10,100,click,2017-11-26\n1,10,100,click,2017-11-26 24:00:00Z\n1,10,100,click,2017-11-26T01:00:60Z" },
        { "canonical", "user_id,item_id,category_id,behavior,ts\n1,10,100,click,2017-11-26T01:00:00+14:00\n1,10,100,click,2017-11-26T01:00:00-14:01\n1,10,100,click,2017-11-26T01:00:00+05:60" },
        { "canonical", "user_id,item_id,category_id,behavior,ts\n1,10,100,click,+1511661600\n1,10,100,click,-1511661600\n1,10,100,click,2017-11-26t01:00:00z" },
        { "canonical", "user_id,item_id,category_id,behavior,ts\n1,10,100,click,11/26/2017\n1,10,100,click,2017-1-26T01:00:00Z\n1,10,100,click,2017-11-26T01:00:00.1234567891Z" },
        { "canonical", "user_id,item_id,category_id,behavior,ts\n1,10,100,click,0001-01-01T00:00:00Z\n1,10,100,click,9999-12-31T23:59:59Z\n1,10,100,click,2000-01-01T00:00:00+00:01" },
        { "canonical", "\"user_id\", ITEM_ID ,category_id,behavior,\"ts\"\n1,10,100,impression,1511661600\n" },
        { "canonical", "user_id,item_id,category_id,behavior,ts\n1,10,100,click,1511661600\nuser_id,item_id,category_id,behavior,ts\n" },
        { "rees46", "event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session\n2017-11-26 01:00:00 UTC,view,10,100,,acme,9.99,1,s\n2017-11-26 01:00:00  UTC,view,10,100,,acme,9.99,1,s\n2017-11-26T01:00:00 UTC,cart,10,100,\"a,\"\"b\"\"\",acme,1,1,s\n 2017-11-26 01:00:00 UTC ,purchase,10,100,,,,1,s\n1511661600,view,x,100,,,,y,s\n" },
        // files refused whole
        { "taobao", "a,b,c,d,e\nf,g,h,i,j" }, { "canonical", "1,10,100,click,1511661600" }, { "rees46", "event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session\n" },
    };

    [Theory]
    [MemberData(nameof(AwkwardFields))]
    public void Awkward_fields_get_the_same_decision(string source, string text) => AssertSameText(source, text);

    /// .NET's number parsing ignores trailing NUL characters; neither engine takes such a field as a number.
    /// (A fact, not theory data: a NUL cannot travel in a test's name into the TRX report.)
    [Fact]
    public void A_NUL_character_in_a_number_is_not_a_number_on_either_engine()
    {
        AssertSameText("taobao", "1,30\0,100,pv,1511661600\n2,20,200,buy,1511665200\n");
        AssertSameText("taobao", "1,30,100,pv,1511661600\0\n2,20,200,buy,1511665200\n");
        var dir = Fixtures.TestData.TempDir("parity");
        try
        {
            var file = Path.Combine(dir, "events.csv");
            File.WriteAllText(file, "1,30\0,100,pv,1511661600\n1,30,100,pv,1511661600\0\n2,20,200,buy,1511665200\n");
            var outcome = CSharp("taobao", file, TimeWindow.Create(null, null, RunStart));
            Assert.Equal(new SortedDictionary<string, long> { ["bad_id"] = 1, ["bad_timestamp"] = 1 }, outcome.Reasons);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// Valid Taobao rows with random edits (characters deleted, inserted, replaced, rows cut), as the parser
    /// property tests make them.
    [Property(MaxTest = 80)]
    public Property Edited_Taobao_rows_get_the_same_decisions() =>
        Prop.ForAll(ParserPropertyTests.Mutations().ToArbitrary(), text =>
        {
            AssertSameText("taobao", text);
            return true;
        });

    /// Canonical rows put together from awkward pieces (quoted or not, padded, ISO or Unix times).
    [Property(MaxTest = 80)]
    public Property Canonical_rows_of_awkward_pieces_get_the_same_decisions() =>
        Prop.ForAll(CanonicalRows().ToArbitrary(), text =>
        {
            AssertSameText("canonical", text);
            return true;
        });

    private static Gen<string> CanonicalRows()
    {
        string[] ids = ["1", "007", " 2 ", "\"3\"", "4.0", "-1", "x", "", "\"5", "1\"2", "9223372036854775808", "+6"];
        string[] behaviors = ["click", "impression", "cart", " fav ", "purchase", "buy", "\"click\"", "CLICK", ""];
        string[] times = ["1511661600", "2017-11-26T01:00:00Z", "2017-11-26 09:00:00+08:00", "2017-11-26T01:00:00.5-0130", "2017-11-31T00:00:00Z",
            "2017-11-26", "1511661600.5", "-5", " 1511661600", "2017-11-26T25:00:00Z", "\"2017-11-26T01:00:00Z\"", "1999-12-31T23:59:59Z", "2030-01-01T00:00:00Z"];
        var row = from u in Gen.Elements(ids) from i in Gen.Elements(ids) from c in Gen.Elements(ids)
                  from b in Gen.Elements(behaviors) from t in Gen.Elements(times) from extra in Gen.Elements("", "", "", ",x")
                  select $"{u},{i},{c},{b},{t}{extra}";
        return from rows in row.ArrayOf() from end in Gen.Elements("\n", "\r\n", "\r")
               select "user_id,item_id,category_id,behavior,ts" + end + string.Join(end, rows.Append("1,1,1,click,1511661600")) + end;
    }

    private static void AssertSameText(string source, string text)
    {
        var dir = Fixtures.TestData.TempDir("parity");
        try
        {
            var file = Path.Combine(dir, "events.csv");
            File.WriteAllText(file, text, new UTF8Encoding(false));
            AssertSameOutcome(source, file);
        }
        finally { Directory.Delete(dir, true); }
    }

    private static void AssertSameOutcome(string source, string path)
    {
        var window = TimeWindow.Create(null, null, RunStart);
        var csharp = CSharp(source, path, window);
        var sql = Sql(source, path, window);
        if (sql is null) return; // not text: the text source's own handling, listed in docs/spark.md
        if (csharp.Refused is not null && sql.Refused is null && csharp.Refused.Contains("the file is empty", StringComparison.Ordinal))
            return; // an empty file has no line for Spark to see: listed in docs/spark.md
        // The message only when they differ: finding the first differing line loads every line alone on both
        // engines, and an interpolated message is built before Assert.True looks at the condition (it cost
        // 2.3 s a case, three minutes of the suite).
        if (!Same(csharp, sql)) Assert.Fail($"C#: {csharp}\nSQL: {sql}{FirstDifferingLine(source, path, window)}");
    }

    private static bool Same(Outcome csharp, Outcome sql) =>
        Kind(csharp.Refused) == Kind(sql.Refused)
        && (csharp.Refused is not null
            || (csharp.Read == sql.Read && csharp.Accepted.SequenceEqual(sql.Accepted) && csharp.Reasons.SequenceEqual(sql.Reasons)));

    /// For a failure message: the first line of a headerless file that the two decide differently alone.
    private static string FirstDifferingLine(string source, string path, TimeWindow window)
    {
        if (EventSources.Get(source).Header is not null || !File.Exists(path)) return "";
        var dir = Fixtures.TestData.TempDir("parity-line");
        try
        {
            foreach (var line in Regex.Split(File.ReadAllText(path), "\r\n|\r|\n").Where(l => l.Length > 0))
            {
                var file = Path.Combine(dir, "line.csv");
                File.WriteAllText(file, line + "\n", new UTF8Encoding(false));
                var (a, b) = (CSharp(source, file, window), Sql(source, file, window));
                if (b is not null && !Same(a, b))
                    return $"\nfirst line decided differently: \"{string.Concat(line.Select(c => c < ' ' || c > '~' ? $"\\u{(int)c:X4}" : c.ToString()))}\"\n  C#: {a}\n  SQL: {b}";
            }
            return "";
        }
        finally { Directory.Delete(dir, true); }
    }

    /// What refused a run, in words both engines use (the SQL cannot name a line).
    private static string? Kind(string? refused) => refused switch
    {
        null => null,
        _ when refused.Contains("header", StringComparison.Ordinal) => "header",
        _ when refused.Contains("has no data rows", StringComparison.Ordinal) => "no data rows",
        _ when NoneParses().IsMatch(refused) => "none parses",
        _ => refused,
    };

    [GeneratedRegex(@"none of its \d+ rows is a \w+ row")]
    private static partial Regex NoneParses();

    /// The C# ingestion, as `mtlds features` runs it.
    internal static Outcome CSharp(string source, string path, TimeWindow window)
    {
        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        var rejects = Path.Combine(Path.GetTempPath(), $"mtlds-parity-{Guid.NewGuid():N}.csv");
        try
        {
            IngestResult result;
            using (var writer = new RejectsWriter(rejects))
                result = new EventIngestor(EventSources.Get(source), window).Ingest(db, path, writer);
            return new Outcome(null, result.RowsRead, Accepted(db), new SortedDictionary<string, long>(result.RejectedByReason.ToDictionary()));
        }
        catch (InputException e) { return new Outcome(e.Message, 0, [], new SortedDictionary<string, long>()); }
        finally { File.Delete(rejects); }
    }

    /// sql/loading on DuckDB, over the files' lines cut as Spark's text source cuts them (at \n, \r\n and \r,
    /// no line after a final line end, a byte order mark left in). Null when a file is not text.
    internal static Outcome? Sql(string source, string path, TimeWindow window)
    {
        IReadOnlyList<string> files;
        try { files = InputFiles.Resolve(path); }
        catch (InputException e) { return new Outcome(e.Message, 0, [], new SortedDictionary<string, long>()); }
        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        // Lines travel as hex: DuckDB.NET's appender would cut a string at a NUL character, Spark does not.
        Run(db, "CREATE TABLE raw_lines_hex (file VARCHAR, hex VARCHAR)");
        using (var appender = db.CreateAppender("raw_lines_hex"))
            foreach (var file in files)
            {
                var bytes = File.ReadAllBytes(file);
                if (bytes is [0x1f, 0x8b, ..] or [(byte)'P', (byte)'A', (byte)'R', (byte)'1', ..]) return null;
                var text = new UTF8Encoding(false).GetString(bytes);
                var lines = Regex.Split(text, "\r\n|\r|\n").ToList();
                if (lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1); // a final line end starts no line
                foreach (var line in lines) appender.CreateRow().AppendValue(file).AppendValue(Convert.ToHexString(Encoding.UTF8.GetBytes(line))).EndRow();
            }
        Run(db, "CREATE TABLE raw_lines AS SELECT file, decode(unhex(hex)) AS value FROM raw_lines_hex");
        var variables = SparkJob.LoadingVariables(EventSources.Get(source));
        variables["run_start"] = window.RunStart.ToString(CultureInfo.InvariantCulture);
        variables["from_ts"] = Math.Max(window.From, EventIngestor.EarliestTs).ToString(CultureInfo.InvariantCulture);
        variables["to_ts"] = window.To.ToString(CultureInfo.InvariantCulture);
        foreach (var relative in SparkJob.LoadingFiles(EventSources.Get(source).Name))
        {
            var name = $"sql/{relative}";
            foreach (var statement in SqlScript.StatementsOf(SqlScript.Substitute(name, File.ReadAllText(Path.Combine(RepoPaths.Root, "sql", relative)), variables)))
                Run(db, statement);
        }
        var problems = Query(db, "SELECT file || ': ' || problem FROM file_problems ORDER BY file", r => r.GetString(0));
        if (problems.Count > 0) return new Outcome(problems[0], 0, [], new SortedDictionary<string, long>());
        var read = Query(db, "SELECT COUNT(*) FROM raw_parsed", r => r.GetInt64(0)).Single();
        var reasons = Query(db, "SELECT reason, COUNT(*) FROM rejects GROUP BY reason", r => (r.GetString(0), r.GetInt64(1)));
        return new Outcome(null, read, Accepted(db), new SortedDictionary<string, long>(reasons.ToDictionary(x => x.Item1, x => x.Item2)));
    }

    private static List<string> Accepted(DuckDBConnection db) => Query(db,
        "SELECT user_id, item_id, category_id, behavior, ts FROM raw_events ORDER BY ALL",
        r => $"{r.GetInt64(0)},{r.GetInt64(1)},{r.GetInt64(2)},{r.GetString(3)},{r.GetInt64(4)}");

    private static List<T> Query<T>(DuckDBConnection db, string sql, Func<DuckDBDataReader, T> map)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        var list = new List<T>();
        while (r.Read()) list.Add(map(r));
        return list;
    }

    private static void Run(DuckDBConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
