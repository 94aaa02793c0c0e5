using System.Diagnostics;
using DevAddr.Libvirt.Tests.Oracle;
using Xunit.Abstractions;

namespace DevAddr.Libvirt.Tests;

/// <summary>
/// <see cref="LibvirtExpander"/> against live libvirt on guests the corpus does not hold: fresh
/// <see cref="CaseGenerator"/> cases for every profile, expanded by both and compared.
/// </summary>
public sealed class DifferentialTests(ITestOutputHelper output)
{
    private const double RequiredPassRate = 0.98;

    private const int CasesPerProfile = 100;

    /// <summary>Fixed seeds of our own generator (the corpus came from another one), one per profile.</summary>
    private static readonly (ulong Seed, CaseProfile Profile)[] Batches =
    [
        (9101, CaseProfile.Dev),
        (9102, CaseProfile.Wide),
        (9103, CaseProfile.Breadth),
    ];

    [LibvirtOracleFact]
    public void ExpandDirectory_FreshGeneratedCases_MatchLiveLibvirtInAtLeast98Percent()
    {
        LibvirtOracleFactAttribute.RequireOracle();
        using var work = new TempDirectory();
        string input = work.Sub("input"), expected = work.Sub("expected"), actual = work.Sub("actual");
        int generated = Batches.Sum(b => CaseGenerator.WriteDirectory(input, b.Seed, CasesPerProfile, b.Profile));

        var clock = Stopwatch.StartNew();
        int fromLibvirt = LibvirtOracle.ExpandDirectory(input, expected);
        var oracleTime = clock.Elapsed;
        clock.Restart();
        int fromUs = LibvirtExpander.ExpandDirectory(input, actual);
        var expanderTime = clock.Elapsed;

        var report = DomainComparer.CompareDirectories(expected, actual);
        ReportWriter.Note(output, $"libvirt-expand {oracleTime.TotalSeconds:F1} s, LibvirtExpander {expanderTime.TotalSeconds:F1} s");
        string seeds = string.Join(", ", Batches.Select(b => $"{b.Profile.ToString().ToLowerInvariant()} seed {b.Seed}"));
        ReportWriter.Publish(output, $"differential: LibvirtExpander vs live libvirt on {generated} generated cases ({seeds})", report);

        Assert.Equal(generated, fromLibvirt);
        Assert.Equal(generated, fromUs);
        Assert.True(
            report.PassRate >= RequiredPassRate,
            $"pass rate {report.PassRate:P1} is below {RequiredPassRate:P0}: {report.Summary}");
    }
}
