using DevAddr.Libvirt.Tests.Oracle;
using Xunit.Abstractions;

namespace DevAddr.Libvirt.Tests;

/// <summary>
/// <see cref="LibvirtExpander"/> against the libvirt 9.0 conformance corpus (fixtures/conformance/libvirt-9.0:
/// 500 guests and what real libvirt made of them, 20 of them errors).
/// </summary>
public sealed class ConformanceTests(ConformanceTests.CorpusExpansion corpus, ITestOutputHelper output)
    : IClassFixture<ConformanceTests.CorpusExpansion>
{
    private const double RequiredPassRate = 0.98;

    [Fact]
    public void ExpandDirectory_Libvirt90Corpus_MatchesLibvirtInAtLeast98Percent()
    {
        var run = corpus.Run.Value;
        ReportWriter.Publish(output, $"conformance: LibvirtExpander vs libvirt 9.0 corpus ({run.Report.Cases.Count} cases)", run.Report);

        Assert.Equal(Directory.EnumerateFiles(RepoPaths.CorpusInput, "*.xml").Count(), run.Expanded);
        Assert.True(
            run.Report.PassRate >= RequiredPassRate,
            $"pass rate {run.Report.PassRate:P1} is below {RequiredPassRate:P0}: {run.Report.Summary}");
    }

    [Fact]
    public void ExpandDirectory_Libvirt90Corpus_RejectsEveryCaseLibvirtRejects()
    {
        var run = corpus.Run.Value;
        var expectedErrors = Directory.EnumerateFiles(RepoPaths.CorpusExpected, "*.error")
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

    /// <summary>One expansion of the corpus, shared by the tests of this class (and deleted after them).</summary>
    public sealed class CorpusExpansion : IDisposable
    {
        private readonly TempDirectory temp = new();

        public CorpusExpansion() => Run = new(() =>
        {
            string outDir = temp.Sub("actual");
            int expanded = LibvirtExpander.ExpandDirectory(RepoPaths.CorpusInput, outDir);
            return new CorpusRun(expanded, outDir, DomainComparer.CompareDirectories(RepoPaths.CorpusExpected, outDir));
        });

        /// <summary>Runs on first use; an expander failure surfaces in each test that reads it.</summary>
        internal Lazy<CorpusRun> Run { get; }

        public void Dispose() => temp.Dispose();
    }

    internal sealed record CorpusRun(int Expanded, string OutputDir, ComparisonReport Report);
}
