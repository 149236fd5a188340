using System.CommandLine;

namespace Mtlds.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand(
            "mtlds: raw e-commerce event logs → click/cart/purchase label sequences and point-in-time features → "
            + "MTLDS (multi-task learning with differentiable sorting) → scores in files or PostgreSQL.");
        return root.Parse(args).Invoke();
    }
}
