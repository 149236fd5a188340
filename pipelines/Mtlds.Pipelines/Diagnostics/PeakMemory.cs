namespace Mtlds.Pipelines.Diagnostics;

/// The process's peak resident set size (Linux: VmHWM in /proc/self/status), resettable so that one
/// process can report the peak of each of its steps.
public static class PeakMemory
{
    /// Sets the peak back to the current RSS (writing 5 to /proc/self/clear_refs); the garbage collector runs
    /// first so that the next step is not charged for the last one's garbage. False where that is not possible.
    public static bool Reset()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException) { return false; }
    }

    /// Peak RSS in bytes since the start or the last Reset; null where /proc is not there.
    public static long? PeakBytes() => PeakOf("/proc/self/status");

    /// VmHWM of a /proc/PID/status file in bytes; null when it cannot be read (no /proc, or the process ended).
    private static long? PeakOf(string status)
    {
        try
        {
            foreach (var line in File.ReadLines(status))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return null;
    }

    /// Runs a process to its end and returns its exit code and peak RSS (its VmHWM, read every 20 ms while it
    /// runs: the peak never falls, so the last read is the peak up to 20 ms before the exit).
    public static (int ExitCode, long PeakBytes, string Stderr) OfChild(System.Diagnostics.ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        long peak = 0;
        var status = $"/proc/{process.Id}/status";
        while (!process.WaitForExit(20))
            peak = Math.Max(peak, PeakOf(status) ?? 0);
        process.WaitForExit();
        _ = stdout.Result;
        return (process.ExitCode, peak, stderr.Result);
    }
}
