namespace Mtlds.Pipelines.Sources;

/// Canonical behaviours (DESIGN §3). Their lower-case names are what the `events` table stores.
public static class Behavior
{
    public const string Impression = "impression";
    public const string Click = "click";
    public const string Cart = "cart";
    public const string Fav = "fav";
    public const string Purchase = "purchase";
    /// REES46 only: kept as its own behaviour and counted; it implies the item passed the cart stage.
    public const string RemoveFromCart = "remove_from_cart";

    public static readonly IReadOnlyList<string> All = [Impression, Click, Cart, Fav, Purchase, RemoveFromCart];
}
