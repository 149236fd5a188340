namespace Mtlds.Pipelines.Sources;

/// Taobao UserBehavior (Tianchi 649): no header, `user,item,category,behavior,unix_seconds`;
/// pv → click, cart, fav, buy → purchase.
public sealed class TaobaoSource : IEventSource
{
    public string Name => "taobao";
    public IReadOnlyList<string>? Header => null;
    public IReadOnlyList<string> ParquetColumns { get; } = ["user_id", "item_id", "category_id", "behavior", "timestamp"];

    public StrictCsvForm StrictForm { get; } = new(null, new Dictionary<string, string>
    {
        ["pv"] = Behavior.Click, ["cart"] = Behavior.Cart, ["fav"] = Behavior.Fav, ["buy"] = Behavior.Purchase,
    });

    public bool TryParse(IReadOnlyList<string> f, out CanonicalEvent ev, out RejectReason reason)
    {
        ev = default;
        if (f.Count != 5) { reason = FieldParsers.ColumnCount(f.Count, 5); return false; }
        var behavior = f[3].Trim() switch
        {
            "pv" => Behavior.Click,
            "cart" => Behavior.Cart,
            "fav" => Behavior.Fav,
            "buy" => Behavior.Purchase,
            _ => null,
        };
        if (behavior is null) { reason = FieldParsers.UnknownBehavior(f[3], "pv, cart, fav, buy"); return false; }
        if (!FieldParsers.TryId(f[0], "user", out var user, out reason)
            || !FieldParsers.TryId(f[1], "item", out var item, out reason)
            || !FieldParsers.TryId(f[2], "category", out var category, out reason)
            || !FieldParsers.TryUnixSeconds(f[4], out var ts, out reason))
            return false;
        ev = new CanonicalEvent(user, item, category, behavior, ts);
        return true;
    }
}
