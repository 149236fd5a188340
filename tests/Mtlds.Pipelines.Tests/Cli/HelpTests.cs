using Mtlds.Pipelines.Tests.Fixtures;

namespace Mtlds.Pipelines.Tests.Cli;

/// Every command's --help shows an example, and the root lists the exit codes.
public sealed class HelpTests
{
    [Theory]
    [InlineData("features")]
    [InlineData("generate")]
    [InlineData("train")]
    [InlineData("score")]
    [InlineData("evaluate")]
    [InlineData("runs")]
    [InlineData("run")]
    [InlineData("config", "show")]
    [InlineData("experiment")]
    [InlineData("bench")]
    public void Help_shows_an_example(params string[] command)
    {
        var r = MtldsProcess.Run([.. command, "--help"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Example", r.Stdout);
        Assert.Contains($"mtlds {string.Join(' ', command)} ", r.Stdout[r.Stdout.IndexOf("Example", StringComparison.Ordinal)..]);
    }

    [Fact]
    public void The_root_help_documents_the_exit_codes()
    {
        var r = MtldsProcess.Run("--help");
        Assert.Contains("Exit codes: 0 success", r.Stdout);
        Assert.Contains("5 output could not be written", r.Stdout);
    }
}
