using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Tests.Fixtures;

namespace Mtlds.Pipelines.Tests.Features;

/// Same seed → byte-identical outputs; another seed → other negatives and nothing else.
public sealed class DeterminismTests : IDisposable
{
    private const string File = "users-full-history-b.csv";
    private readonly string _a = TestData.TempDir("seed-a");
    private readonly string _b = TestData.TempDir("seed-b");
    private readonly string _c = TestData.TempDir("seed-c");

    [Fact]
    public void The_same_seed_gives_byte_identical_files_and_another_seed_changes_only_the_negatives()
    {
        new FeatureBuilder().Build(TestData.TaobaoOptions(File, _a, seed: 42));
        new FeatureBuilder().Build(TestData.TaobaoOptions(File, _b, seed: 42));
        new FeatureBuilder().Build(TestData.TaobaoOptions(File, _c, seed: 43));

        var written = Manifest.Read(Path.Combine(_a, "manifest.json")).Periods.Select(p => p.File)
            .Concat(Directory.GetFiles(Path.Combine(_a, FeatureBuilder.InteractionsFolder)).Select(f => Path.GetRelativePath(_a, f)));
        foreach (var name in written.Append("rejects.csv").Append("manifest.json"))
            Assert.True(System.IO.File.ReadAllBytes(Path.Combine(_a, name)).SequenceEqual(System.IO.File.ReadAllBytes(Path.Combine(_b, name))),
                $"{name} differs between two runs with seed 42");

        foreach (var split in FeatureBuilder.SplitNames)
        {
            var engagedA = TestData.Rows(_a, split, "SELECT * FROM t WHERE is_negative = 0 ORDER BY period, user_id, item_id");
            var engagedC = TestData.Rows(_c, split, "SELECT * FROM t WHERE is_negative = 0 ORDER BY period, user_id, item_id");
            Assert.Equal(engagedA.Count, engagedC.Count);
            for (var i = 0; i < engagedA.Count; i++) Assert.Equal(engagedA[i], engagedC[i]);

            var negativesA = Keys(_a, split);
            var negativesC = Keys(_c, split);
            Assert.NotEmpty(negativesA);
            Assert.NotEqual(negativesA, negativesC);
        }
    }

    private static HashSet<(long, long, long)> Keys(string dir, string split) =>
        TestData.Rows(dir, split, "SELECT user_id, item_id, period FROM t WHERE is_negative = 1")
            .Select(r => (r.L("user_id"), r.L("item_id"), r.L("period"))).ToHashSet();

    public void Dispose()
    {
        foreach (var d in new[] { _a, _b, _c }) Directory.Delete(d, true);
    }
}
