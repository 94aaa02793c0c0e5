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
    }

    [LibvirtOracleFact]
    public void ExpandDirectory_Libvirt90Corpus_ReproducesTheExpectedFilesByteForByte()
    {
        LibvirtOracleFactAttribute.RequireOracle();
        using var dirs = new TempDirectory();
        string actual = dirs.Sub("actual");

        var clock = Stopwatch.StartNew();
        int written = LibvirtOracle.ExpandDirectory(RepoPaths.CorpusInput, actual);
        ReportWriter.Note(output, $"libvirt-expand: {written} cases in {clock.Elapsed.TotalSeconds:F1} s");
        var report = DomainComparer.CompareDirectories(RepoPaths.CorpusExpected, actual);
        ReportWriter.Publish(output, "oracle self-check: tools/oracle/libvirt-expand vs the libvirt 9.0 corpus", report);

        var expectedFiles = Directory.EnumerateFiles(RepoPaths.CorpusExpected).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expectedFiles, Directory.EnumerateFiles(actual).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var differing = expectedFiles
            .Where(f => !File.ReadAllBytes(Path.Combine(RepoPaths.CorpusExpected, f!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, f!))))
            .ToList();
        Assert.True(differing.Count == 0, "differ from the corpus: " + string.Join(", ", differing));
        Assert.Equal(0, report.Failed);
    }
}
