using System.Diagnostics;

namespace Mtlds.Pipelines.Tests.Fixtures;

/// Runs the real `mtlds` executable (built beside the tests) as a user would.
public static class MtldsProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(params string[] args)
    {
        using var p = Start(args);
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return new Result(p.ExitCode, stdout, stderr.Result);
    }

    /// Starts it without waiting (output redirected: read it or the process may block on a full pipe).
    public static Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mtlds.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["COLUMNS"] = "200";
        return Process.Start(psi)!;
    }
}
