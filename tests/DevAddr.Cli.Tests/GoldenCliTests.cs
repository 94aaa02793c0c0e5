using DevAddr.Core.Serialization;
using DevAddr.Golden;

namespace DevAddr.Cli.Tests;

/// <summary>The golden plans (fixtures/golden/plans) hold for <c>devaddr plan</c> too: its output, or its JSON error object.</summary>
public sealed class GoldenCliTests
{
    [Fact]
    public void PlanCommand_OnEveryGoldenRequest_PrintsItsGoldenPlanOrError()
    {
        var cases = GoldenSet.Cases(CliRun.Root);
        using var dir = new TempDirectory();
        var mismatches = new List<string>();
        foreach (var c in cases)
        {
            string request = Path.Combine(dir.Path, "request.json");
            File.WriteAllText(request, PlanJson.Serialize(c.Request));

            var run = CliRun.Run("plan", request, "--json-errors");

            string printed = run.ExitCode == 0 ? run.Output : run.Error;
            string golden = File.ReadAllText(Path.Combine(GoldenSet.PlansDir(CliRun.Root), c.Path));
            if (GoldenText.Format(printed) != golden) mismatches.Add($"{c.Path} (exit {run.ExitCode})");
        }

        Console.WriteLine($"[golden] devaddr plan: {cases.Count - mismatches.Count} of {cases.Count} golden plans reproduced");
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} golden plans differ from devaddr plan's output: {string.Join(", ", mismatches.Take(20))}");
    }
}
