using System.CommandLine;

namespace DevAddr.Cli.Tests;

/// <summary>--help of the root command and of every (sub)command.</summary>
public sealed class HelpTests
{
    /// <summary>"" (the root) and the path of every (sub)command, e.g. "libvirt expand".</summary>
    private static List<string> Paths()
    {
        var paths = new List<string> { "" };
        void Walk(Command command, string prefix)
        {
            foreach (var sub in command.Subcommands)
            {
                string path = (prefix + " " + sub.Name).Trim();
                paths.Add(path);
                Walk(sub, path);
            }
        }
        Walk(DevAddrCli.BuildRoot(), "");
        return paths;
    }

    public static TheoryData<string> CommandPaths() => [.. Paths()];

    [Theory]
    [MemberData(nameof(CommandPaths))]
    public void Help_EveryCommand_PrintsDescriptionAndUsage(string path)
    {
        string[] args = [.. path.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"];

        var result = CliRun.Run(args);

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}");
        Assert.Contains("Usage:", result.Output, StringComparison.Ordinal);
        Assert.Contains("Description:", result.Output, StringComparison.Ordinal);
        Assert.Equal("", result.Error);
    }

    /// <summary>
    /// The command line is built and run on many threads at once (tests run in parallel, and a host may call it from
    /// several threads): no option, argument or validator is shared between two builds of the command tree.
    /// </summary>
    [Fact]
    public void Help_OnManyThreadsAtOnce_EveryRunSucceeds()
    {
        var paths = Paths();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 400 * paths.Count, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            string path = paths[i % paths.Count];
            var result = CliRun.Run([.. path.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"]);
            if (result.ExitCode != 0) failures.Add($"'{path} --help': exit {result.ExitCode}: {result.Error}");
        });
        Assert.Empty(failures);
    }

    [Fact]
    public void Help_Root_ListsTheMainCommands()
    {
        var result = CliRun.Run("--help");

        foreach (var command in new[] { "plan", "validate", "models", "libvirt" })
            Assert.Contains("  " + command, result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownCommand_IsAUsageError()
    {
        var result = CliRun.Run("plan-everything");

        Assert.Equal(1, result.ExitCode);
        Assert.NotEqual("", result.Error);
    }
}
