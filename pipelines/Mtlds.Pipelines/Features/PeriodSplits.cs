namespace Mtlds.Pipelines.Features;

/// Splits are ranges of periods, chosen from a build's per-period summaries: when it is built (its manifest's
/// default) or when a model is trained (`mtlds train --valid-periods/--test-periods`). The train split's
/// statistics are merged from its periods' partial ones, so any choice costs no pass over the data.
public static class PeriodSplits
{
    /// Test is the last TestPeriods periods, valid the ValidPeriods before them, train the rest; counted as
    /// periods before the last one (the rule of sql/features/04), so a gap in the log shortens a split.
    public static IReadOnlyDictionary<string, SplitSummary> Of(IReadOnlyList<PeriodSummary> periods, int validPeriods, int testPeriods)
    {
        var last = periods.Count == 0 ? 0 : periods.Max(p => p.Period);
        string SplitOf(long p) => p > last - testPeriods ? "test" : p > last - testPeriods - validPeriods ? "valid" : "train";
        return FeatureBuilder.SplitNames.ToDictionary(name => name, name =>
        {
            var chosen = periods.Where(p => SplitOf(p.Period) == name).OrderBy(p => p.Period).ToList();
            long Sum(string label) => chosen.Sum(p => p.Positives[label]);
            return new SplitSummary(chosen.Select(p => p.File).ToList(), chosen.Sum(p => p.Samples), chosen.Sum(p => p.Lists),
                chosen.Count == 0 ? 0 : chosen[0].Period, chosen.Count == 0 ? 0 : chosen[^1].Period,
                new SortedDictionary<string, long> { ["click"] = Sum("click"), ["cart"] = Sum("cart"), ["purchase"] = Sum("purchase") },
                chosen.Sum(p => p.Negatives));
        });
    }

    /// The train split's statistics, merged from its periods' partial ones.
    public static List<FeatureDefinition> TrainStatistics(IReadOnlyList<PeriodSummary> periods, SplitSummary train, IReadOnlyList<string> features)
    {
        var files = train.Files.ToHashSet();
        var merged = new FeatureStatistics.Partial[features.Count];
        foreach (var p in periods.Where(p => files.Contains(p.File)))
            for (var f = 0; f < features.Count; f++)
                merged[f] = merged[f].Merge(new FeatureStatistics.Partial(p.Log1pCount[f], p.Log1pMean[f], p.Log1pM2[f]));
        return features.Select((name, f) => FeatureBuilder.Define(name, merged[f].Moments.Mean, merged[f].Moments.Std)).ToList();
    }
}
