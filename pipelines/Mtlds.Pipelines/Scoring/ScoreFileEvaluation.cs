using DuckDB.NET.Data;
using Mtlds.Model.Metrics;
using Mtlds.Pipelines.Postgres;

namespace Mtlds.Pipelines.Scoring;

/// The metrics of a score file (CSV or Parquet, as mtlds score writes it), computed per run and split with the
/// trainer's own metric code, in the shape the PostgreSQL evaluation view has.
public static class ScoreFileEvaluation
{
    public static IReadOnlyList<RunsQueries.MetricRow> Compute(string path)
    {
        if (!File.Exists(path)) throw new InputException($"{path}: no such score file");
        var reader = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".csv" => "read_csv",
            ".parquet" => "read_parquet",
            _ => throw new ConfigurationException($"--scores '{path}': the score file must end in .csv or .parquet"),
        };
        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT * FROM {reader}('{path.Replace("'", "''")}') ORDER BY run_id, split, user_id, period, item_id";
        using var r = cmd.ExecuteReader();
        var columns = Enumerable.Range(0, r.FieldCount).Select(r.GetName).ToList();
        string[] required = ["run_id", "split", "user_id", "item_id", "period", "score", "p_purchase", "y_purchase", "stage"];
        var missing = required.Where(c => !columns.Contains(c)).ToList();
        if (missing.Count > 0) throw new InputException($"{path}: not a score file (no column {string.Join(", ", missing)})");
        var tasks = ScoreColumns.AllTasks.Where(t => columns.Contains("p_" + t)).ToList();
        var ordinals = new Ordinals(columns.IndexOf("run_id"), columns.IndexOf("split"), columns.IndexOf("user_id"), columns.IndexOf("item_id"),
            columns.IndexOf("period"), columns.IndexOf("score"), columns.IndexOf("stage"), tasks.Select(t => columns.IndexOf("p_" + t)).ToArray());

        var rows = new List<RunsQueries.MetricRow>();
        var group = new Group(tasks);
        (string Run, string Split)? key = null;
        while (r.Read())
        {
            var k = (r.GetString(ordinals.RunId), r.GetString(ordinals.Split));
            if (key is not null && key != k) { rows.AddRange(group.Metrics(key.Value.Split)); group = new Group(tasks); }
            key = k;
            group.Add(r, ordinals);
        }
        if (key is not null) rows.AddRange(group.Metrics(key.Value.Split));
        return rows;
    }

    /// Column positions, looked up once rather than per row.
    private sealed record Ordinals(int RunId, int Split, int User, int Item, int Period, int Score, int Stage, int[] P);

    private sealed class Group(IReadOnlyList<string> tasks)
    {
        private readonly List<double>[] _p = tasks.Select(_ => new List<double>()).ToArray();
        private readonly List<double> _scores = [];
        private readonly List<int> _stages = [];
        private readonly List<long> _users = [];
        private readonly List<long> _items = [];
        private readonly List<long> _periods = [];

        public void Add(System.Data.IDataRecord r, Ordinals o)
        {
            for (var t = 0; t < tasks.Count; t++) _p[t].Add(Convert.ToDouble(r.GetValue(o.P[t])));
            _scores.Add(Convert.ToDouble(r.GetValue(o.Score)));
            _stages.Add(Convert.ToInt32(r.GetValue(o.Stage)));
            _users.Add(Convert.ToInt64(r.GetValue(o.User)));
            _items.Add(Convert.ToInt64(r.GetValue(o.Item)));
            _periods.Add(Convert.ToInt64(r.GetValue(o.Period)));
        }

        public IEnumerable<RunsQueries.MetricRow> Metrics(string split)
        {
            var stages = _stages.ToArray();
            var users = _users.ToArray();
            var lists = Model.Training.ListLayout.Ranges(users, _periods.ToArray());
            var m = SplitMetrics.Compute(tasks, _p.Select(p => p.ToArray()).ToList(), _scores.ToArray(), stages, users, _items.ToArray(), lists);
            var labelOrder = ScoreColumns.AllTasks.Concat(["5", "10"]).ToList();
            foreach (var metric in m.Rows().GroupBy(r => r.Metric)) // in the order of SplitMetrics.Names
                foreach (var (_, label, value) in metric.OrderBy(r => labelOrder.IndexOf(r.Label)))
                    yield return new RunsQueries.MetricRow(split, metric.Key, label, double.IsNaN(value) ? null : value, null);
        }
    }
}
