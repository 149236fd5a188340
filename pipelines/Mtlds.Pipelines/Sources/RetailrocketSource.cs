namespace Mtlds.Pipelines.Sources;

/// RetailRocket events.csv: `timestamp,visitorid,event,itemid,transactionid` with the timestamp in
/// milliseconds; view → click, addtocart → cart, transaction → purchase. No category: 0.
public sealed class RetailrocketSource : IEventSource
{
    public string Name => "retailrocket";
    public IReadOnlyList<string>? Header { get; } = ["timestamp", "visitorid", "event", "itemid", "transactionid"];
    public IReadOnlyList<string> ParquetColumns => Header!;

    public bool TryParse(IReadOnlyList<string> f, out CanonicalEvent ev, out RejectReason reason)
    {
        ev = default;
        if (f.Count != 5) { reason = FieldParsers.ColumnCount(f.Count, 5); return false; }
        var behavior = f[2].Trim() switch
        {
            "view" => Behavior.Click,
            "addtocart" => Behavior.Cart,
            "transaction" => Behavior.Purchase,
            _ => null,
        };
        if (behavior is null) { reason = FieldParsers.UnknownBehavior(f[2], "view, addtocart, transaction"); return false; }
        if (!FieldParsers.TryUnixSeconds(f[0], out var ms, out reason)
            || !FieldParsers.TryId(f[1], "visitorid", out var user, out reason)
            || !FieldParsers.TryId(f[3], "itemid", out var item, out reason))
            return false;
        ev = new CanonicalEvent(user, item, 0, behavior, Math.DivRem(ms, 1000).Quotient); // out-of-range times are rejected later
        return true;
    }
}
