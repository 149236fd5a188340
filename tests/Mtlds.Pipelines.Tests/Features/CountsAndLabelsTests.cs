using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Tests.Fixtures;

namespace Mtlds.Pipelines.Tests.Features;

/// DESIGN §3–§4 on the real Taobao sample: counts reconcile, labels are monotone, stages match a recount.
public sealed class CountsAndLabelsTests(TaobaoDatasetFixture data) : IClassFixture<TaobaoDatasetFixture>
{
    private static readonly string RawFile = RepoPaths.Taobao("users-full-history-a.csv");

    [Fact]
    public void Rows_read_equal_accepted_plus_rejected_and_match_the_file_and_rejects_csv()
    {
        var m = data.Manifest;
        var lines = File.ReadLines(RawFile).Count();
        Assert.Equal(lines, m.RowsRead);
        Assert.Equal(m.RowsRead, m.RowsAccepted + m.RowsRejected);
        var rejectLines = File.ReadLines(Path.Combine(data.Dir, "rejects.csv")).Skip(1).ToList();
        Assert.Equal(m.RowsRejected, rejectLines.Count);
        Assert.Equal(m.RowsRejected, m.RejectedByReason.Values.Sum());
        Assert.Equal(m.RowsAccepted - m.DuplicatesDropped, m.Events);
        Assert.Equal(m.Events, m.EventsByBehavior.Values.Sum());
        // The README's six rows outside the dataset's days, four of which are in this file.
        Assert.True(m.RowsRejected > 0);
        Assert.All(rejectLines, l => Assert.Contains(",outside_window,", l));
    }

    [Fact]
    public void Labels_are_monotone_in_every_split()
    {
        foreach (var split in FeatureBuilder.SplitNames)
        {
            var bad = TestData.Rows(data.Dir, split,
                "SELECT * FROM t WHERE y_purchase > y_cart OR y_cart > y_click OR y_click <> (stage >= 1)::INT "
                + "OR y_cart <> (stage >= 2)::INT OR y_purchase <> (stage = 3)::INT");
            Assert.Empty(bad);
        }
    }

    [Fact]
    public void Each_stage_count_equals_an_independent_recount_of_the_raw_file()
    {
        // Recount in C#: per (user, item, China-time day) the furthest behaviour, within the same window.
        var from = DateTimeOffset.Parse("2017-11-24T16:00:00Z").ToUnixTimeSeconds();
        var to = DateTimeOffset.Parse("2017-12-03T16:00:00Z").ToUnixTimeSeconds();
        var stages = new Dictionary<(long, long, long), int>();
        foreach (var line in File.ReadLines(RawFile))
        {
            var f = line.Split(',');
            var ts = long.Parse(f[4]);
            if (ts < from || ts >= to) continue;
            var key = (long.Parse(f[0]), long.Parse(f[1]), (ts + 8 * 3600) / 86400);
            var stage = f[3] switch { "buy" => 3, "cart" => 2, _ => 1 };
            stages[key] = Math.Max(stages.GetValueOrDefault(key), stage);
        }
        var expected = stages.Values.GroupBy(s => s).ToDictionary(g => (long)g.Key, g => (long)g.Count());

        var actual = FeatureBuilder.SplitNames
            .SelectMany(s => TestData.Rows(data.Dir, s, "SELECT stage, count(*) AS n FROM t WHERE is_negative = 0 GROUP BY stage"))
            .GroupBy(r => r.L("stage")).ToDictionary(g => g.Key, g => g.Sum(r => r.L("n")));

        Assert.Equal(expected.OrderBy(k => k.Key), actual.OrderBy(k => k.Key));
        var negatives = FeatureBuilder.SplitNames.Sum(s => TestData.Rows(data.Dir, s,
            "SELECT count(*) AS n FROM t WHERE is_negative = 1 AND stage = 0 AND y_click = 0")[0].L("n"));
        Assert.Equal(data.Manifest.Splits.Values.Sum(s => s.Negatives), negatives);
        Assert.True(negatives > 0);
    }

    [Fact]
    public void Negatives_are_items_the_user_did_not_touch_that_period_and_each_list_keeps_at_most_k_per_engaged_sample()
    {
        foreach (var split in FeatureBuilder.SplitNames)
        {
            var overlap = TestData.Rows(data.Dir, split,
                "SELECT n.user_id FROM t n JOIN t e ON e.user_id = n.user_id AND e.item_id = n.item_id AND e.period = n.period "
                + "WHERE n.is_negative = 1 AND e.is_negative = 0");
            Assert.Empty(overlap);
            var tooMany = TestData.Rows(data.Dir, split,
                "SELECT user_id, period FROM t GROUP BY user_id, period HAVING sum(is_negative) > 4 * sum(1 - is_negative)");
            Assert.Empty(tooMany);
            var duplicates = TestData.Rows(data.Dir, split,
                "SELECT user_id, item_id, period FROM t GROUP BY ALL HAVING count(*) > 1");
            Assert.Empty(duplicates);
        }
    }

    [Fact]
    public void Splits_are_cut_by_time_last_day_test_the_day_before_valid()
    {
        var s = data.Manifest.Splits;
        Assert.Equal(s["test"].FirstPeriod, s["test"].LastPeriod);
        Assert.Equal(s["test"].FirstPeriod - 1, s["valid"].LastPeriod);
        Assert.True(s["train"].LastPeriod < s["valid"].FirstPeriod);
        // 2017-12-03 in China time is day 17503 since the epoch.
        Assert.Equal(17503, s["test"].FirstPeriod);
    }

    [Fact]
    public void Every_feature_column_has_a_definition_and_train_statistics()
    {
        var features = data.Manifest.Features;
        Assert.Equal(52, features.Count);
        Assert.All(features, f => Assert.False(string.IsNullOrWhiteSpace(f.Definition)));
        Assert.Contains(features, f => f.Log1pStd > 0);
        var columns = TestData.Rows(data.Dir, "train", "SELECT column_name FROM (DESCRIBE SELECT * FROM t)")
            .Select(r => (string)r["column_name"]!).ToList();
        Assert.Equal(data.Manifest.SampleColumns.Concat(features.Select(f => f.Name)), columns);
    }
}
