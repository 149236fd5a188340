using System.CommandLine;
using System.Globalization;
using Mtlds.Pipelines.Postgres;
using Spectre.Console;

namespace Mtlds.Cli.Commands;

/// `mtlds runs`: the runs registered in PostgreSQL, newest first.
internal static class RunsCommand
{
    public static Command Create()
    {
        var pg = new PgOptions();
        var limit = new Option<int>("--limit") { Description = "Runs to list", DefaultValueFactory = _ => 50 };
        var command = new Command("runs", "List scoring runs in PostgreSQL, newest first.\n\nExample:\n  mtlds runs --pg")
        {
            pg.Pg, pg.Schema, limit,
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
}
