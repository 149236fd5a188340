using Mtlds.Model.Training;

namespace Mtlds.Pipelines.Scoring;

/// The score row of DESIGN §8, in files and in PostgreSQL alike: run_id, split, user_id, item_id, period,
/// score, p_<task>…, y_<task>…, stage, then the keys analysts slice metrics by: category_id and
/// user_clicks_7p (the user's clicks in the 7 periods before; empty/NULL where the features had none). A
/// label the model does not have is left out.
public static class ScoreColumns
{
    public static readonly IReadOnlyList<string> AllTasks = ["click", "cart", "purchase"];

    public static IReadOnlyList<string> For(IReadOnlyList<string> tasks) =>
        ["run_id", "split", "user_id", "item_id", "period", "score",
            .. AllTasks.Where(tasks.Contains).Select(t => "p_" + t),
            .. AllTasks.Where(tasks.Contains).Select(t => "y_" + t),
            "stage", "category_id", "user_clicks_7p"];

    /// p_task of every row of a batch.
    public static double[] Probabilities(ScoredBatch batch, string task)
    {
        for (var t = 0; t < batch.Tasks.Count; t++)
            if (batch.Tasks[t] == task) return batch.Probabilities[t];
        throw new ArgumentException($"the model has no '{task}' task");
    }

    /// y_task of every row of a batch.
    public static int[] Labels(ScoredBatch batch, string task) => ScoredBatch.Labels(batch.Stages, task);
}
