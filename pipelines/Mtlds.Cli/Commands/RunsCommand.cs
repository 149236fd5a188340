using System.CommandLine;
using System.Globalization;
using Mtlds.Pipelines;
using Mtlds.Pipelines.Postgres;
using Spectre.Console;

namespace Mtlds.Cli.Commands;

/// `mtlds runs`: the runs registered in PostgreSQL, newest first; `mtlds runs prune`: remove old ones.
internal static class RunsCommand
{
    public static Command Create()
    {
        var pg = new PgOptions();
        var limit = new Option<int>("--limit") { Description = "Runs to list", DefaultValueFactory = _ => 50 };
        var command = new Command("runs", "List scoring runs in PostgreSQL, newest first.\n\nExamples:\n  mtlds runs --pg\n  mtlds runs prune --pg --keep 30 --dry-run")
        {
            pg.Pg, pg.Schema, limit, Prune(),
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var table = new Table().AddColumns("run", "model", "status", "split", "rows", "started (UTC)", "seconds", "error");
            foreach (var r in new RunsQueries(pg.Resolve(parse)).Runs(parse.GetValue(limit)))
                table.AddRow(new[]
                {
                    r.RunId, r.Model, r.Status, r.Split ?? "", r.Rows?.ToString("N0", CultureInfo.InvariantCulture) ?? "",
                    r.StartedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                    r.FinishedAt is { } f ? (f - r.StartedAt).TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) : "",
                    r.Error ?? "",
                }.Select(Markup.Escape).ToArray());
            CliRunner.Out.Write(table);
            return 0;
        }));
        return command;
    }

    private static Command Prune()
    {
        var pg = new PgOptions();
        var keep = new Option<int?>("--keep") { Description = "Keep the N newest runs (by start), remove the others" };
        var before = new Option<string?>("--before") { Description = "Remove runs started before this UTC date or time (2026-11-01, 2026-11-01T06:00:00Z)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would be removed, remove nothing" };
        var command = new Command("prune",
            "Remove runs with their scores and metrics: each run's scores are one partition, dropped whole (no row deleted,\n"
            + "nothing left to vacuum). With --keep and --before, a run goes only when both let it go; a run being scored stays.\n\n"
            + "Examples:\n  mtlds runs prune --pg --keep 30\n  mtlds runs prune --pg --before 2026-11-01 --dry-run")
        {
            pg.Pg, pg.Schema, keep, before, dryRun,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var cutoff = parse.GetValue(before) is { } text ? Date(text) : (DateTimeOffset?)null;
            var dry = parse.GetValue(dryRun);
            var result = new RunsQueries(pg.Resolve(parse)).Prune(parse.GetValue(keep), cutoff, dry);
            // One line a run and one summary line: what a scheduler's log wants.
            foreach (var r in result.Runs)
                Console.Out.WriteLine($"prune: {(dry ? "would remove" : "removed")} run {r.RunId} ({r.Status}, started {r.StartedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC, {N(r.Rows ?? 0)} rows)");
            Console.Out.WriteLine($"prune: {(dry ? "dry run, would remove" : "removed")} {result.Runs.Count} runs, {N(result.Rows)} score rows, "
                + $"in {result.SqlSeconds.ToString("F3", CultureInfo.InvariantCulture)} s of SQL");
            return 0;
        }));
        return command;
    }

    private static DateTimeOffset Date(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d)
            ? d
            : throw new ConfigurationException($"--before '{text}' is not a date or time (e.g. 2026-11-01 or 2026-11-01T06:00:00Z)");

    private static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
}
