using DevAddr.Libvirt.Tests.Oracle;
using Xunit.Abstractions;

namespace DevAddr.Libvirt.Tests;

/// <summary>
/// <see cref="LibvirtExpander"/> against the libvirt 9.0 conformance corpora: fixtures/conformance/libvirt-9.0 (500
/// guests and what real libvirt made of them, 20 of them errors) and fixtures/conformance/libvirt-9.0-arches (300
/// guests of the other architectures: ppc64 pseries, s390x, riscv64, armv7l, aarch64 virtio-mmio; 10 errors), and the
/// libvirt 11.3 corpus (fixtures/conformance/libvirt-11.3: the same 500 guests and what libvirt 11.3 made of them, 50
/// errors) under the libvirt 11.3 policy.
/// </summary>
public sealed class ConformanceTests(
    ConformanceTests.CorpusExpansion corpus, ConformanceTests.ArchesCorpusExpansion archesCorpus,
    ConformanceTests.Corpus113Expansion corpus113, ITestOutputHelper output)
    : IClassFixture<ConformanceTests.CorpusExpansion>, IClassFixture<ConformanceTests.ArchesCorpusExpansion>,
      IClassFixture<ConformanceTests.Corpus113Expansion>
{
    /// <summary>The libvirt 11.3 policy.</summary>
    internal static readonly Core.Model.PolicySpec Libvirt113 = new() { Version = "11.3" };

    private const double RequiredPassRate = 0.98;

    /// <summary>What the arches corpus must reach.</summary>
    private const double ArchesRequiredPassRate = 0.99;

    [Fact]
    public void ExpandDirectory_Libvirt90Corpus_MatchesLibvirtInAtLeast98Percent() =>
        MatchesLibvirt("libvirt 9.0 corpus", corpus.Run.Value, RequiredPassRate);

    [Fact]
    public void ExpandDirectory_Libvirt90Corpus_RejectsEveryCaseLibvirtRejects() =>
        RejectsEveryCaseLibvirtRejects(corpus.Run.Value);

    [Fact]
    [Trait("Category", DifferentialTests.ArchesCategory)]
    public void ExpandDirectory_Libvirt90ArchesCorpus_MatchesLibvirtInAtLeast99Percent() =>
        MatchesLibvirt("libvirt 9.0 arches corpus", archesCorpus.Run.Value, ArchesRequiredPassRate);

    [Fact]
    public void ExpandDirectory_Libvirt90ArchesCorpus_RejectsEveryCaseLibvirtRejects() =>
        RejectsEveryCaseLibvirtRejects(archesCorpus.Run.Value);

    [Fact]
    public void ExpandDirectory_Libvirt113Corpus_MatchesLibvirt113InAtLeast99Percent() =>
        MatchesLibvirt("libvirt 11.3 corpus", corpus113.Run.Value, ArchesRequiredPassRate);

    [Fact]
    public void ExpandDirectory_Libvirt113Corpus_RejectsEveryCaseLibvirt113Rejects() =>
        RejectsEveryCaseLibvirtRejects(corpus113.Run.Value);

    /// <summary>Publishes the report; every input was expanded, and at least <paramref name="requiredPassRate"/> of the cases pass.</summary>
    private void MatchesLibvirt(string corpusName, CorpusRun run, double requiredPassRate)
    {
        ReportWriter.Publish(output, $"conformance: LibvirtExpander vs {corpusName} ({run.Report.Cases.Count} cases)", run.Report);

        Assert.Equal(Directory.EnumerateFiles(run.InputDir, "*.xml").Count(), run.Expanded);
        Assert.True(
            run.Report.PassRate >= requiredPassRate,
            $"pass rate {run.Report.PassRate:P1} is below {requiredPassRate:P0}: {run.Report.Summary}");
    }

    private static void RejectsEveryCaseLibvirtRejects(CorpusRun run)
    {
        var expectedErrors = Directory.EnumerateFiles(run.ExpectedDir, "*.error")
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .ToList();
        var accepted = expectedErrors
            .Where(name => !File.Exists(Path.Combine(run.OutputDir, name + ".error")))
            .ToList();

        Assert.NotEmpty(expectedErrors);
        Assert.True(accepted.Count == 0, $"libvirt rejects these but LibvirtExpander gave no .error: {string.Join(", ", accepted)}");
    }

    /// <summary>The libvirt 9.0 corpus, expanded once for the tests of this class.</summary>
    public sealed class CorpusExpansion() : Expansion(RepoPaths.CorpusInput, RepoPaths.CorpusExpected);

    /// <summary>The libvirt 11.3 corpus (the 500 inputs of the 9.0 corpus), expanded once under the libvirt 11.3 policy.</summary>
    public sealed class Corpus113Expansion() : Expansion(RepoPaths.CorpusInput, RepoPaths.Corpus113Expected, Libvirt113);

    /// <summary>The libvirt 9.0 arches corpus, expanded once for the tests of this class.</summary>
    public sealed class ArchesCorpusExpansion() : Expansion(RepoPaths.ArchesCorpusInput, RepoPaths.ArchesCorpusExpected);

    /// <summary>One expansion of a corpus, shared by the tests of this class (and deleted after them).</summary>
    public abstract class Expansion : IDisposable
    {
        private readonly TempDirectory temp = new();

        protected Expansion(string inputDir, string expectedDir, Core.Model.PolicySpec? policy = null) => Run = new(() =>
        {
            string outDir = temp.Sub("actual");
            int expanded = LibvirtExpander.ExpandDirectory(inputDir, outDir, policy ?? Oracle90.Policy, null);
            return new CorpusRun(expanded, inputDir, expectedDir, outDir, DomainComparer.CompareDirectories(expectedDir, outDir));
        });

        /// <summary>Runs on first use; an expander failure surfaces in each test that reads it.</summary>
        internal Lazy<CorpusRun> Run { get; }

        public void Dispose()
        {
            temp.Dispose();
            GC.SuppressFinalize(this);
        }
    }

    internal sealed record CorpusRun(int Expanded, string InputDir, string ExpectedDir, string OutputDir, ComparisonReport Report);
}
