using System.CommandLine;
using System.Globalization;
using Mtlds.Pipelines;
using Mtlds.Pipelines.Postgres;
using Mtlds.Pipelines.Scoring;
using Spectre.Console;

namespace Mtlds.Cli.Commands;

/// `mtlds evaluate`: the metric table of a run from the SQL views (beside the trainer's own numbers), or of a score file.
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var pg = new PgOptions();
        var runId = new Option<string?>("--run-id") { Description = "Run to evaluate (with --pg)" };
        var scores = new Option<string?>("--scores") { Description = "Score file to evaluate instead (.csv or .parquet)" };
        var command = new Command("evaluate",
            "Print AUC, gAUC, NDCG@5/@10 and log loss of a run, computed in SQL by the schema's views, beside the trainer's\n"
            + "metrics.json values, and the calibration by score decile; or the same metrics of a score file.\n\n"
            + "Examples:\n  mtlds evaluate --pg --run-id demo-1\n  mtlds evaluate --scores data/demo/model/scores-test.csv")
        {
            pg.Pg, pg.Schema, runId, scores,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var file = parse.GetValue(scores);
            var id = parse.GetValue(runId);
            if (file is not null)
            {
                if (id is not null) throw new ConfigurationException("give --run-id (with --pg) or --scores, not both");
                Print(ScoreFileEvaluation.Compute(file), withTrainer: false);
                return 0;
            }
            if (id is null) throw new ConfigurationException("--run-id (with --pg) or --scores is required");
            var queries = new RunsQueries(pg.Resolve(parse));
            Print(queries.Evaluation(id), withTrainer: true);
            var calibration = new Table().AddColumns("split", "decile", "rows", "mean p_purchase", "observed purchase rate", "score range");
            foreach (var c in queries.Calibration(id))
                calibration.AddRow(c.Split, c.Decile.ToString(CultureInfo.InvariantCulture), c.Rows.ToString("N0", CultureInfo.InvariantCulture),
                    F(c.MeanPPurchase), F(c.ObservedPurchaseRate), $"{F(c.MinScore)} – {F(c.MaxScore)}");
            CliRunner.Out.Write(calibration);
            return 0;
        }));
        return command;
    }

    private static void Print(IReadOnlyList<RunsQueries.MetricRow> rows, bool withTrainer)
    {
        if (rows.Count == 0) throw new InputException("no scored rows to evaluate");
        var table = new Table().AddColumns("split", "metric", "label", withTrainer ? "SQL" : "value");
        if (withTrainer) table.AddColumns("metrics.json", "difference");
        foreach (var r in rows)
        {
            var (metric, label) = r.Metric switch
            {
                "ndcg" => ("NDCG@" + r.Label, "graded, by score"),
                "ndcg_purchase" => ("NDCG@" + r.Label, "purchase, by p_purchase"),
                _ => (r.Metric, r.Label),
            };
            var cells = new List<string> { r.Split, metric, label, F(r.Value) };
            if (withTrainer) cells.AddRange([F(r.Trainer), r.Value is { } v && r.Trainer is { } t ? (v - t).ToString("G2", CultureInfo.InvariantCulture) : "–"]);
            table.AddRow(cells.Select(Markup.Escape).ToArray());
        }
        CliRunner.Out.Write(table);
    }

    private static string F(double? v) => v is { } x && !double.IsNaN(x) ? x.ToString("F4", CultureInfo.InvariantCulture) : "–";
}
