using System.CommandLine;
using Mtlds.Cli.Commands;

namespace Mtlds.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand(
            "mtlds: raw e-commerce event logs → click/cart/purchase label sequences and point-in-time features → "
            + "MTLDS (multi-task learning with differentiable sorting) → scores in files or PostgreSQL.\n\n"
            + "Exit codes: 0 success, 1 unexpected failure, 2 bad option or config, 3 bad input, 4 PostgreSQL unreachable or failed mid-run, 5 output could not be written (disk full).")
        {
            FeaturesCommand.Create(),
            GenerateCommand.Create(),
            TrainCommand.Create(),
            ScoreCommand.Create(),
            EvaluateCommand.Create(),
            RunsCommand.Create(),
            RunCommand.Create(),
            ConfigCommand.Create(),
            ExperimentCommand.Create(),
            BenchCommand.Create(),
        };
        return root.Parse(args).Invoke();
    }
}
