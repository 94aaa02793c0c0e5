using System.Text.Json;
using DevAddr.Core;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;

namespace DevAddr.Cli.Tests;

/// <summary><c>devaddr plan</c> through the real root command.</summary>
public sealed class PlanCommandTests
{
    private const string DoublePci = """
        { "machine": { "arch": "x86_64", "type": "pc" },
          "devices": [ { "id": "nic-a", "kind": "interface", "model": "virtio", "address": { "type": "pci", "bus": 0, "slot": 3 } },
                       { "id": "nic-b", "kind": "interface", "model": "e1000", "address": { "type": "pci", "bus": 0, "slot": 3 } } ] }
        """;

    [Theory]
    [InlineData("q35-basic.json")]
    [InlineData("pc-basic.yaml")]
    [InlineData("aarch64-virt.json")]
    public void Plan_ExampleToStdout_PrintsThePlannersPlan(string example)
    {
        var result = CliRun.Run("plan", CliRun.Example(example));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Error);
        var (request, _) = PlanJson.ReadRequest(File.ReadAllText(CliRun.Example(example)), example.EndsWith(".yaml", StringComparison.Ordinal));
        var expected = Assert.IsType<PlanResult.Success>(AddressPlanner.Plan(request!)).Plan;
        Assert.Equal(PlanJson.Serialize(expected), result.Output);
        Assert.Empty(CliRun.SchemaErrors("plan", result.Output));
    }

    [Fact]
    public void Plan_WithOutputFile_WritesTheFileAndNothingToStdout()
    {
        using var dir = new TempDirectory();
        string planFile = dir.File("plan.json");

        var result = CliRun.Run("plan", CliRun.Example("q35-basic.json"), "-o", planFile);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Output);
        Assert.Equal(CliRun.Run("plan", CliRun.Example("q35-basic.json")).Output, File.ReadAllText(planFile));
        Assert.Equal(["plan.json"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Plan_OutputFileExists_IsReplacedWhole()
    {
        using var dir = new TempDirectory();
        string planFile = dir.File("plan.json");
        File.WriteAllText(planFile, new string('x', 100_000));

        var result = CliRun.Run("plan", CliRun.Example("pc-basic.yaml"), "--output", planFile);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(CliRun.Run("plan", CliRun.Example("pc-basic.yaml")).Output, File.ReadAllText(planFile));
    }

    [Fact]
    public void Plan_ConflictingAddresses_ExitsTwoNamesRuleAndDeviceAndWritesNoFile()
    {
        using var dir = new TempDirectory();
        string request = dir.File("request.json");
        File.WriteAllText(request, DoublePci);
        string planFile = dir.File("plan.json");

        var result = CliRun.Run("plan", request, "-o", planFile);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Output);
        Assert.Equal("devaddr: error [address-conflict/pci-address-unique] device 'nic-b': Attempted double use of PCI Address 0000:00:03.0\n",
            result.Error.ReplaceLineEndings("\n"));
        Assert.False(File.Exists(planFile));
        Assert.Equal(["request.json"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Plan_MalformedRequest_ExitsTwoWithThePlaceOfTheError()
    {
        using var dir = new TempDirectory();
        string request = dir.File("request.json");
        File.WriteAllText(request, """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": [ { "id": "a", "kind": "disk", "tagret": "vda" } ] }""");

        var result = CliRun.Run("plan", request, "-o", dir.File("plan.json"));

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("devaddr: error [invalid-input/well-formed]", result.Error, StringComparison.Ordinal);
        Assert.Contains("$.devices[0].tagret", result.Error, StringComparison.Ordinal);
        Assert.Equal(["request.json"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Plan_NoFreePlace_ExitsThree()
    {
        using var dir = new TempDirectory();
        string request = dir.File("request.yaml");
        File.WriteAllText(request, "machine: { arch: x86_64, type: q35 }\nmemorySlots: 1\ndevices:\n  - { id: m0, kind: memory, model: dimm }\n  - { id: m1, kind: memory, model: dimm }\n");

        var result = CliRun.Run("plan", request, "-o", dir.File("plan.json"));

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("[no-space/dimm-free-slot] device 'm1'", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("plan.json")));
    }

    [Fact]
    public void Plan_JsonErrors_PrintsOneErrorObjectOnStderr()
    {
        using var dir = new TempDirectory();
        string request = dir.File("request.json");
        File.WriteAllText(request, DoublePci);

        var result = CliRun.Run("plan", request, "--json-errors");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Output);
        using var doc = JsonDocument.Parse(result.Error);
        Assert.Equal("address-conflict", doc.RootElement.GetProperty("code").GetString());
        Assert.Equal("pci-address-unique", doc.RootElement.GetProperty("rule").GetString());
        Assert.Equal("nic-b", doc.RootElement.GetProperty("deviceId").GetString());
        Assert.Contains("0000:00:03.0", doc.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(CliRun.SchemaErrors("plan", result.Error, "error"));
    }

    [Fact]
    public void Plan_JsonErrorsOnUnreadableRequest_PrintsAnErrorObject()
    {
        using var dir = new TempDirectory();
        string request = dir.File("request.json");
        File.WriteAllText(request, "{ \"machine\": ");

        var result = CliRun.Run("plan", request, "--json-errors");

        Assert.Equal(2, result.ExitCode);
        using var doc = JsonDocument.Parse(result.Error);
        Assert.Equal("invalid-input", doc.RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public void Plan_MissingRequestFile_ExitsTwoNamingTheFile()
    {
        using var dir = new TempDirectory();

        var result = CliRun.Run("plan", dir.File("nope.json"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("nope.json' does not exist", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_OutputDirectoryMissing_FailsAndLeavesNoTemporaryFile()
    {
        using var dir = new TempDirectory();

        var result = CliRun.Run("plan", CliRun.Example("q35-basic.json"), "-o", Path.Combine(dir.Path, "missing", "plan.json"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("cannot write", result.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Plan_NoArgument_IsAUsageError()
    {
        var result = CliRun.Run("plan");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Required argument missing for command: 'plan'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_OptimizeScenario_WritesPlanWithSolverReport()
    {
        string scenario = Path.Combine(CliRun.Root, "fixtures", "scenarios", "multifunction-group.json");

        var result = CliRun.Run("plan", scenario);

        Assert.Equal(0, result.ExitCode);
        using var doc = JsonDocument.Parse(result.Output);
        Assert.Equal("optimal", doc.RootElement.GetProperty("solver").GetProperty("status").GetString());
        Assert.Empty(CliRun.SchemaErrors("plan", result.Output));
    }

    [Fact]
    public void Plan_ConflictingHardTunables_ExitsThreeWithInfeasible()
    {
        string scenario = Path.Combine(CliRun.Root, "fixtures", "scenarios", "conflicting-requirements.json");

        var result = CliRun.Run("plan", scenario, "--json-errors");

        Assert.Equal(3, result.ExitCode);
        using var doc = JsonDocument.Parse(result.Error);
        Assert.Equal("infeasible", doc.RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public void Plan_WithPrior_KeepsAddressesAndReportsStability()
    {
        using var dir = new TempDirectory();
        string priorFile = dir.File("prior.json");
        Assert.Equal(0, CliRun.Run("plan", CliRun.Example("q35-basic.json"), "-o", priorFile).ExitCode);
        string request = dir.File("request.json");
        File.WriteAllText(request, File.ReadAllText(CliRun.Example("q35-basic.json")).Replace(
            """{ "id": "legacy-nic", "kind": "interface", "model": "e1000" },""", "", StringComparison.Ordinal));

        var result = CliRun.Run("plan", request, "--prior", priorFile);

        Assert.Equal(0, result.ExitCode);
        using var doc = JsonDocument.Parse(result.Output);
        Assert.Equal("legacy-nic", doc.RootElement.GetProperty("stability").GetProperty("removed")[0].GetString());
        Assert.Empty(CliRun.SchemaErrors("plan", result.Output));
    }
}
