namespace Mtlds.Model.Metrics;

/// Binary cross-entropy of predicted probabilities, probabilities clipped to [1e-7, 1 − 1e-7].
public static class LogLoss
{
    public const double Epsilon = 1e-7;

    /// NaN for no samples.
    public static double Compute(ReadOnlySpan<double> probabilities, ReadOnlySpan<int> labels)
    {
        if (probabilities.Length != labels.Length) throw new ArgumentException("probabilities and labels differ in length");
        if (probabilities.Length == 0) return double.NaN;
        double sum = 0;
        for (var i = 0; i < probabilities.Length; i++)
        {
            var p = Math.Clamp(probabilities[i], Epsilon, 1 - Epsilon);
            sum -= labels[i] != 0 ? Math.Log(p) : Math.Log(1 - p);
        }
        return sum / probabilities.Length;
    }
}
