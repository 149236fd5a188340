using System.Text.RegularExpressions;

namespace Mtlds.Pipelines.Features;

/// How DuckDB builds a log larger than its memory: a group of consecutive periods at a time. The statements
/// of the feature SQL that depend on the periods being built (those naming `${group_from}`/`${group_to}`, and
/// every statement that reads a table one of them makes) run once per pass; the rest (events, interactions,
/// the activity tables and their first periods) run once, before the first pass. A pass's samples, draws and
/// feature tables hold its periods only, and its period files are written before the next pass starts, so
/// memory and spill are bounded by the pass, not by the log: at 100M events the feature tables of every period
/// at once lived in ~35 GB of spill, and each period file joined them. Spark runs the same statements once,
/// as one pass over every period.
public sealed partial class BuildPasses
{
    /// The indices (in SqlScript.Templates order) of the statements run once per pass.
    public IReadOnlySet<int> PerPass { get; }

    /// The tables and views the per-pass statements make: dropped once a pass's files are written.
    public IReadOnlySet<string> PassTables { get; }

    private BuildPasses(IReadOnlySet<int> perPass, IReadOnlySet<string> passTables) => (PerPass, PassTables) = (perPass, passTables);

    public static BuildPasses Of(SqlScript script)
    {
        var statements = script.Templates().Select(t => Comment().Replace(t.Sql, "")).ToList();
        var created = statements.Select(s => Created().Match(s) is { Success: true } m ? m.Groups[1].Value.ToLowerInvariant() : null).ToList();
        var names = statements.Select(s => Identifier().Matches(s).Select(m => m.Value.ToLowerInvariant()).ToHashSet()).ToList();
        bool NamesPass(int i) => statements[i].Contains("${group_", StringComparison.Ordinal);

        // Pass tables to a fixed point: made by a statement that names the pass's periods or reads a pass table.
        var passTables = new HashSet<string>();
        for (var grew = true; grew;)
        {
            grew = false;
            for (var i = 0; i < statements.Count; i++)
                if (created[i] is { } table && !passTables.Contains(table)
                    && (NamesPass(i) || names[i].Any(n => n != table && passTables.Contains(n))))
                    grew = passTables.Add(table);
        }
        // A statement is per pass when it names the pass's periods or touches a pass table (its DROP included).
        var perPass = Enumerable.Range(0, statements.Count).Where(i => NamesPass(i) || names[i].Overlaps(passTables)).ToHashSet();
        return new BuildPasses(perPass, passTables);
    }

    /// Consecutive periods grouped into passes of at most `budget` samples (a period larger than that is a pass
    /// of its own). The ranges are contiguous from `firstPeriod`, the last one open-ended, so together they
    /// cover every period the build makes; no period at all is one open-ended pass.
    public static List<(long From, long To)> Group(IReadOnlyList<(long Period, long Samples)> periods, long firstPeriod, long budget)
    {
        var groups = new List<(long From, long To)>();
        long inGroup = 0;
        foreach (var (period, samples) in periods.OrderBy(p => p.Period))
        {
            if (groups.Count > 0 && inGroup + samples <= budget) { groups[^1] = (groups[^1].From, period); inGroup += samples; }
            else { groups.Add((groups.Count == 0 ? firstPeriod : groups[^1].To + 1, period)); inGroup = samples; }
        }
        if (groups.Count == 0) return [(firstPeriod, long.MaxValue)];
        groups[^1] = (groups[^1].From, long.MaxValue);
        return groups;
    }

    [GeneratedRegex(@"--[^\n]*")]
    private static partial Regex Comment();

    [GeneratedRegex(@"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?(?:TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?([A-Za-z_][A-Za-z0-9_]*)", RegexOptions.IgnoreCase)]
    private static partial Regex Created();

    [GeneratedRegex(@"[A-Za-z_][A-Za-z0-9_]*")]
    private static partial Regex Identifier();
}
