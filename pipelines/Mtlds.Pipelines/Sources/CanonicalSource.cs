namespace Mtlds.Pipelines.Sources;

/// The canonical format itself: header `user_id,item_id,category_id,behavior,ts`, behaviour one of
/// impression, click, cart, fav, purchase, ts ISO 8601 UTC or Unix seconds.
public sealed class CanonicalSource : IEventSource
{
    public string Name => "canonical";
    public IReadOnlyList<string>? Header { get; } = ["user_id", "item_id", "category_id", "behavior", "ts"];
    public IReadOnlyList<string> ParquetColumns => Header!;

    public StrictCsvForm StrictForm { get; } = new("user_id,item_id,category_id,behavior,ts",
        new[] { Behavior.Impression, Behavior.Click, Behavior.Cart, Behavior.Fav, Behavior.Purchase }.ToDictionary(b => b, b => b));

    public bool TryParse(IReadOnlyList<string> f, out CanonicalEvent ev, out RejectReason reason)
    {
        ev = default;
        if (f.Count != 5) { reason = FieldParsers.ColumnCount(f.Count, 5); return false; }
        var behavior = f[3].Trim() switch
        {
            Behavior.Impression => Behavior.Impression,
            Behavior.Click => Behavior.Click,
            Behavior.Cart => Behavior.Cart,
            Behavior.Fav => Behavior.Fav,
            Behavior.Purchase => Behavior.Purchase,
            _ => null,
        };
        if (behavior is null) { reason = FieldParsers.UnknownBehavior(f[3], "impression, click, cart, fav, purchase"); return false; }
        if (!FieldParsers.TryId(f[0], "user_id", out var user, out reason)
            || !FieldParsers.TryId(f[1], "item_id", out var item, out reason)
            || !FieldParsers.TryId(f[2], "category_id", out var category, out reason)
            || !FieldParsers.TryIsoOrUnix(f[4], out var ts, out reason))
            return false;
        ev = new CanonicalEvent(user, item, category, behavior, ts);
        return true;
    }
}
