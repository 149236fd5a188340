using Mtlds.Pipelines.Postgres;
using Mtlds.Pipelines.Tests.Fixtures;

namespace Mtlds.Pipelines.Tests.Cli;

/// `mtlds bench` refuses what it cannot do before it spends minutes on the sections it can.
public sealed class BenchCliTests
{
    private static readonly Dictionary<string, string> NoPostgres = new() { [PostgresTarget.EnvironmentVariable] = "" };

    [Theory]
    [InlineData("--only", "features,bogus", "features, floor, memory, train, score")]
    [InlineData("--models", "mtlds,bogus", "mtlds")]
    public void An_unknown_section_or_model_is_refused_in_one_line_naming_the_choices(string option, string value, string listed)
    {
        var r = MtldsProcess.Run(NoPostgres, "bench", option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Contains(option, r.Stderr);
        Assert.Contains("bogus", r.Stderr);
        Assert.Contains(listed, r.Stderr);
    }

    [Fact]
    public void Score_asked_for_without_PostgreSQL_is_refused_before_any_work()
    {
        var work = TestData.TempDir("bench-nopg");
        try
        {
            var r = MtldsProcess.Run(NoPostgres, "bench", "--only", "features,score", "--work", work);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("--pg", r.Stderr);
            Assert.Empty(Directory.GetFileSystemEntries(work)); // nothing generated, nothing built
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
