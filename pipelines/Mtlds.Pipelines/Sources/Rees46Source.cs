namespace Mtlds.Pipelines.Sources;

/// REES46 multi-category store: `event_time,event_type,product_id,category_id,category_code,brand,price,
/// user_id,user_session`, event_time like `2019-10-01 00:00:00 UTC`; view → click, cart, purchase,
/// remove_from_cart kept as its own behaviour.
public sealed class Rees46Source : IEventSource
{
    public string Name => "rees46";
    public IReadOnlyList<string>? Header { get; } =
        ["event_time", "event_type", "product_id", "category_id", "category_code", "brand", "price", "user_id", "user_session"];
    public IReadOnlyList<string> ParquetColumns => Header!;

    public bool TryParse(IReadOnlyList<string> f, out CanonicalEvent ev, out RejectReason reason)
    {
        ev = default;
        if (f.Count != 9) { reason = FieldParsers.ColumnCount(f.Count, 9); return false; }
        var behavior = f[1].Trim() switch
        {
            "view" => Behavior.Click,
            "cart" => Behavior.Cart,
            "purchase" => Behavior.Purchase,
            "remove_from_cart" => Behavior.RemoveFromCart,
            _ => null,
        };
        if (behavior is null) { reason = FieldParsers.UnknownBehavior(f[1], "view, cart, purchase, remove_from_cart"); return false; }
        var time = f[0].Trim();
        if (time.EndsWith(" UTC", StringComparison.Ordinal)) time = time[..^4] + "Z";
        if (!FieldParsers.TryIsoOrUnix(time, out var ts, out reason)
            || !FieldParsers.TryId(f[2], "product_id", out var item, out reason)
            || !FieldParsers.TryId(f[3], "category_id", out var category, out reason)
            || !FieldParsers.TryId(f[7], "user_id", out var user, out reason))
            return false;
        ev = new CanonicalEvent(user, item, category, behavior, ts);
        return true;
    }
}
