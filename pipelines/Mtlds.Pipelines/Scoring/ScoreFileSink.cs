using System.Globalization;
using System.Text;
using Mtlds.Model.Training;
using ParquetSharp;

namespace Mtlds.Pipelines.Scoring;

/// Score rows to a CSV or Parquet file (chosen by extension). The file is written under a temporary name
/// beside its target and renamed into place at Complete, so a killed run never leaves a half-written file.
public sealed class ScoreFileSink : IScoreSink
{
    private readonly string _path;
    private readonly string _tmp;
    private readonly IReadOnlyList<string> _tasks;
    private readonly StreamWriter? _csv;
    private readonly ParquetFileWriter? _parquet;
    private long _rows;
    private bool _completed;

    public ScoreFileSink(string path, IReadOnlyList<string> tasks)
    {
        _path = Path.GetFullPath(path);
        _tasks = ScoreColumns.AllTasks.Where(tasks.Contains).ToList();
        var dir = Path.GetDirectoryName(_path)!;
        Directory.CreateDirectory(dir);
        _tmp = Path.Combine(dir, $".{Path.GetFileName(_path)}.{Guid.NewGuid():N}.tmp");
        var columns = ScoreColumns.For(_tasks);
        switch (Path.GetExtension(_path).ToLowerInvariant())
        {
            case ".csv":
                _csv = new StreamWriter(_tmp, false, new UTF8Encoding(false), 1 << 20) { NewLine = "\n" };
                _csv.WriteLine(string.Join(',', columns));
                break;
            case ".parquet":
                _parquet = new ParquetFileWriter(_tmp, columns.Select(ParquetColumn).ToArray(), Compression.Snappy);
                break;
            default:
                throw new ConfigurationException($"--out '{path}': the score file must end in .csv or .parquet");
        }
    }

    private static Column ParquetColumn(string name) => name switch
    {
        "run_id" or "split" => new Column<string>(name),
        "user_id" or "item_id" or "period" => new Column<long>(name),
        "category_id" => new Column<long?>(name),
        "user_clicks_7p" => new Column<int?>(name),
        "stage" => new Column<short>(name),
        _ when name.StartsWith("y_", StringComparison.Ordinal) => new Column<short>(name),
        _ => new Column<double>(name),
    };

    public void Write(string runId, string split, ScoredBatch batch)
    {
        if (_csv is not null) WriteCsv(runId, split, batch);
        else WriteParquet(runId, split, batch);
        _rows += batch.Rows;
    }

    private void WriteCsv(string runId, string split, ScoredBatch batch)
    {
        var p = _tasks.Select(t => ScoreColumns.Probabilities(batch, t)).ToArray();
        var y = _tasks.Select(t => ScoreColumns.Labels(batch, t)).ToArray();
        var line = new StringBuilder(256);
        var c = CultureInfo.InvariantCulture;
        for (var i = 0; i < batch.Rows; i++)
        {
            line.Clear();
            line.Append(runId).Append(',').Append(split).Append(',')
                .Append(batch.Users[i].ToString(c)).Append(',').Append(batch.Items[i].ToString(c)).Append(',')
                .Append(batch.Periods[i].ToString(c)).Append(',').Append(batch.Scores[i].ToString("R", c));
            foreach (var column in p) line.Append(',').Append(column[i].ToString("R", c));
            foreach (var column in y) line.Append(',').Append(column[i] == 1 ? '1' : '0');
            line.Append(',').Append(batch.Stages[i].ToString(c)).Append(',');
            if (batch.Categories is { } categories) line.Append(categories[i].ToString(c));
            line.Append(',');
            if (batch.UserClicks7p is { } clicks) line.Append(clicks[i].ToString(c));
            _csv!.WriteLine(line);
        }
    }

    private void WriteParquet(string runId, string split, ScoredBatch batch)
    {
        using var group = _parquet!.AppendRowGroup();
        void Column<T>(T[] values)
        {
            using var w = group.NextColumn().LogicalWriter<T>();
            w.WriteBatch(values);
        }
        Column(Enumerable.Repeat(runId, batch.Rows).ToArray());
        Column(Enumerable.Repeat(split, batch.Rows).ToArray());
        Column(batch.Users);
        Column(batch.Items);
        Column(batch.Periods);
        Column(batch.Scores);
        foreach (var t in _tasks) Column(ScoreColumns.Probabilities(batch, t));
        foreach (var t in _tasks) Column(ScoreColumns.Labels(batch, t).Select(v => (short)v).ToArray());
        Column(batch.Stages.Select(v => (short)v).ToArray());
        Column(batch.Categories?.Select(v => (long?)v).ToArray() ?? new long?[batch.Rows]);
        Column(batch.UserClicks7p?.Select(v => (int?)v).ToArray() ?? new int?[batch.Rows]);
    }

    public long Complete()
    {
        if (_csv is not null)
        {
            _csv.Flush();
            _csv.BaseStream.Flush();
            _csv.Dispose();
        }
        else
        {
            _parquet!.Close();
        }
        File.Move(_tmp, _path, overwrite: true);
        _completed = true;
        return _rows;
    }

    public void Fail(string reason) { } // Dispose removes the temporary file

    public void Dispose()
    {
        _csv?.Dispose();
        _parquet?.Dispose();
        if (!_completed) File.Delete(_tmp);
    }
}
