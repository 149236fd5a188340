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

        var rows = new List<RunsQueries.MetricRow>();
        var group = new Group(tasks);
        (string Run, string Split)? key = null;
        while (r.Read())
        {
            var k = (r.GetString(columns.IndexOf("run_id")), r.GetString(columns.IndexOf("split")));
            if (key is not null && key != k) { rows.AddRange(group.Metrics(key.Value.Split)); group = new Group(tasks); }
            key = k;
            group.Add(r, columns);
        }
        if (key is not null) rows.AddRange(group.Metrics(key.Value.Split));
        return rows;
    }

    private sealed class Group(IReadOnlyList<string> tasks)
    {
        private readonly List<double>[] _p = tasks.Select(_ => new List<double>()).ToArray();
        private readonly List<double> _scores = [];
        private readonly List<int> _stages = [];
        private readonly List<long> _users = [];
        private readonly List<long> _items = [];
        private readonly List<long> _periods = [];

        public void Add(System.Data.IDataRecord r, List<string> columns)
        {
            for (var t = 0; t < tasks.Count; t++) _p[t].Add(Convert.ToDouble(r.GetValue(columns.IndexOf("p_" + tasks[t]))));
            _scores.Add(Convert.ToDouble(r.GetValue(columns.IndexOf("score"))));
            _stages.Add(Convert.ToInt32(r.GetValue(columns.IndexOf("stage"))));
            _users.Add(Convert.ToInt64(r.GetValue(columns.IndexOf("user_id"))));
            _items.Add(Convert.ToInt64(r.GetValue(columns.IndexOf("item_id"))));
            _periods.Add(Convert.ToInt64(r.GetValue(columns.IndexOf("period"))));
        }

        public IEnumerable<RunsQueries.MetricRow> Metrics(string split)
        {
            var stages = _stages.ToArray();
            var lists = new List<(int, int)>();
            for (var start = 0; start < stages.Length;)
            {
                var end = start + 1;
                while (end < stages.Length && _users[end] == _users[start] && _periods[end] == _periods[start]) end++;
                lists.Add((start, end - start));
                start = end;
            }
            var m = SplitMetrics.Compute(tasks, _p.Select(p => p.ToArray()).ToList(), _scores.ToArray(),
                tasks.Select(t => Model.Training.ScoredBatch.Labels(stages, t)).ToList(), stages, _users.ToArray(), _items.ToArray(), lists);
            foreach (var (metric, values) in new[] { ("auc", m.Auc), ("gauc", m.Gauc), ("ndcg", m.Ndcg), ("logloss", m.Logloss) })
                foreach (var label in ScoreColumns.AllTasks.Concat(["5", "10"]).Where(values.ContainsKey))
                    yield return new RunsQueries.MetricRow(split, metric, label, double.IsNaN(values[label]) ? null : values[label], null);
        }
    }
}
