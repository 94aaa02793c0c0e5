using System.CommandLine;

namespace DevAddr.Cli.Tests;

/// <summary>--help of the root command and of every (sub)command.</summary>
public sealed class HelpTests
{
    public static TheoryData<string> CommandPaths()
    {
        var paths = new TheoryData<string>();
        void Walk(Command command, string prefix)
        {
            foreach (var sub in command.Subcommands)
            {
                string path = (prefix + " " + sub.Name).Trim();
                paths.Add(path);
                Walk(sub, path);
            }
        }
        paths.Add("");
        Walk(DevAddrCli.BuildRoot(), "");
        return paths;
    }

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
