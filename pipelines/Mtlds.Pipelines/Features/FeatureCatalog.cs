using System.Text.RegularExpressions;

namespace Mtlds.Pipelines.Features;

/// Plain-words definitions of the feature columns that sql/features produces, derived from their names so
/// that they cannot drift from the SQL: a column whose name no rule explains is an error.
public static partial class FeatureCatalog
{
    /// Columns of every dataset that are not numeric features.
    public static readonly IReadOnlyList<string> SampleColumns =
    [
        "user_id", "item_id", "category_id", "period", "stage", "y_click", "y_cart", "y_purchase",
        "had_click_event", "had_cart_event", "had_fav", "is_negative",
    ];

    private static readonly Dictionary<string, string> Entities = new()
    {
        ["user"] = "the user's",
        ["item"] = "the item's (all users)",
        ["category"] = "the category's (all users and items)",
        ["user_category"] = "the user's, in the item's category,",
        ["user_item"] = "the user's, on this very item,",
    };

    public static string Describe(string column)
    {
        var m = Window().Match(column);
        if (m.Success)
            return $"{Entities[m.Groups[1].Value]} {Behaviour(m.Groups[2].Value)} events in the {m.Groups[3].Value} period(s) before the sample's period";
        m = Before().Match(column);
        if (m.Success)
            return $"{Entities[m.Groups[1].Value]} {Behaviour(m.Groups[2].Value)} events in all periods before the sample's period";
        m = Rate().Match(column);
        if (m.Success)
            return $"{Entities[m.Groups[1].Value]} smoothed {m.Groups[2].Value} rate over the 7 periods before: "
                + $"({m.Groups[2].Value}s + alpha·prior) / (clicks + alpha), prior the global {m.Groups[2].Value}s per click before the period";
        m = SinceLast().Match(column);
        if (m.Success)
            return $"periods since {Entities[m.Groups[1].Value].TrimEnd(',')} last period with an engaged event (0: none before)";
        return column switch
        {
            "user_distinct_items" => "distinct items the user engaged with in all periods before the sample's period",
            "user_distinct_categories" => "distinct categories the user engaged with in all periods before the sample's period",
            _ => throw new InvalidOperationException($"feature column '{column}' has no definition in FeatureCatalog"),
        };
    }

    private static string Behaviour(string plural) => plural switch
    {
        "clicks" => "click",
        "carts" => "cart",
        "favs" => "fav",
        "purchases" => "purchase",
        _ => throw new InvalidOperationException($"unknown behaviour '{plural}'"),
    };

    [GeneratedRegex(@"^(user|item|category|user_category|user_item)_(clicks|carts|favs|purchases)_(\d+)p$")]
    private static partial Regex Window();

    [GeneratedRegex(@"^(user|item|category|user_category|user_item)_(clicks|carts|favs|purchases)_before$")]
    private static partial Regex Before();

    [GeneratedRegex(@"^(user|item|category)_(purchase|cart)_rate_7p$")]
    private static partial Regex Rate();

    [GeneratedRegex(@"^(user|item|category|user_category|user_item)_periods_since_last$")]
    private static partial Regex SinceLast();
}
