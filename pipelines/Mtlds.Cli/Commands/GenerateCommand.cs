using System.CommandLine;
using Mtlds.Pipelines.Generation;
using Spectre.Console;

namespace Mtlds.Cli.Commands;

/// `mtlds generate`: a synthetic log from a planted funnel, with impressions (canonical CSV) or shaped like
/// the real Taobao log (its own file form, no impressions: the path every public log takes).
internal static class GenerateCommand
{
    public static Command Create()
    {
        var defaults = new GeneratorOptions();
        var outFile = new Option<string>("--out") { Description = "CSV file to write", Required = true };
        var shape = new Option<string>("--shape")
        {
            Description = "impressions (canonical CSV with impressions, default) or taobao (Taobao UserBehavior's form: "
                + "no header, pv/cart/fav/buy, no impressions; read it with --source taobao)",
            DefaultValueFactory = _ => "impressions",
        };
        shape.AcceptOnlyFromAmong("impressions", "taobao");
        var events = new Option<long?>("--events") { Description = "taobao shape: about this many events, users/items/categories in the real log's proportions" };
        var users = new Option<int?>("--users") { Description = $"Users (impressions: default {defaults.Users})" };
        var items = new Option<int?>("--items") { Description = $"Items (impressions: default {defaults.Items})" };
        var categories = new Option<int?>("--categories") { Description = $"Categories (impressions: default {defaults.Categories})" };
        var periods = new Option<int?>("--periods") { Description = $"Days (impressions: default {defaults.Periods}; taobao: 9)" };
        var impressions = new Option<double>("--impressions") { Description = "impressions shape: mean impressions per user per day", DefaultValueFactory = _ => defaults.ImpressionsPerPeriod };
        var seed = new Option<int>("--seed") { Description = "Seed: the same options give the same file", DefaultValueFactory = _ => defaults.Seed };
        var funnelBreaks = new Option<double>("--funnel-breaks") { Description = "impressions shape: share of carts logged without their click and of purchases without their cart (a broken funnel in the log)" };
        var command = new Command("generate",
            "Write a synthetic event log from a planted click → cart → purchase funnel.\n\n"
            + "Examples:\n  mtlds generate --out data/generated.csv --users 2000 --items 5000 --periods 10 --seed 7\n"
            + "  mtlds generate --shape taobao --events 1000000 --out data/taobao-shaped.csv")
        {
            outFile, shape, events, users, items, categories, periods, impressions, seed, funnelBreaks,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var path = parse.GetValue(outFile)!;
            SyntheticLogGenerator.Result r;
            if (parse.GetValue(shape) == "taobao")
            {
                if (parse.GetValue(funnelBreaks) != 0)
                    throw new Pipelines.ConfigurationException("generate: --funnel-breaks is for --shape impressions");
                if (parse.GetResult(impressions) is { Implicit: false })
                    throw new Pipelines.ConfigurationException("generate: --impressions is for --shape impressions; a taobao-shaped log has none");
                var o = parse.GetValue(events) is { } n ? TaobaoShapeOptions.ForEvents(n) : new TaobaoShapeOptions();
                o = o with
                {
                    Users = parse.GetValue(users) ?? o.Users,
                    Items = parse.GetValue(items) ?? o.Items,
                    Categories = parse.GetValue(categories) ?? o.Categories,
                    Periods = parse.GetValue(periods) ?? o.Periods,
                    Seed = parse.GetValue(seed),
                };
                r = new TaobaoShapedLogGenerator(o).Write(path);
                CliRunner.Out.MarkupLine(
                    $"[green]generate[/] {Markup.Escape(path)}: {r.Events:N0} events, Taobao form, no impressions ({o.Users:N0} users, "
                    + $"{o.Items:N0} items, {o.Categories:N0} categories; {r.Clicks:N0} pv, {r.Carts:N0} cart, {r.Favs:N0} fav, {r.Purchases:N0} buy)");
                return 0;
            }
            if (parse.GetValue(events) is not null)
                throw new Pipelines.ConfigurationException("generate: --events is for --shape taobao; size an impressions log with --users and --impressions");
            r = new SyntheticLogGenerator(new GeneratorOptions
            {
                Users = parse.GetValue(users) ?? defaults.Users,
                Items = parse.GetValue(items) ?? defaults.Items,
                Categories = parse.GetValue(categories) ?? defaults.Categories,
                Periods = parse.GetValue(periods) ?? defaults.Periods,
                ImpressionsPerPeriod = parse.GetValue(impressions),
                Seed = parse.GetValue(seed),
                FunnelBreaks = parse.GetValue(funnelBreaks),
            }).Write(path);
            CliRunner.Out.MarkupLine(
                $"[green]generate[/] {Markup.Escape(path)}: {r.Events:N0} events ({r.Impressions:N0} impressions, "
                + $"{r.Clicks:N0} clicks, {r.Carts:N0} carts, {r.Favs:N0} favs, {r.Purchases:N0} purchases)");
            return 0;
        }));
        return command;
    }
}
