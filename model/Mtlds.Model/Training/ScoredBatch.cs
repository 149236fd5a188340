namespace Mtlds.Model.Training;

/// The predictions for one batch of whole lists, in columns: per task probabilities, the ranking score
/// (the aggregator's output, or the sum of the task probabilities for a model without one: DESIGN §7), and the keys and stage of every row.
public sealed record ScoredBatch(
    IReadOnlyList<string> Tasks,
    IReadOnlyList<double[]> Probabilities,
    double[] Scores,
    int[] Stages,
    long[] Users,
    long[] Items,
    long[] Periods,
    IReadOnlyList<(int Start, int Length)> Lists)
{
    public int Rows => Scores.Length;

    /// The item's category_id of every row (analysts slice metrics by it), where the batch had that column.
    public long[]? Categories { get; init; }

    /// The user's clicks over the 7 periods before the row's period (the feature user_clicks_7p, point in
    /// time): the user's activity, by which analysts slice metrics, where the batch had that column.
    public int[]? UserClicks7p { get; init; }

    /// The stage a task's label needs: click ≥ 1, cart ≥ 2, purchase = 3 (DESIGN §4).
    public static int Threshold(string task) => task switch
    {
        "click" => 1,
        "cart" => 2,
        "purchase" => 3,
        _ => throw new ArgumentException($"unknown task '{task}'"),
    };

    public static int[] Labels(int[] stages, string task)
    {
        var threshold = Threshold(task);
        return stages.Select(s => s >= threshold ? 1 : 0).ToArray();
    }
}
