using System.Text.RegularExpressions;
using Mtlds.Pipelines.Tests.Fixtures;
using Xunit.Abstractions;

namespace Mtlds.Pipelines.Tests.Runs;

[Trait("Category", "Slow")]
public sealed class ExperimentTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = TestData.TempDir("experiment");

    [Fact]
    public void A_tiny_grid_writes_a_report_with_one_row_per_cell_and_every_chart()
    {
        var grid = Path.Combine(_dir, "grid.yaml");
        File.WriteAllText(grid, """
            name: tiny
            generate: { users: 300, items: 800, categories: 20, periods: 5, seed: 2 }
            base:
              train: { epochs: 1, buckets: 5000, batch_lists: 64 }
            grid:
              model: [mtlds, esmm]
              tau: [0.5, 2]
              seed: [1, 2]
            """);
        var outDir = Path.Combine(_dir, "out");
        var r = MtldsProcess.Run("experiment", "--grid", grid, "--out", outDir);
        output.WriteLine(r.Stdout);
        Assert.True(r.ExitCode == 0, r.Stderr);

        var report = File.ReadAllText(Path.Combine(outDir, "report.md"));
        output.WriteLine(report);
        var cellsTable = report[report.IndexOf("## Every grid cell", StringComparison.Ordinal)..report.IndexOf("## By", StringComparison.Ordinal)];
        var rows = cellsTable.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)).Skip(1).ToList(); // minus the header
        Assert.Equal(2 * 2, rows.Count); // models × τ; seeds are averaged
        Assert.All(rows, row => Assert.Matches(@"\| 2 \| 0\.\d{4} ± 0\.\d{4}", row));
        Assert.Equal(2 * 2 * 2 + 1, File.ReadAllLines(Path.Combine(outDir, "results.csv")).Length); // one line per training

        var charts = Regex.Matches(report, @"\]\((charts/[^)]+)\)").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2 * 3 + 1, charts.Count); // AUC, graded and purchase NDCG per varied axis, and the training curves
        Assert.Contains("## Convergence", report);
        foreach (var chart in charts)
        {
            var bytes = File.ReadAllBytes(Path.Combine(outDir, chart));
            Assert.True(bytes.Length > 1000, chart);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        }

        // A rerun keeps every finished cell.
        var again = MtldsProcess.Run("experiment", "--grid", grid, "--out", outDir);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Equal(8, Regex.Matches(again.Stdout, "kept from an earlier run").Count);
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
