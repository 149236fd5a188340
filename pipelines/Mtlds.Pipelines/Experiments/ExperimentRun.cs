using System.Diagnostics;
using System.Text.Json;
using Mtlds.Model.Metrics;
using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Generation;
using Mtlds.Pipelines.Runs;
using Mtlds.Pipelines.Training;

namespace Mtlds.Pipelines.Experiments;

/// Trains every cell of a grid on one feature build and writes results.csv and the report. Resumable: the
/// feature build and every finished cell are kept (OUT/features, OUT/cells/ID) and skipped on a rerun with the
/// same config; an interrupted cell resumes from its checkpoint.
public sealed class ExperimentRun(ExperimentGrid grid, string outDir)
{
    /// EpochCap: the epochs the cell could train (its early stopping ends it sooner); Model: its model.
    public sealed record CellResult(ExperimentGrid.Cell Cell, SplitMetrics Test, IReadOnlyList<(int Epoch, double ValidAuc)> Curve, double Seconds, bool Skipped)
    {
        public int EpochCap { get; init; }
        public string Model { get; init; } = "";
    }

    public Action<string>? OnProgress { get; init; }
    public Action<CellResult, int, int>? OnCell { get; init; }

    public IReadOnlyList<CellResult> Run(CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(outDir);
        var state = RunState.Load(outDir);
        string? events = null;
        if (grid.Generate is { } generate)
        {
            events = Path.Combine(outDir, "events.csv");
            var generateFingerprint = Fingerprint.Of(JsonSerializer.Serialize(generate));
            if (!state.IsDone("generate", generateFingerprint) || !File.Exists(events))
            {
                OnProgress?.Invoke($"generating a log ({generate.Users:N0} users, {generate.Periods} periods)");
                new SyntheticLogGenerator(generate).Write(events);
                state.Mark(outDir, "generate", generateFingerprint);
            }
        }
        var cells = grid.Cells();
        var first = grid.ConfigFor(cells[0], events);
        var features = Path.Combine(outDir, "features");
        var featuresFingerprint = Fingerprint.Of(PipelineConfigFile.Write(new PipelineConfig { Features = first.Features }), SqlScript.Load().Hash(),
            File.Exists(first.Features.Events) ? new FileInfo(first.Features.Events).Length.ToString(System.Globalization.CultureInfo.InvariantCulture) : "");
        if (!state.IsDone("features", featuresFingerprint) || !File.Exists(Path.Combine(features, "manifest.json")))
        {
            OnProgress?.Invoke("building features");
            new FeatureBuilder().Build(first.Features.ToOptions(features));
            state.Mark(outDir, "features", featuresFingerprint);
        }

        var results = new List<CellResult>();
        foreach (var (cell, i) in cells.Select((c, i) => (c, i)))
        {
            var config = grid.ConfigFor(cell, events);
            var dir = Path.Combine(outDir, "cells", cell.Id);
            var fingerprint = Fingerprint.Of(PipelineConfigFile.Write(new PipelineConfig { Train = config.Train }), featuresFingerprint);
            var clock = Stopwatch.StartNew();
            OnProgress?.Invoke($"training {i + 1}/{cells.Count}: {cell.Group(cell.Values.Keys)}, seed {cell.Seed}");
            var skipped = ResumableTraining.Run(state, outDir, "cell " + cell.Id, fingerprint, features, dir, config.Train, cancellationToken: cancellationToken).Skipped;
            var result = new CellResult(cell, ReadTest(dir), ReadCurve(dir), clock.Elapsed.TotalSeconds, skipped)
            {
                EpochCap = config.Train.Epochs,
                Model = config.Train.Model,
            };
            results.Add(result);
            OnCell?.Invoke(result, i + 1, cells.Count);
        }
        ExperimentReport.Write(grid, results, outDir);
        return results;
    }

    private static SplitMetrics ReadTest(string dir)
    {
        var all = JsonSerializer.Deserialize<Dictionary<string, SplitMetrics>>(File.ReadAllText(Path.Combine(dir, "metrics.json")), ModelDirectory.Json)!;
        return all["test"];
    }

    private static List<(int, double)> ReadCurve(string dir) =>
        File.ReadAllLines(Path.Combine(dir, "curve.csv")).Skip(1).Select(l => l.Split(','))
            .Select(f => (int.Parse(f[0], System.Globalization.CultureInfo.InvariantCulture), double.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
}
