using System.Text.RegularExpressions;

namespace Mtlds.Pipelines.Scoring;

/// A run's identifier: it names rows in PostgreSQL and appears in files, so it is held to a strict pattern
/// (the same CHECK the runs table carries) rather than escaped.
public static partial class RunId
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex Pattern();

    public static string Validate(string runId) => Pattern().IsMatch(runId)
        ? runId
        : throw new ConfigurationException(
            $"--run-id '{Printable(runId)}' is not a valid run id: use 1 to 128 letters, digits, '_', '.' or '-', starting with a letter or digit");

    /// A new id that sorts by time: 20261129T020300Z-model-3f2a1c (the label keeps only characters an id allows).
    public static string New(string label)
    {
        var kept = new string(label.Where(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-').Take(80).ToArray());
        return $"{DateTime.UtcNow:yyyyMMdd'T'HHmmss'Z'}-{(kept.Length == 0 ? "run" : kept)}-{Guid.NewGuid().ToString("N")[..6]}";
    }

    /// Shown in errors without control characters (a hostile value must not forge log lines).
    internal static string Printable(string value) =>
        new(value.Take(140).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
