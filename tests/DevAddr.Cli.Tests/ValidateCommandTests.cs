using System.Text.Json;
using System.Text.Json.Nodes;

namespace DevAddr.Cli.Tests;

/// <summary><c>devaddr validate</c> through the real root command.</summary>
public sealed class ValidateCommandTests
{
    [Fact]
    public void Validate_PlanMadeByPlan_ExitsZero()
    {
        using var dir = new TempDirectory();
        string plan = dir.File("plan.json");
        Assert.Equal(0, CliRun.Run("plan", CliRun.Example("q35-basic.json"), "-o", plan).ExitCode);

        var result = CliRun.Run("validate", plan);

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("valid: ", result.Output, StringComparison.Ordinal);
        Assert.Equal("", result.Error);
    }

    [Fact]
    public void Validate_HandBrokenPlan_ExitsNonZeroAndNamesTheRule()
    {
        using var dir = new TempDirectory();
        string plan = dir.File("plan.json");
        Assert.Equal(0, CliRun.Run("plan", CliRun.Example("q35-basic.json"), "-o", plan).ExitCode);
        var root = JsonNode.Parse(File.ReadAllText(plan))!;
        var devices = root["devices"]!.AsArray();
        var disk = devices.Single(d => (string?)d!["id"] == "root-disk")!;
        var nic = devices.Single(d => (string?)d!["id"] == "nic0")!;
        nic["address"] = disk["address"]!.DeepClone();
        File.WriteAllText(plan, root.ToJsonString());

        var result = CliRun.Run("validate", plan);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("pci-address-unique", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_HandBrokenPlanAsJson_ListsViolationsAsErrorObjects()
    {
        using var dir = new TempDirectory();
        string plan = dir.File("plan.json");
        Assert.Equal(0, CliRun.Run("plan", CliRun.Example("pc-basic.yaml"), "-o", plan).ExitCode);
        var root = JsonNode.Parse(File.ReadAllText(plan))!;
        var nic = root["devices"]!.AsArray().Single(d => (string?)d!["id"] == "nic0")!;
        nic["address"]!["function"] = 8;
        File.WriteAllText(plan, root.ToJsonString());

        var result = CliRun.Run("validate", plan, "--json");

        Assert.Equal(2, result.ExitCode);
        using var doc = JsonDocument.Parse(result.Output);
        Assert.Contains(doc.RootElement.EnumerateArray(), v => v.GetProperty("rule").GetString() == "pci-function-range");
        foreach (var v in doc.RootElement.EnumerateArray())
            Assert.Empty(CliRun.SchemaErrors("plan", v.GetRawText(), "error"));
    }

    [Fact]
    public void Validate_NotAPlan_ExitsTwo()
    {
        var result = CliRun.Run("validate", CliRun.Example("q35-basic.json"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("invalid-input", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ExpandedLibvirtXml_ExitsZero()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("in"));
        File.WriteAllText(Path.Combine(dir.File("in"), "g.xml"), LibvirtCommandTests.GoodDomain);
        Assert.Equal(0, CliRun.Run("libvirt", "expand", dir.File("in"), dir.File("out")).ExitCode);

        var result = CliRun.Run("validate", Path.Combine(dir.File("out"), "g.xml"));

        Assert.Equal(0, result.ExitCode);
    }
}
