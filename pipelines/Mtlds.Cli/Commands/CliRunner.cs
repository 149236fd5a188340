using Mtlds.Pipelines;
using Spectre.Console;

namespace Mtlds.Cli.Commands;

/// Turns the failures a user can fix into one line on stderr and an exit code; bugs still crash loudly.
internal static class CliRunner
{
    public const int BadOption = 2;
    public const int BadInput = 3;
    public const int DatabaseUnavailable = 4;
    public const int OutputFailed = 5;

    public static int Run(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (DiskFull(e) is { } cause)
        {
            // Every output is written under a temporary name first, so nothing half-written remains.
            Console.Error.WriteLine($"mtlds: error: could not write the output, the disk is full ({OneLine(cause)}); free space or write elsewhere");
            return OutputFailed;
        }
        catch (ConfigurationException e)
        {
            Console.Error.WriteLine($"mtlds: error: {e.Message}");
            return BadOption;
        }
        catch (InputException e)
        {
            Console.Error.WriteLine($"mtlds: error: {e.Message}");
            return BadInput;
        }
        catch (Pipelines.Postgres.PostgresUnavailableException e)
        {
            Console.Error.WriteLine($"mtlds: error: {OneLine(e.Message)}");
            return DatabaseUnavailable;
        }
        catch (Npgsql.NpgsqlException e)
        {
            // Server messages never carry the connection string; they can span lines.
            Console.Error.WriteLine($"mtlds: error: PostgreSQL: {OneLine(e.Message)}");
            return DatabaseUnavailable;
        }
    }

    /// ENOSPC anywhere in the chain (an IOException, or DuckDB's own error wrapped by a step): its message.
    private static string? DiskFull(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is IOException { HResult: 28 } || e.Message.Contains("No space left on device", StringComparison.Ordinal)) return e.Message;
        return null;
    }

    /// Server messages can span lines; a scheduler's log wants one.
    private static string OneLine(string message) => string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));

    /// Spectre's console on stdout. Redirected (a scheduler's log file), it writes plain text: no ANSI escape
    /// codes whatever TERM says, no spinner redrawing its line, and a wide fixed width so that tables do not
    /// wrap at 80 columns; each step still prints its one line with its figures.
    public static IAnsiConsole Out { get; } = CreateConsole(Console.IsOutputRedirected);

    internal static IAnsiConsole CreateConsole(bool redirected)
    {
        var console = AnsiConsole.Create(redirected
            ? new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(Console.Out), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
            }
            : new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (redirected) console.Profile.Width = 160;
        return console;
    }
}
