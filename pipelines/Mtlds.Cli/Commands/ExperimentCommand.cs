using System.CommandLine;
using System.Globalization;
using Mtlds.Pipelines.Experiments;
using Spectre.Console;

namespace Mtlds.Cli.Commands;

/// `mtlds experiment`: a grid of trainings with a report (tables and charts).
internal static class ExperimentCommand
{
    public static Command Create()
    {
        var grid = new Option<string>("--grid") { Description = "Grid YAML (see experiments/)", Required = true };
        var outDir = new Option<string>("--out") { Description = "Output folder: features/, cells/, results.csv, report.md, charts/", Required = true };
        var command = new Command("experiment",
            "Train every cell of a grid (models × aggregators × τ × label sets × label shuffle × seeds) on one feature build and\n"
            + "write report.md with mean ± std tables and PNG charts. Finished cells are kept: a rerun only trains what is missing.\n\n"
            + "Example:\n  mtlds experiment --grid experiments/baselines.yaml --out data/experiments/baselines")
        {
            grid, outDir,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var g = ExperimentGrid.Load(parse.GetValue(grid)!);
            var dir = parse.GetValue(outDir)!;
            IReadOnlyList<ExperimentRun.CellResult> results = null!;
            CliRunner.Out.Status().Start("experiment", ctx =>
            {
                results = new ExperimentRun(g, dir)
                {
                    OnProgress = s => ctx.Status(Markup.Escape(s)),
                    OnCell = (r, i, n) => CliRunner.Out.MarkupLine(Markup.Escape(FormattableString.Invariant(
                        $"{i}/{n} {r.Cell.Id}: test purchase AUC {r.Test.Auc["purchase"]:F4}, graded NDCG@10 {r.Test.Ndcg["10"]:F4}, purchase NDCG@10 {r.Test.NdcgPurchase["10"]:F4}{(r.Skipped ? " (kept from an earlier run)" : $" ({r.Seconds:F0} s)")}"))),
                }.Run();
            });
            CliRunner.Out.MarkupLine(Markup.Escape($"{results.Count} trainings; report: {Path.Combine(dir, "report.md")}"));
            return 0;
        }));
        return command;
    }
}
