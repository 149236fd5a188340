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
    public static long? PeakBytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return null;
    }
}
