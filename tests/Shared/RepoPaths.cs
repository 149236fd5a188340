namespace Mtlds.Tests.Shared;

/// Locates files of the repository from a test's output folder.
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// The shared data folder beside the repository (read-only; never copied into it).
    public static string SharedData => Path.GetFullPath(Path.Combine(Root, "..", "shared", "data"));

    public static string Taobao(string file) => Path.Combine(SharedData, "taobao-userbehavior", file);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Mtlds.Pipelines.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Mtlds.Pipelines.sln above {AppContext.BaseDirectory}");
    }
}
