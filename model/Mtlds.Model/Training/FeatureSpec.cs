namespace Mtlds.Model.Training;

/// The numeric inputs and how to standardise them: z = (log1p(max(x, 0)) − mean) / std, with the mean and
/// standard deviation of log1p taken over the train split only (DESIGN §5). Std 0 (a constant) gives z = 0.
public sealed record FeatureSpec(IReadOnlyList<string> Names, IReadOnlyList<double> Log1pMean, IReadOnlyList<double> Log1pStd)
{
    public int Count => Names.Count;
}
