namespace DevAddr.Cli.Tests;

/// <summary><c>devaddr models</c> through the real root command.</summary>
public sealed class ModelsCommandTests
{
    [Fact]
    public void Models_ListsMachineTypesControllersAndDeviceModels()
    {
        var result = CliRun.Run("models");

        Assert.Equal(0, result.ExitCode);
        foreach (var text in new[] { "Machine types", "q35", "pc-i440fx-*", "virt", "aarch64", "PCI controller models", "pcie-root-port", "Device models", "qemu-xhci", "e1000" })
            Assert.Contains(text, result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Models_ListsEveryPolicyVersion_MarkingTheNewest()
    {
        var result = CliRun.Run("models");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Policies", result.Output, StringComparison.Ordinal);
        foreach (var v in DevAddr.Core.Model.PolicyVersions.All)
            Assert.Matches($@"\W{v.Policy}\W+{System.Text.RegularExpressions.Regex.Escape(v.Version)}\W+(yes|no)\W", result.Output);
    }
}
