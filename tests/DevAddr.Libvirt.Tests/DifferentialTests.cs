using System.Diagnostics;
using DevAddr.Libvirt.Tests.Oracle;
using Xunit.Abstractions;

namespace DevAddr.Libvirt.Tests;

/// <summary>
/// <see cref="LibvirtExpander"/> against live libvirt on guests the corpus does not hold: fresh
/// <see cref="CaseGenerator"/> cases for every profile, expanded by both and compared.
/// </summary>
public sealed class DifferentialTests(DifferentialTests.ArchesBatch arches, ITestOutputHelper output)
    : IClassFixture<DifferentialTests.ArchesBatch>
{
    /// <summary>The trait of the tests of the other architectures (<c>dotnet test --filter Category!=arches</c> leaves them out).</summary>
    public const string ArchesCategory = "arches";

    private const double RequiredPassRate = 0.98;

    /// <summary>What the guests of the other architectures must reach (pseries, s390-ccw-virtio, riscv64, armv7l, virtio-mmio).</summary>
    private const double ArchesRequiredPassRate = 0.99;

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
        int fromUs = LibvirtExpander.ExpandDirectory(input, actual, Oracle90.Policy, null);
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

    /// <summary>The same fresh guests (every profile, the other architectures too) against live libvirt 11.3, under its policy.</summary>
    [Libvirt11OracleFact]
    public void ExpandDirectory_FreshGeneratedCases_MatchLiveLibvirt113InAtLeast99Percent()
    {
        Libvirt11OracleFactAttribute.RequireOracle();
        using var work = new TempDirectory();
        string input = work.Sub("input"), expected = work.Sub("expected"), actual = work.Sub("actual");
        int generated = Batches.Sum(b => CaseGenerator.WriteDirectory(input, b.Seed, CasesPerProfile, b.Profile))
                        + CaseGenerator.WriteDirectory(input, ArchesBatch.Seed, CasesPerProfile, CaseProfile.Arches);

        var clock = Stopwatch.StartNew();
        int fromLibvirt = LibvirtOracle11.ExpandDirectory(input, expected);
        var oracleTime = clock.Elapsed;
        clock.Restart();
        int fromUs = LibvirtExpander.ExpandDirectory(input, actual, ConformanceTests.Libvirt113, null);
        ReportWriter.Note(output, $"libvirt-expand-11 {oracleTime.TotalSeconds:F1} s, LibvirtExpander {clock.Elapsed.TotalSeconds:F1} s");
        var report = DomainComparer.CompareDirectories(expected, actual);
        ReportWriter.Publish(output, $"differential: LibvirtExpander --libvirt 11.3 vs live libvirt 11.3 on {generated} generated cases", report);

        Assert.Equal(generated, fromLibvirt);
        Assert.Equal(generated, fromUs);
        Assert.True(report.PassRate >= ArchesRequiredPassRate, $"pass rate {report.PassRate:P1} is below {ArchesRequiredPassRate:P0}: {report.Summary}");
    }

    [LibvirtOracleFact]
    [Trait("Category", ArchesCategory)]
    public void ExpandDirectory_FreshArchesCases_MatchLiveLibvirtInAtLeast99Percent()
    {
        LibvirtOracleFactAttribute.RequireOracle();
        var batch = arches.Expanded.Value;
        using var work = new TempDirectory();
        string actual = work.Sub("actual");

        var clock = Stopwatch.StartNew();
        int fromUs = LibvirtExpander.ExpandDirectory(batch.Input, actual, Oracle90.Policy, null);
        ReportWriter.Note(output, $"libvirt-expand {batch.OracleTime.TotalSeconds:F1} s, LibvirtExpander {clock.Elapsed.TotalSeconds:F1} s");
        var report = DomainComparer.CompareDirectories(batch.Expected, actual);
        ReportWriter.Publish(
            output, $"differential: LibvirtExpander vs live libvirt on {batch.Cases.Count} generated cases (arches seed {ArchesBatch.Seed})", report);

        Assert.Equal(batch.Cases.Count, fromUs);
        Assert.True(
            report.PassRate >= ArchesRequiredPassRate,
            $"pass rate {report.PassRate:P1} is below {ArchesRequiredPassRate:P0}: {report.Summary}");
    }

    /// <summary>The arches batch is a fair test: libvirt rejects exactly the guests the generator meant to be invalid.</summary>
    [LibvirtOracleFact]
    public void GenerateArches_FreshCases_LibvirtRejectsExactlyTheDeliberatelyInvalidOnes()
    {
        LibvirtOracleFactAttribute.RequireOracle();
        var batch = arches.Expanded.Value;

        var rejected = batch.Cases.Where(c => File.Exists(Path.Combine(batch.Expected, c.Name + ".error"))).Select(c => c.Name).ToList();
        var invalid = batch.Cases.Where(c => c.DeliberatelyInvalid).Select(c => c.Name).ToList();

        Assert.Equal(batch.Cases.Count, batch.FromLibvirt);
        Assert.NotEmpty(invalid);
        Assert.Equal(invalid, rejected);
    }

    /// <summary>
    /// The arches batch (<see cref="Seed"/>, <see cref="CaseProfile.Arches"/>, 100 cases) written and expanded by live
    /// libvirt once, on first use, for the tests of this class (and deleted after them).
    /// </summary>
    public sealed class ArchesBatch : IDisposable
    {
        public const ulong Seed = 9104;

        private const int Count = 100;

        private readonly TempDirectory temp = new();

        public ArchesBatch() => Expanded = new(() =>
        {
            string input = temp.Sub("input"), expected = temp.Sub("expected");
            CaseGenerator.WriteDirectory(input, Seed, Count, CaseProfile.Arches);
            var clock = Stopwatch.StartNew();
            int fromLibvirt = LibvirtOracle.ExpandDirectory(input, expected);
            return new ExpandedBatch(CaseGenerator.Generate(Seed, Count, CaseProfile.Arches).ToList(), input, expected, fromLibvirt, clock.Elapsed);
        });

        /// <summary>Runs on first use; an oracle failure surfaces in each test that reads it.</summary>
        internal Lazy<ExpandedBatch> Expanded { get; }

        public void Dispose() => temp.Dispose();
    }

    internal sealed record ExpandedBatch(
        IReadOnlyList<GeneratedCase> Cases, string Input, string Expected, int FromLibvirt, TimeSpan OracleTime);
}
