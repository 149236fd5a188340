using System.IO.Compression;
using System.Text;
using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Tests.Fixtures;

namespace Mtlds.Pipelines.Tests.Sources;

/// The malformed-input corpus: each input has a documented outcome, either rows rejected with a reason and
/// their line numbers (the build succeeds and counts reconcile) or the whole run refused with one line naming
/// the file. Outcomes are the table in docs/bad-input.md.
public sealed class BadInputTests : IDisposable
{
    private readonly string _dir = TestData.TempDir("bad-input");

    // Two valid Taobao rows on 2017-11-26 (UTC), so that a file is never wholly wrong by accident.
    private const string TaobaoOk = "1,10,100,pv,1511661600\n2,20,200,buy,1511665200\n";
    private const string CanonicalHeader = "user_id,item_id,category_id,behavior,ts\n";
    private const string CanonicalOk = "1,10,100,impression,1511661600\n1,10,100,click,1511661601\n";

    public sealed record Case(string Source, Func<string, string> Setup, string? Error = null,
        long Accepted = 0, string? Reason = null, long[]? Lines = null, long Duplicates = 0)
    {
        public override string ToString() => Source;
    }

    public static TheoryData<string> Names => new(Cases.Keys);

    internal static readonly Dictionary<string, Case> Cases = new()
    {
        ["wrong column count"] = new("taobao", d => Write(d, "a.csv", TaobaoOk + "3,30,300,pv\n"), Accepted: 2, Reason: "column_count", Lines: [3]),
        ["too many columns"] = new("taobao", d => Write(d, "a.csv", TaobaoOk + "3,30,300,pv,1511661600,extra\n"), Accepted: 2, Reason: "column_count", Lines: [3]),
        ["non-numeric user id"] = new("taobao", d => Write(d, "a.csv", "u1,10,100,pv,1511661600\n" + TaobaoOk), Accepted: 2, Reason: "bad_id", Lines: [1]),
        ["negative item id"] = new("taobao", d => Write(d, "a.csv", TaobaoOk + "3,-30,300,pv,1511661600\n"), Accepted: 2, Reason: "bad_id", Lines: [3]),
        ["fractional category id"] = new("taobao", d => Write(d, "a.csv", TaobaoOk + "3,30,300.5,pv,1511661600\n"), Accepted: 2, Reason: "bad_id", Lines: [3]),
        ["unknown behaviour"] = new("taobao", d => Write(d, "a.csv", TaobaoOk + "3,30,300,like,1511661600\n"), Accepted: 2, Reason: "unknown_behavior", Lines: [3]),
        ["timestamp 15, as in the real data"] = new("taobao", d => Write(d, "a.csv", TaobaoOk + "3,30,300,pv,15\n"), Accepted: 2, Reason: "timestamp_out_of_range", Lines: [3]),
        ["negative timestamp"] = new("taobao", d => Write(d, "a.csv", TaobaoOk + "3,30,300,pv,-1511661600\n"), Accepted: 2, Reason: "timestamp_out_of_range", Lines: [3]),
        ["timestamp after the run's start"] = new("taobao", d => Write(d, "a.csv", TaobaoOk + "3,30,300,pv,4102444800\n"), Accepted: 2, Reason: "timestamp_out_of_range", Lines: [3]),
        ["non-numeric timestamp"] = new("taobao", d => Write(d, "a.csv", TaobaoOk + "3,30,300,pv,yesterday\n"), Accepted: 2, Reason: "bad_timestamp", Lines: [3]),
        ["blank line in the middle"] = new("taobao", d => Write(d, "a.csv", "1,10,100,pv,1511661600\n\n2,20,200,buy,1511665200\n"), Accepted: 2, Reason: "empty_line", Lines: [2]),
        ["UTF-8 byte order mark"] = new("canonical", d => Write(d, "a.csv", "\uFEFF" + CanonicalHeader + CanonicalOk), Accepted: 2),
        ["CRLF line ends"] = new("taobao", d => Write(d, "a.csv", TaobaoOk.Replace("\n", "\r\n") + "3,30,300,fav,1511661600\r\n"), Accepted: 3),
        ["quoted fields, one with a comma inside"] = new("canonical", d => Write(d, "a.csv", CanonicalHeader + CanonicalOk + "\"3\",\"30\",\"300\",\"cart\",1511661600\n\"4,5\",40,400,click,1511661600\n"), Accepted: 3, Reason: "bad_id", Lines: [5]),
        ["quote not closed on its line"] = new("canonical", d => Write(d, "a.csv", CanonicalHeader + CanonicalOk + "\"3,30,300,click,1511661600\n"), Accepted: 2, Reason: "malformed_csv", Lines: [4]),
        ["ISO 8601 timestamps and a bad one"] = new("canonical", d => Write(d, "a.csv", CanonicalHeader + "1,10,100,click,2017-11-26T01:00:00Z\n1,11,100,click,2017-11-26T09:00:00+08:00\n1,12,100,click,2017-13-45T00:00:00Z\n"), Accepted: 2, Reason: "bad_timestamp", Lines: [4]),
        ["exact duplicates"] = new("taobao", d => Write(d, "a.csv", TaobaoOk + TaobaoOk + TaobaoOk), Accepted: 6, Duplicates: 4),
        ["empty file"] = new("taobao", d => Write(d, "a.csv", ""), Error: "a.csv: the file is empty"),
        ["header only"] = new("canonical", d => Write(d, "a.csv", CanonicalHeader), Error: "a.csv: the file has no data rows"),
        ["wrong header for the source"] = new("retailrocket", d => Write(d, "a.csv", CanonicalHeader + CanonicalOk), Error: "a.csv:1: expected the retailrocket header"),
        ["a file of another format under a headerless source"] = new("taobao", d => Write(d, "a.csv", "timestamp,visitorid,event,itemid,transactionid\n1433221332117,257597,view,355908,\n"), Error: "a.csv: none of its 2 rows is a taobao row"),
        ["truncated gzip"] = new("taobao", d => WriteBytes(d, "a.csv.gz", Gzip(string.Concat(Enumerable.Repeat(TaobaoOk, 2000)))[..200]), Error: "the gzip stream is corrupt or truncated"),
        ["gzip by content, whatever the name"] = new("taobao", d => WriteBytes(d, "a.log", Gzip(TaobaoOk)), Accepted: 2),
        ["missing file"] = new("taobao", d => Path.Combine(d, "nope.csv"), Error: "nope.csv: no such file or folder"),
        ["glob that matches nothing"] = new("taobao", d => Path.Combine(d, "*.csv"), Error: "*.csv: no file matches"),
        ["empty folder"] = new("taobao", d => Directory.CreateDirectory(Path.Combine(d, "logs")).FullName, Error: "the folder holds no files to read"),
        ["folder of mixed CSV, gzip and Parquet, hidden files skipped"] = new("canonical", MixedFolder, Accepted: 6),
        ["folder with one file of another format"] = new("canonical", d =>
        {
            var logs = Directory.CreateDirectory(Path.Combine(d, "logs")).FullName;
            Write(logs, "a.csv", CanonicalHeader + CanonicalOk);
            Write(logs, "b.csv", "timestamp,visitorid,event,itemid,transactionid\n1433221332117,257597,view,355908,\n");
            return logs;
        }, Error: "b.csv:1: expected the canonical header"),
        ["Parquet without the source's columns"] = new("canonical", d => Parquet(d, "a.parquet", "SELECT 1 AS user_id, 2 AS item_id"), Error: "a.parquet: not a readable canonical Parquet file; it needs the columns"),
        ["retailrocket milliseconds, no category"] = new("retailrocket", d => Write(d, "a.csv", "timestamp,visitorid,event,itemid,transactionid\n1511661600123,1,view,10,\n1511661700000,1,transaction,10,4000\n1511661700000,1,rate,10,\n"), Accepted: 2, Reason: "unknown_behavior", Lines: [4]),
        ["rees46 UTC times, remove_from_cart kept"] = new("rees46", d => Write(d, "a.csv", "event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session\n2017-11-26 01:00:00 UTC,view,10,100,\"electronics,phone\",acme,9.99,1,s\n2017-11-26 01:05:00 UTC,remove_from_cart,10,100,,acme,9.99,1,s\n2017-11-26 01:06:00 UTC,view,x,100,,acme,9.99,1,s\n"), Accepted: 2, Reason: "bad_id", Lines: [4]),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Each_malformed_input_has_its_documented_outcome(string name)
    {
        var c = Cases[name];
        var events = c.Setup(_dir);
        var outDir = Path.Combine(_dir, "out");
        var options = new FeatureOptions
        {
            Source = c.Source, EventsPath = events, OutDir = outDir,
            RunStart = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
        };

        if (c.Error is not null)
        {
            var e = Assert.Throws<InputException>(() => new FeatureBuilder().Build(options));
            Assert.Contains(c.Error, e.Message);
            Assert.DoesNotContain('\n', e.Message);
            Assert.False(File.Exists(Path.Combine(outDir, "manifest.json")), "a refused run must not leave outputs");
            Assert.Empty(Directory.Exists(outDir) ? Directory.GetFileSystemEntries(outDir) : []);
            return;
        }

        var m = new FeatureBuilder().Build(options);
        var rejects = File.ReadAllLines(Path.Combine(outDir, "rejects.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(m.RowsRead, m.RowsAccepted + m.RowsRejected);
        Assert.Equal(c.Accepted, m.RowsAccepted);
        Assert.Equal(c.Lines?.Length ?? 0, m.RowsRejected);
        Assert.Equal(m.RowsRejected, rejects.Count);
        Assert.Equal(c.Duplicates, m.DuplicatesDropped);
        if (c.Reason is not null)
        {
            Assert.All(rejects, r => Assert.Equal(c.Reason, r[2]));
            Assert.Equal(c.Lines!, rejects.Select(r => long.Parse(r[1])));
            Assert.Equal(m.RowsRejected, m.RejectedByReason[c.Reason]);
        }
    }

    [Fact]
    public void The_corpus_has_at_least_twenty_inputs() => Assert.True(Cases.Count >= 20, $"{Cases.Count} cases");

    private static string MixedFolder(string d)
    {
        var logs = Directory.CreateDirectory(Path.Combine(d, "logs")).FullName;
        Write(logs, "a.csv", CanonicalHeader + CanonicalOk);
        WriteBytes(logs, "b.csv.gz", Gzip(CanonicalHeader + "2,20,200,impression,1511661600\n2,20,200,click,1511661602\n"));
        Parquet(logs, "c.parquet", "SELECT 3::BIGINT AS user_id, 30::BIGINT AS item_id, 300::BIGINT AS category_id, unnest(['impression', 'click']) AS behavior, 1511661600::BIGINT AS ts");
        Write(logs, ".hidden.csv", "garbage");
        Write(logs, "_SUCCESS", "");
        return logs;
    }

    private static string Write(string dir, string name, string text) => WriteBytes(dir, name, Encoding.UTF8.GetBytes(text));

    private static string WriteBytes(string dir, string name, byte[] bytes)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Gzip(string text)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal)) gz.Write(Encoding.UTF8.GetBytes(text));
        return ms.ToArray();
    }

    private static string Parquet(string dir, string name, string select)
    {
        var path = Path.Combine(dir, name);
        TestData.Query($"COPY ({select}) TO '{path}' (FORMAT parquet)");
        return path;
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
