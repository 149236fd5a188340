using System.CommandLine;
using Mtlds.Pipelines.Generation;
using Spectre.Console;

namespace Mtlds.Cli.Commands;

/// `mtlds generate`: a synthetic canonical log with impressions from a planted funnel.
internal static class GenerateCommand
{
    public static Command Create()
    {
        var defaults = new GeneratorOptions();
        var outFile = new Option<string>("--out") { Description = "CSV file to write (canonical format)", Required = true };
        var users = new Option<int>("--users") { Description = "Users", DefaultValueFactory = _ => defaults.Users };
        var items = new Option<int>("--items") { Description = "Items", DefaultValueFactory = _ => defaults.Items };
        var categories = new Option<int>("--categories") { Description = "Categories", DefaultValueFactory = _ => defaults.Categories };
        var periods = new Option<int>("--periods") { Description = "Days", DefaultValueFactory = _ => defaults.Periods };
        var impressions = new Option<double>("--impressions") { Description = "Mean impressions per user per day", DefaultValueFactory = _ => defaults.ImpressionsPerPeriod };
        var seed = new Option<int>("--seed") { Description = "Seed: the same options give the same file", DefaultValueFactory = _ => defaults.Seed };
        var command = new Command("generate",
            "Write a synthetic event log (canonical CSV with impressions) from a planted click → cart → purchase funnel.\n\n"
            + "Example:\n  mtlds generate --out data/generated.csv --users 2000 --items 5000 --periods 10 --seed 7")
        {
            outFile, users, items, categories, periods, impressions, seed,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var generator = new SyntheticLogGenerator(new GeneratorOptions
            {
                Users = parse.GetValue(users),
                Items = parse.GetValue(items),
                Categories = parse.GetValue(categories),
                Periods = parse.GetValue(periods),
                ImpressionsPerPeriod = parse.GetValue(impressions),
                Seed = parse.GetValue(seed),
            });
            var path = parse.GetValue(outFile)!;
            var r = generator.Write(path);
            CliRunner.Out.MarkupLine(
                $"[green]generate[/] {Markup.Escape(path)}: {r.Events:N0} events ({r.Impressions:N0} impressions, "
                + $"{r.Clicks:N0} clicks, {r.Carts:N0} carts, {r.Favs:N0} favs, {r.Purchases:N0} purchases)");
            return 0;
        }));
        return command;
    }
}
