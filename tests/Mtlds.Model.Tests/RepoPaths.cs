namespace Mtlds.Model.Tests;

/// Locates files of the repository from a test's output folder.
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Mtlds.Pipelines.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Mtlds.Pipelines.sln above {AppContext.BaseDirectory}");
    }
}
