using System.Text.RegularExpressions;
using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Spark;

namespace Mtlds.Cli.Commands;

/// `mtlds features --engine spark`: assembles the job (SparkJob), prints its spark-submit command or runs it,
/// and makes an output it finds on this disk a feature build at once (a remote one after it is copied: --finish).
internal static partial class SparkFeatures
{
    public static int Submit(SparkJobOptions options, bool dryRun, Action<Manifest, string, TimeSpan> summarise)
    {
        var job = SparkJob.Assemble(options);
        var work = Path.Combine(Path.GetTempPath(), $"mtlds-spark-{job.JobId}");
        if (dryRun)
        {
            Directory.CreateDirectory(work);
            var script = Path.Combine(work, $"mtlds-features-{job.JobId}.sql");
            File.WriteAllText(script, job.Script);
            File.WriteAllText(Path.Combine(work, $"mtlds-cleanup-{job.JobId}.sql"), job.CleanupScript);
            Console.Out.WriteLine(string.Join(' ', job.SubmitArguments(script).Prepend(SparkJob.SparkSubmit()).Select(ShellQuote)));
            Console.Error.WriteLine($"# script kept at {script} (job database {job.Database}, {job.NegativesDrawnPerEngaged} negatives per engaged sample, "
                + $"UTC offset {job.TzOffsetSeconds} s); after a failed run drop the database with {Path.Combine(work, $"mtlds-cleanup-{job.JobId}.sql")}");
            return 0;
        }
        var started = DateTime.UtcNow;
        var code = job.Run(work, message => Console.Error.WriteLine($"mtlds: {message}"));
        if (code != 0)
        {
            Console.Error.WriteLine($"mtlds: error: the Spark job failed (spark-submit exit {code}); its script is kept in {work}");
            return 1;
        }
        Directory.Delete(work, recursive: true);
        // A path without a scheme is the cluster's default file system on YARN (HDFS), not necessarily this
        // disk: finish here only when the job's counts are found here.
        if (LocalPath(options.Features.OutDir) is { } local && Directory.Exists(Path.Combine(local, "counts")))
            summarise(SparkBuildManifest.Derive(local), local, DateTime.UtcNow - started);
        else
            Console.Out.WriteLine($"features written to {options.Features.OutDir}; copy the folder to a local disk and run "
                + "`mtlds features --engine spark --finish --out LOCAL_COPY` to make it a feature build");
        return 0;
    }

    /// The local folder of an output written with no scheme or with file://; null for a cluster file system.
    private static string? LocalPath(string outDir) =>
        outDir.StartsWith("file://", StringComparison.Ordinal) ? outDir["file://".Length..]
        : outDir.Contains("://", StringComparison.Ordinal) ? null
        : outDir;

    /// A word as a POSIX shell reads it back: bare when safe, else single-quoted.
    public static string ShellQuote(string word) =>
        SafeWord().IsMatch(word) ? word : "'" + word.Replace("'", "'\\''") + "'";

    [GeneratedRegex(@"^[A-Za-z0-9_@%+=:,./-]+$")]
    private static partial Regex SafeWord();
}
