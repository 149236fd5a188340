using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Generation;
using Mtlds.Pipelines.Tests.Fixtures;

namespace Mtlds.Pipelines.Tests.Features;

/// `mtlds bench --only floor` runs the real feature SQL's first steps and writes the real splits.
public sealed class FeatureFloorTests : IDisposable
{
    private readonly string _dir = TestData.TempDir("floor");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_floor_times_every_part_on_a_generated_log_and_leaves_no_file()
    {
        var log = Path.Combine(_dir, "events.csv");
        new SyntheticLogGenerator(new GeneratorOptions { Users = 300, Items = 1000, Categories = 50 }).Write(log);
        var work = Path.Combine(_dir, "work");
        var parts = new List<string>();
        var floor = FeatureFloor.Measure(log, work, parts.Add);
        Assert.All(new[] { floor.ScanSeconds, floor.LoadSeconds, floor.DedupSeconds, floor.GroupSeconds, floor.StoreSeconds, floor.WriteSeconds }, s => Assert.True(s > 0));
        Assert.Equal(floor.LoadSeconds + floor.DedupSeconds + floor.GroupSeconds + floor.StoreSeconds + floor.WriteSeconds, floor.Seconds, 9);
        Assert.Equal(2, parts.Count);
        Assert.Empty(Directory.GetFiles(work));
    }
}
