using System.CommandLine;
using Mtlds.Pipelines.Runs;

namespace Mtlds.Cli.Commands;

/// `mtlds config show`: the resolved config (file, then --set overrides, then defaults) as YAML.
internal static class ConfigCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "YAML config file" };
        var set = new Option<string[]>("--set") { Description = "Override one setting: section.key=value (repeatable)" };
        var show = new Command("show",
            "Print the resolved config of mtlds run: every key of every step with its value.\n\n"
            + "Example:\n  mtlds config show --config mtlds.yaml --set train.tau=0.5")
        {
            config, set,
        };
        show.SetAction(parse => CliRunner.Run(() =>
        {
            var resolved = PipelineConfigFile.Load(parse.GetValue(config), parse.GetValue(set) ?? [], requireInputs: false);
            Console.Write(PipelineConfigFile.Write(resolved));
            return 0;
        }));
        return new Command("config", "Inspect the configuration of mtlds run.") { show };
    }
}
