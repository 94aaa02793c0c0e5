namespace DevAddr.Cli.Tests;

/// <summary>
/// Budget overruns of the default policy (which, like libvirt, ignores the budgets) are warnings: the plan is made,
/// carries them in <c>warnings</c>, matches the plan schema, and <c>devaddr validate</c> reports them and exits 0.
/// </summary>
public sealed class PlanWarningTests
{
    private const string FourQxlOnPc = """
        {"machine": {"arch": "x86_64", "type": "pc"}, "devices": [
          {"id": "v0", "kind": "video", "model": "qxl"}, {"id": "v1", "kind": "video", "model": "qxl"},
          {"id": "v2", "kind": "video", "model": "qxl"}, {"id": "v3", "kind": "video", "model": "qxl"}]}
        """;

    [Fact]
    public void Plan_BarsBeyondThe32BitHole_PlannedWithAWarningAndValidExit0()
    {
        using var dir = new TempDirectory();
        string request = Path.Combine(dir.Path, "qxl.json"), plan = Path.Combine(dir.Path, "plan.json");
        File.WriteAllText(request, FourQxlOnPc);

        var planned = CliRun.Run("plan", request, "-o", plan);
        Assert.Equal(0, planned.ExitCode);
        string json = File.ReadAllText(plan);
        Assert.Empty(CliRun.SchemaErrors("plan", json));
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var warning = Assert.Single(doc.RootElement.GetProperty("warnings").EnumerateArray());
        Assert.Equal("mmio32-budget", warning.GetProperty("rule").GetString());
        Assert.Equal("warning", warning.GetProperty("severity").GetString());
        Assert.Contains("512 MiB", warning.GetProperty("message").GetString());

        var validated = CliRun.Run("validate", plan);
        Assert.Equal(0, validated.ExitCode);
        Assert.StartsWith("warning: mmio32-budget: ", validated.Output);
    }

    [Fact]
    public void Plan_WithinBudgets_HasNoWarningsMember()
    {
        var planned = CliRun.Run("plan", CliRun.Example("q35-basic.json"));
        Assert.Equal(0, planned.ExitCode);
        Assert.DoesNotContain("\"warnings\"", planned.Output);
    }

    [Fact]
    public void Validate_Errors_ExitsTwo()
    {
        var result = CliRun.Run("validate", Path.Combine(CliRun.Root, "fixtures", "broken", "pci-address-unique.json"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("pci-address-unique: ", result.Output);
    }
}
