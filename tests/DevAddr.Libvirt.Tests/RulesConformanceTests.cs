using DevAddr.Libvirt.Tests.Oracle;
using Xunit.Abstractions;

namespace DevAddr.Libvirt.Tests;

/// <summary>
/// <see cref="LibvirtExpander"/> against fixtures/conformance/libvirt-9.0-rules: hand-written guests that each isolate one
/// libvirt 9.0 rule (pseries spapr-vio and PHBs, s390x CCW and zPCI, virtio-mmio, per-architecture defaults, and the
/// x86 behaviours libvirt's own test guests showed), with what live libvirt made of them.
/// </summary>
public sealed class RulesConformanceTests(ITestOutputHelper output)
{
    private static string Input => Path.Combine(RepoPaths.Root, "fixtures", "conformance", "libvirt-9.0-rules", "input");

    private static string Expected => Path.Combine(RepoPaths.Root, "fixtures", "conformance", "libvirt-9.0-rules", "expected");

    /// <summary>
    /// Guests libvirt 9.0 defines that DevAddr refuses on purpose, because QEMU cannot start them (checked live):
    /// virtio-serial ports on a bus other than 0 (QEMU: "Bus 'virtio-serial0.1' not found").
    /// </summary>
    private static readonly Dictionary<string, string> Refused = new(StringComparer.Ordinal)
    {
        ["x3-v01-bus1"] = "virtio-serial-port-range",
        ["x3-v04-bus2-ctl1"] = "virtio-serial-port-range",
    };

    [Fact]
    public void ExpandDirectory_RulesCorpus_MatchesLibvirtExceptTheGuestsQemuCannotStart()
    {
        using var dirs = new TempDirectory();
        string actual = dirs.Sub("actual");

        int expanded = LibvirtExpander.ExpandDirectory(Input, actual);
        var report = DomainComparer.CompareDirectories(Expected, actual);
        ReportWriter.Publish(output, $"rules: LibvirtExpander vs libvirt 9.0 on {report.Cases.Count} hand-written guests", report);

        Assert.Equal(Directory.EnumerateFiles(Input, "*.xml").Count(), expanded);
        var failed = report.Cases.Where(c => !c.Passed).Select(c => c.Name).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Refused.Keys.Order(StringComparer.Ordinal), failed);
        foreach (var (name, rule) in Refused)
        {
            string error = File.ReadAllText(Path.Combine(actual, name + ".error"));
            Assert.Contains(rule, error, StringComparison.Ordinal);
            Assert.Contains("QEMU", error, StringComparison.Ordinal);
        }
    }

    [LibvirtOracleFact]
    public void LiveLibvirt_RulesCorpus_StillGivesTheExpectedFiles()
    {
        LibvirtOracleFactAttribute.RequireOracle();
        using var dirs = new TempDirectory();
        string actual = dirs.Sub("actual");

        LibvirtOracle.ExpandDirectory(Input, actual);
        var report = DomainComparer.CompareDirectories(Expected, actual);
        ReportWriter.Publish(output, "rules: live libvirt vs fixtures/conformance/libvirt-9.0-rules", report);

        Assert.Equal(0, report.Failed);
    }
}
