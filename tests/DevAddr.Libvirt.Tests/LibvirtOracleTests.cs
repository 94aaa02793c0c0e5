using System.Diagnostics;
using DevAddr.Libvirt.Tests.Oracle;
using Xunit.Abstractions;

namespace DevAddr.Libvirt.Tests;

/// <summary>The repository's own oracle tool against the corpus it must reproduce.</summary>
public sealed class LibvirtOracleTests(ITestOutputHelper output)
{
    [Fact]
    public void RepoPaths_FromTestAssembly_FindsTheRepositoryTools()
    {
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, "DevAddr.Solver.sln")));
        Assert.True(File.Exists(RepoPaths.OracleTool), RepoPaths.OracleTool);
        Assert.True(Directory.Exists(RepoPaths.CorpusInput), RepoPaths.CorpusInput);
        Assert.True(Directory.Exists(RepoPaths.ArchesCorpusInput), RepoPaths.ArchesCorpusInput);
    }

    [LibvirtOracleFact]
    public void ExpandDirectory_Libvirt90Corpus_ReproducesTheExpectedFilesByteForByte() =>
        ReproducesByteForByte("the libvirt 9.0 corpus", RepoPaths.CorpusInput, RepoPaths.CorpusExpected);

    [LibvirtOracleFact]
    public void ExpandDirectory_Libvirt90ArchesCorpus_ReproducesTheExpectedFilesByteForByte() =>
        ReproducesByteForByte("the libvirt 9.0 arches corpus", RepoPaths.ArchesCorpusInput, RepoPaths.ArchesCorpusExpected);

    [Libvirt11OracleFact]
    public void ExpandDirectory_Libvirt113Corpus_ReproducesTheExpectedFilesByteForByte()
    {
        Libvirt11OracleFactAttribute.RequireOracle();
        ReproducesByteForByte("the libvirt 11.3 corpus", RepoPaths.CorpusInput, RepoPaths.Corpus113Expected,
            "libvirt-expand-11", LibvirtOracle11.ExpandDirectory);
    }

    private void ReproducesByteForByte(string corpus, string input, string expected) =>
        ReproducesByteForByte(corpus, input, expected, "libvirt-expand", (i, o) =>
        {
            LibvirtOracleFactAttribute.RequireOracle();
            return LibvirtOracle.ExpandDirectory(i, o);
        });

    private void ReproducesByteForByte(string corpus, string input, string expected, string tool, Func<string, string, int> expand)
    {
        using var dirs = new TempDirectory();
        string actual = dirs.Sub("actual");

        var clock = Stopwatch.StartNew();
        int written = expand(input, actual);
        ReportWriter.Note(output, $"{tool}: {written} cases in {clock.Elapsed.TotalSeconds:F1} s");
        var report = DomainComparer.CompareDirectories(expected, actual);
        ReportWriter.Publish(output, $"oracle self-check: tools/oracle/{tool} vs {corpus}", report);

        var expectedFiles = Directory.EnumerateFiles(expected).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(expectedFiles);
        Assert.Equal(expectedFiles, Directory.EnumerateFiles(actual).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var differing = expectedFiles
            .Where(f => !File.ReadAllBytes(Path.Combine(expected, f!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, f!))))
            .ToList();
        Assert.True(differing.Count == 0, "differ from the corpus: " + string.Join(", ", differing));
        Assert.Equal(0, report.Failed);
    }
}
