using System.Diagnostics;

namespace Mtlds.Model.Tests.Build;

/// The build's libstdc++ compat fix (build/torchsharp-compat/apply.sh) on a copy of the TorchSharp library.
public sealed class TorchSharpCompatTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mtlds-compat-").FullName;
    private readonly string _lib;
    private readonly byte[] _original;

    public TorchSharpCompatTests()
    {
        var nugetCopy = Path.Combine(
            Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
            "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        _original = File.ReadAllBytes(nugetCopy);
        _lib = Path.Combine(_dir, "libLibTorchSharp.so");
        File.WriteAllBytes(_lib, _original);
    }

    [Fact]
    public void On_a_host_whose_libstdcxx_has_GLIBCXX_3_4_32_the_library_is_left_untouched()
    {
        var newerHost = Path.Combine(_dir, "libstdc++.so.6");
        File.WriteAllText(newerHost, "GLIBCXX_3.4.31\0GLIBCXX_3.4.32\0");

        var (code, output) = Apply(newerHost);

        Assert.Equal(0, code);
        Assert.Equal(_original, File.ReadAllBytes(_lib));
        Assert.False(File.Exists(Path.Combine(_dir, "libmtlds_glibcxx_shim.so")), output);
    }

    [Fact]
    public void On_an_older_host_the_version_becomes_weak_and_the_shim_is_needed_and_beside_it()
    {
        var olderHost = Path.Combine(_dir, "libstdc++.so.6");
        File.WriteAllText(olderHost, "GLIBCXX_3.4.29\0GLIBCXX_3.4.30\0");

        var (code, output) = Apply(olderHost);
        var (_, secondRun) = Apply(olderHost);

        Assert.Equal(0, code);
        Assert.Contains("patched", output);
        Assert.DoesNotContain("patched", secondRun); // idempotent: rebuilds reapply without stacking patches
        Assert.True(File.Exists(Path.Combine(_dir, "libmtlds_glibcxx_shim.so")));
        Assert.Contains("libmtlds_glibcxx_shim.so", Run("patchelf", "--print-needed", _lib).Output);
        Assert.Equal("$ORIGIN", Run("patchelf", "--print-rpath", _lib).Output.Trim());
        Assert.Matches(@"Name: GLIBCXX_3\.4\.32\s+Flags: WEAK", Run("readelf", "-V", _lib).Output);
    }

    private (int Code, string Output) Apply(string hostLibstdcxx) =>
        Run("bash", Path.Combine(RepoPaths.Root, "build", "torchsharp-compat", "apply.sh"), _dir,
            Path.Combine(_dir, "work"), ("MTLDS_HOST_LIBSTDCXX", hostLibstdcxx));

    private static (int Code, string Output) Run(string file, params object[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            if (a is ValueTuple<string, string> env) psi.Environment[env.Item1] = env.Item2;
            else psi.ArgumentList.Add((string)a);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
