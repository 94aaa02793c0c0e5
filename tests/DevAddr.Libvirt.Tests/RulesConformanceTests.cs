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
        ["x3-v01-bus1"] = "a virtio-serial controller has bus 0 only",
        ["x3-v04-bus2-ctl1"] = "a virtio-serial controller has bus 0 only",
    };

    [Fact]
    public void ExpandDirectory_RulesCorpus_MatchesLibvirtExceptTheGuestsQemuCannotStart()
    {
        using var dirs = new TempDirectory();
        string actual = dirs.Sub("actual");

        int expanded = LibvirtExpander.ExpandDirectory(Input, actual, Oracle90.Policy, null);
        var report = DomainComparer.CompareDirectories(Expected, actual);
        ReportWriter.Publish(output, $"rules: LibvirtExpander vs libvirt 9.0 on {report.Cases.Count} hand-written guests", report);

        Assert.Equal(Directory.EnumerateFiles(Input, "*.xml").Count(), expanded);
        var failed = report.Cases.Where(c => !c.Passed).Select(c => c.Name).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Refused.Keys.Order(StringComparer.Ordinal), failed);
        foreach (var (name, reason) in Refused)
        {
            string error = File.ReadAllText(Path.Combine(actual, name + ".error"));
            Assert.Contains(reason, error, StringComparison.Ordinal);
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

/// <summary>
/// fixtures/conformance/libvirt-versions: hand-written guests that tell libvirt 9.0 and 11.3 apart, expanded under the
/// libvirt policy of each release and compared with that release's output; with the live oracles, each release still
/// gives those outputs.
/// </summary>
public sealed class VersionRulesTests(ITestOutputHelper output)
{
    private static string Input => Path.Combine(RepoPaths.VersionRules, "input");

    private static string Expected(string release) => Path.Combine(RepoPaths.VersionRules, "expected-" + release);

    [Theory]
    [InlineData("9.0")]
    [InlineData("11.3")]
    public void ExpandDirectory_VersionRules_MatchThatRelease(string release)
    {
        using var dirs = new TempDirectory();
        string actual = dirs.Sub("actual");

        LibvirtExpander.ExpandDirectory(Input, actual, new Core.Model.PolicySpec { Version = release }, null);
        var report = DomainComparer.CompareDirectories(Expected(release), actual);
        ReportWriter.Publish(output, $"version rules: LibvirtExpander --libvirt {release} vs libvirt {release} on {report.Cases.Count} guests", report);

        Assert.Equal(0, report.Failed);
    }

    [Fact]
    public void VersionRules_TheReleasesDifferOnTheseGuests()
    {
        var report = DomainComparer.CompareDirectories(Expected("9.0"), Expected("11.3"));

        // Most guests were written to show a difference; some confirm the releases agree.
        Assert.InRange(report.Failed, 40, report.Cases.Count);
    }

    [LibvirtOracleFact]
    public void LiveLibvirt90_VersionRules_StillGivesTheExpectedFiles()
    {
        LibvirtOracleFactAttribute.RequireOracle();
        using var dirs = new TempDirectory();
        string actual = dirs.Sub("actual");

        LibvirtOracle.ExpandDirectory(Input, actual);

        Assert.Equal(0, DomainComparer.CompareDirectories(Expected("9.0"), actual).Failed);
    }

    [Libvirt11OracleFact]
    public void LiveLibvirt113_VersionRules_StillGivesTheExpectedFiles()
    {
        Libvirt11OracleFactAttribute.RequireOracle();
        using var dirs = new TempDirectory();
        string actual = dirs.Sub("actual");

        LibvirtOracle11.ExpandDirectory(Input, actual);

        Assert.Equal(0, DomainComparer.CompareDirectories(Expected("11.3"), actual).Failed);
    }
}
