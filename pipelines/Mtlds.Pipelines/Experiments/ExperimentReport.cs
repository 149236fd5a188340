using System.Globalization;
using System.Text;
using ScottPlot;

namespace Mtlds.Pipelines.Experiments;

/// results.csv (one row per trained cell), report.md (mean ± std over seeds: one row per grid cell, then per
/// value of every varied axis) and PNG charts: purchase AUC and NDCG@10 per value of each varied axis, and
/// the training curves. Files appear by rename.
public static class ExperimentReport
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static void Write(ExperimentGrid grid, IReadOnlyList<ExperimentRun.CellResult> results, string outDir)
    {
        var charts = Path.Combine(outDir, "charts");
        Directory.CreateDirectory(charts);
        var keys = grid.Axes.Select(a => a.Key).ToList();
        var labels = new[] { "click", "cart", "purchase" }.Where(l => results.Any(r => r.Test.Auc.ContainsKey(l))).ToList();

        var csv = new StringBuilder();
        csv.AppendLine(string.Join(',', keys.Concat(labels.Select(l => "auc_" + l)).Concat(["gauc_purchase", "ndcg5", "ndcg10", "ndcg_purchase5", "ndcg_purchase10", "logloss_purchase", "epochs", "seconds"])));
        foreach (var r in results)
            csv.AppendLine(string.Join(',', keys.Select(k => Quote(r.Cell.Values[k]))
                .Concat(labels.Select(l => F(r.Test.Auc.GetValueOrDefault(l, double.NaN))))
                .Concat([F(r.Test.Gauc["purchase"]), F(r.Test.Ndcg["5"]), F(r.Test.Ndcg["10"]), F(r.Test.NdcgPurchase["5"]), F(r.Test.NdcgPurchase["10"]), F(r.Test.Logloss["purchase"]),
                    r.Curve.Count.ToString(C), r.Seconds.ToString("F1", C)])));
        Atomic(Path.Combine(outDir, "results.csv"), csv.ToString());

        var md = new StringBuilder();
        var seeds = results.Select(r => r.Cell.Seed).Distinct().Count();
        md.AppendLine($"# {grid.Name}").AppendLine()
          .AppendLine($"Test split, mean ± standard deviation over {seeds} seed(s); {results.Count} trainings. Raw numbers: `results.csv`.").AppendLine()
          .AppendLine("## Every grid cell").AppendLine();
        var varied = keys.Where(k => k != "seed").ToList();
        Table(md, varied.Count == 0 ? ["run"] : varied, results.GroupBy(r => r.Cell.Group(keys)).Select(g =>
            ((IReadOnlyList<string>)(varied.Count == 0 ? ["all"] : varied.Select(k => g.First().Cell.Values[k]).ToList()), g.ToList())), labels);

        foreach (var axis in varied.Where(k => grid.Axes.First(a => a.Key == k).Values.Count > 1))
        {
            var values = grid.Axes.First(a => a.Key == axis).Values;
            md.AppendLine().AppendLine($"## By {axis}").AppendLine();
            var groups = values.Select(v => ((IReadOnlyList<string>)[v], results.Where(r => r.Cell.Values[axis] == v).ToList())).ToList();
            if (varied.Count > 1) Table(md, [axis], groups, labels); // with one varied axis it is the table above
            foreach (var (metric, title, pick) in new (string, string, Func<ExperimentRun.CellResult, double>)[]
                     {
                         ("auc", "test purchase AUC", r => r.Test.Auc["purchase"]),
                         ("ndcg10", "test graded NDCG@10 (by score)", r => r.Test.Ndcg["10"]),
                         ("ndcg_purchase10", "test purchase NDCG@10 (by p_purchase)", r => r.Test.NdcgPurchase["10"]),
                     })
            {
                var file = $"{metric}_by_{axis}.png";
                Chart(Path.Combine(charts, file), axis, title, values, groups.Select(g => g.Item2.Select(pick).ToArray()).ToList());
                md.AppendLine().AppendLine($"![{title} by {axis}](charts/{file})");
            }
        }

        Convergence(md, results.GroupBy(r => r.Cell.Group(keys)).ToList());

        var curves = "training_curves.png";
        Curves(Path.Combine(charts, curves), results.GroupBy(r => r.Cell.Group(keys)).ToList());
        md.AppendLine().AppendLine("## Training curves").AppendLine().AppendLine($"![validation purchase AUC per epoch](charts/{curves})");
        Atomic(Path.Combine(outDir, "report.md"), md.ToString());
    }

    private static void Table(StringBuilder md, IReadOnlyList<string> columns,
        IEnumerable<(IReadOnlyList<string> Key, List<ExperimentRun.CellResult> Runs)> rows, IReadOnlyList<string> labels)
    {
        var header = columns.Concat(["n"]).Concat(labels.Select(l => $"AUC {l}")).Concat(["gAUC purchase", "graded NDCG@5", "graded NDCG@10", "purchase NDCG@10"]).ToList();
        md.AppendLine("| " + string.Join(" | ", header) + " |").AppendLine("|" + string.Concat(header.Select(_ => "---|")));
        foreach (var (key, runs) in rows)
        {
            var cells = key.Concat([runs.Count.ToString(C)])
                .Concat(labels.Select(l => MeanStd(runs.Select(r => r.Test.Auc.GetValueOrDefault(l, double.NaN)))))
                .Concat([MeanStd(runs.Select(r => r.Test.Gauc["purchase"])), MeanStd(runs.Select(r => r.Test.Ndcg["5"])), MeanStd(runs.Select(r => r.Test.Ndcg["10"])), MeanStd(runs.Select(r => r.Test.NdcgPurchase["10"]))]);
            md.AppendLine("| " + string.Join(" | ", cells) + " |");
        }
    }

    /// How each arm ended (the protocol's budget rule: early stopping on validation purchase AUC with a
    /// patience, under an epoch cap that no arm should reach; LightGBM stops by boosting rounds instead).
    private static void Convergence(StringBuilder md, IReadOnlyList<IGrouping<string, ExperimentRun.CellResult>> groups)
    {
        md.AppendLine().AppendLine("## Convergence").AppendLine()
          .AppendLine("Early stopping on validation purchase AUC (patience in epochs) under an epoch cap; the model kept is the best epoch's. LightGBM boosts each task until the validation log loss stops improving (its own early stopping), so it has no epochs.").AppendLine()
          .AppendLine("| arm | epochs trained | best epoch | stopped early | reached the cap |")
          .AppendLine("|---|---|---|---|---|");
        foreach (var g in groups)
        {
            var runs = g.ToList();
            var name = g.Key.Length == 0 ? "all" : g.Key;
            if (runs.All(r => r.Model == "lightgbm"))
            {
                md.AppendLine($"| {name} | – | – | {runs.Count}/{runs.Count} (boosting rounds) | – |");
                continue;
            }
            string Range(IEnumerable<int> v) { var a = v.ToList(); return a.Min() == a.Max() ? a.Min().ToString(C) : $"{a.Min()}–{a.Max()}"; }
            var trained = runs.Select(r => r.Curve.Count == 0 ? 0 : r.Curve.Max(c => c.Epoch)).ToList();
            var best = runs.Select(r => r.Curve.Count == 0 ? 0 : r.Curve.MaxBy(c => c.ValidAuc).Epoch).ToList();
            var capped = runs.Count(r => r.EpochCap > 0 && r.Curve.Count > 0 && r.Curve.Max(c => c.Epoch) >= r.EpochCap);
            md.AppendLine($"| {name} | {Range(trained)} | {Range(best)} | {runs.Count - capped}/{runs.Count} | {capped}/{runs.Count} |");
        }
    }

    private static (double Mean, double Std) Stats(IEnumerable<double> values)
    {
        var v = values.Where(x => !double.IsNaN(x)).ToArray();
        if (v.Length == 0) return (double.NaN, double.NaN);
        var mean = v.Average();
        var std = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : 0;
        return (mean, std);
    }

    private static string MeanStd(IEnumerable<double> values)
    {
        var (mean, std) = Stats(values);
        return double.IsNaN(mean) ? "–" : $"{mean.ToString("F4", C)} ± {std.ToString("F4", C)}";
    }

    /// Bars with error bars for categories; a line with error bars when every value is a number (τ, noise).
    private static void Chart(string path, string axis, string title, IReadOnlyList<string> values, IReadOnlyList<double[]> samples)
    {
        var plot = new Plot();
        var stats = samples.Select(s => Stats(s)).ToList();
        var numeric = values.All(v => double.TryParse(v, NumberStyles.Float, C, out _));
        if (numeric)
        {
            var xs = values.Select(v => double.Parse(v, C)).ToArray();
            var line = plot.Add.Scatter(xs, stats.Select(s => s.Mean).ToArray());
            line.LineWidth = 2;
            plot.Add.ErrorBar(xs, stats.Select(s => s.Mean).ToArray(), stats.Select(s => s.Std).ToArray());
        }
        else
        {
            plot.Add.Bars(stats.Select((s, i) => new Bar { Position = i, Value = s.Mean, Error = s.Std, ValueBase = Lowest(stats) }).ToArray());
            plot.Axes.Bottom.SetTicks(Enumerable.Range(0, values.Count).Select(i => (double)i).ToArray(), values.ToArray());
        }
        plot.Title($"{title} by {axis}");
        plot.XLabel(axis);
        plot.YLabel(title);
        Save(plot, path);
    }

    /// Bars start a little below the lowest mean: differences of a few thousandths stay visible.
    private static double Lowest(IEnumerable<(double Mean, double Std)> stats)
    {
        var low = stats.Where(s => !double.IsNaN(s.Mean)).Select(s => s.Mean - s.Std).DefaultIfEmpty(0).Min();
        return Math.Max(0, Math.Floor(low * 20 - 1) / 20);
    }

    private static void Curves(string path, IReadOnlyList<IGrouping<string, ExperimentRun.CellResult>> groups)
    {
        var plot = new Plot();
        foreach (var g in groups.Where(g => g.Any(r => r.Model != "lightgbm"))) // boosted trees have no epochs
        {
            var epochs = g.SelectMany(r => r.Curve.Select(c => c.Epoch)).Distinct().Order().ToArray();
            var means = epochs.Select(e => Stats(g.Select(r => r.Curve.FirstOrDefault(c => c.Epoch == e).ValidAuc).Where(v => v > 0)).Mean).ToArray();
            var line = plot.Add.Scatter(epochs.Select(e => (double)e).ToArray(), means);
            line.LegendText = g.Key.Length == 0 ? "all" : g.Key;
        }
        plot.Title("validation purchase AUC per epoch (mean over seeds)");
        plot.XLabel("epoch");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.YLabel("valid purchase AUC");
        if (groups.Count <= 16) plot.ShowLegend(Alignment.LowerRight);
        Save(plot, path);
    }

    private static void Save(Plot plot, string path)
    {
        var tmp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.png");
        plot.SavePng(tmp, 900, 520);
        File.Move(tmp, path, overwrite: true);
    }

    private static void Atomic(string path, string text)
    {
        var tmp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }

    private static string F(double v) => double.IsNaN(v) ? "" : v.ToString("R", C);

    private static string Quote(string s) => s.Contains(',') ? $"\"{s}\"" : s;
}
