using System.Text;
using System.Text.Json;
using CsCheck;
using DevAddr.Cli;
using Xunit.Abstractions;

namespace DevAddr.Robustness.Tests;

/// <summary>
/// The CLI on bad input, through <see cref="DevAddrCli.Run"/> with string writers: a clear message on standard
/// error, a non-zero exit code (2 invalid input, 3 no space), nothing on standard output, and no output file,
/// partial or temporary, left behind; an existing output file is left as it was.
/// </summary>
public sealed class CliRobustnessTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("devaddr-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = DevAddrCli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string Write(string name, string text) => Write(name, new UTF8Encoding(false).GetBytes(text));

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private void AssertNoLeftovers(params string[] except)
    {
        var left = Directory.EnumerateFiles(_dir).Select(Path.GetFileName).Where(f => !except.Contains(f)).ToList();
        Assert.True(left.Count == 0, "files left behind: " + string.Join(", ", left));
    }

    public static TheoryData<string, string> BadRequests() => new()
    {
        { "truncated.json", "{\"machine\": {\"arch\": \"x86_64\", \"type\": \"q35\"}, \"devices\": [{\"id\": \"a\", \"ki" },
        { "wrong-type.json", "{\"machine\": {\"arch\": \"x86_64\", \"type\": \"q35\"}, \"devices\": [{\"id\": 7, \"kind\": \"disk\"}]}" },
        { "unknown-field.json", "{\"machine\": {\"arch\": \"x86_64\", \"type\": \"q35\"}, \"devicez\": []}" },
        { "duplicate-key.json", "{\"machine\": {\"arch\": \"x86_64\", \"type\": \"q35\"}, \"machine\": {\"arch\": \"x86_64\", \"type\": \"pc\"}}" },
        { "duplicate-id.json", "{\"machine\": {\"arch\": \"x86_64\", \"type\": \"q35\"}, \"devices\": [{\"id\": \"a\", \"kind\": \"disk\", \"bus\": \"virtio\", \"target\": \"vda\"}, {\"id\": \"a\", \"kind\": \"rng\"}]}" },
        { "absurd-number.json", "{\"machine\": {\"arch\": \"x86_64\", \"type\": \"q35\"}, \"devices\": [{\"id\": \"a\", \"kind\": \"controller\", \"type\": \"pci\", \"index\": 1e400}]}" },
        { "huge-index.json", "{\"machine\": {\"arch\": \"x86_64\", \"type\": \"q35\"}, \"devices\": [{\"id\": \"a\", \"kind\": \"controller\", \"type\": \"scsi\", \"index\": 2147483647}]}" },
        { "deep.json", InputMutators.DeepJson(100_000) },
        { "empty.json", "" },
        { "deep.yaml", InputMutators.DeepYamlFlow(100_000) },
        { "laughs.yaml", InputMutators.YamlLaughs(9) },
        { "two-docs.yaml", "machine: {arch: x86_64, type: pc}\n---\nmachine: {arch: x86_64, type: q35}\n" },
        { "unknown-machine.yaml", "machine: {arch: x86_64, type: isapc}\n" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void Plan_BadRequest_ExitsNonZeroWithClearErrorAndNoOutputFile(string name, string text)
    {
        string input = Write(name, text);
        string outFile = Path.Combine(_dir, "plan.json");

        var (code, stdout, stderr) = Cli("plan", input, "-o", outFile);

        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.StartsWith("devaddr: error [", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        AssertNoLeftovers(name);
        output.WriteLine($"{name}: {stderr.Trim()}");
    }

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void Plan_BadRequestWithJsonErrors_PrintsOneErrorObject(string name, string text)
    {
        var (code, stdout, stderr) = Cli("plan", Write(name, text), "--json-errors");

        Assert.Equal(2, code);
        Assert.Empty(stdout);
        using var doc = JsonDocument.Parse(stderr);
        Assert.Contains(doc.RootElement.GetProperty("code").GetString()!, FuzzRun.KnownCodes);
        Assert.False(string.IsNullOrWhiteSpace(doc.RootElement.GetProperty("message").GetString()));
        Assert.True(doc.RootElement.TryGetProperty("rule", out _));
    }

    [Fact]
    public void Plan_FailingRequest_LeavesExistingOutputFileAlone()
    {
        string outFile = Write("plan.json", "previous plan\n");
        string input = Write("req.json", "{\"machine\": {\"arch\": \"x86_64\", \"type\": \"q35\"}, \"devices\": [" +
            string.Join(",", Enumerable.Range(0, 300).Select(i => $"{{\"id\": \"n{i}\", \"kind\": \"interface\", \"model\": \"virtio\"}}")) + "]}");

        var (code, stdout, stderr) = Cli("plan", input, "-o", outFile);

        Assert.Equal(3, code);
        Assert.Empty(stdout);
        Assert.Contains("[no-space/", stderr, StringComparison.Ordinal);
        Assert.Equal("previous plan\n", File.ReadAllText(outFile));
        AssertNoLeftovers("req.json", "plan.json");
    }

    [Fact]
    public void Plan_InvalidUtf8_ExitsNonZeroWithClearError()
    {
        byte[] bytes = [.. Encoding.UTF8.GetBytes("{\"machine\": {\"arch\": \"x86_64\", \"type\": \""), 0xC3, 0x28, 0xFF, .. Encoding.UTF8.GetBytes("\"}}")];
        string input = Write("bad-utf8.json", bytes);

        var (code, stdout, stderr) = Cli("plan", input, "-o", Path.Combine(_dir, "plan.json"));

        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Contains("cannot read", stderr, StringComparison.Ordinal);
        AssertNoLeftovers("bad-utf8.json");
    }

    [Fact]
    public void Plan_InputOverTheSizeLimit_ExitsNonZeroWithClearError()
    {
        string input = Write("huge.json", "{\"machine\": {\"arch\": \"x86_64\", \"type\": \"q35\"}, \"devices\": []}" + new string(' ', Core.Validation.PlanLimits.MaxInputChars));

        var (code, stdout, stderr) = Cli("plan", input, "-o", Path.Combine(_dir, "plan.json"));

        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Contains("max-input-size", stderr, StringComparison.Ordinal);
        AssertNoLeftovers("huge.json");
    }

    [Fact]
    public void Plan_OutputDirectoryMissing_ExitsNonZeroAndWritesNothing()
    {
        string input = Write("req.json", "{\"machine\": {\"arch\": \"x86_64\", \"type\": \"q35\"}}");

        var (code, stdout, stderr) = Cli("plan", input, "-o", Path.Combine(_dir, "no", "such", "dir", "plan.json"));

        Assert.NotEqual(0, code);
        Assert.Empty(stdout);
        Assert.Contains("cannot write", stderr, StringComparison.Ordinal);
        AssertNoLeftovers("req.json");
    }

    public static TheoryData<string, string> BadXml() => new()
    {
        { "truncated.xml", "<domain type='kvm'><devices><disk" },
        { "laughs.xml", InputMutators.XmlLaughs(9) },
        { "external-entity.xml", InputMutators.XmlExternalEntity },
        { "deep.xml", InputMutators.DeepXml(200_000) },
        { "not-domain.xml", "<network><name>x</name></network>" },
        { "absurd-number.xml", "<domain type='kvm'><devices><controller type='pci' index='99999999999' model='pcie-root-port'/></devices></domain>" },
        { "namespaced.xml", "<domain type='kvm' xmlns:a='urn:a'><devices><serial type='pty'><address type='isa' a:iobase='1' iobase='2'/></serial></devices></domain>" },
    };

    [Theory]
    [MemberData(nameof(BadXml))]
    public void Validate_BadDomainXml_ExitsNonZeroWithClearError(string name, string text)
    {
        var (code, stdout, stderr) = Cli("validate", Write(name, text));

        Assert.Equal(2, code);
        Assert.DoesNotContain("   at ", stderr + stdout, StringComparison.Ordinal);
        Assert.True(stderr.StartsWith("devaddr: ", StringComparison.Ordinal) || stdout.Length > 0, $"no message: {stderr}");
        output.WriteLine($"{name}: {(stderr + stdout).Trim()[..Math.Min(200, (stderr + stdout).Trim().Length)]}");
    }

    [Fact]
    public void LibvirtExpand_BadDomainXml_WritesOneErrorFileEachAndNoTemporaryFiles()
    {
        string inDir = Path.Combine(_dir, "in"), outDir = Path.Combine(_dir, "out");
        Directory.CreateDirectory(inDir);
        foreach (var (name, text) in BadXml().Select(r => ((string)r[0], (string)r[1])))
            File.WriteAllText(Path.Combine(inDir, name), text);

        var (code, _, stderr) = Cli("libvirt", "expand", inDir, outDir);

        Assert.Equal(0, code);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        // One result per input: NAME.error, except the namespaced one, which libvirt reads (ignoring a:iobase) and expands.
        var written = Directory.EnumerateFiles(outDir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var expected = BadXml().Select(r => (string)r[0]).Select(n => n == "namespaced.xml" ? n : Path.ChangeExtension(n, ".error"));
        Assert.Equal(expected.Order(StringComparer.Ordinal), written!);
        Assert.All(Directory.EnumerateFiles(outDir), f => Assert.False(string.IsNullOrWhiteSpace(File.ReadAllText(f))));
    }

    [Fact]
    public void Plan_MutatedRequestFiles_ExitCleanlyAndWriteWholeFilesOnly()
    {
        var run = new FuzzRun("CLI plan on mutated request files", output);
        int n = 0;
        run.Sample(Gen.Select(InputMutators.Mutated(() => [.. InputMutators.JsonSeeds.Value, .. InputMutators.YamlSeeds.Value]), Gen.Bool), x => run.Case(x.Item1, () =>
        {
            var (text, yaml) = x;
            string name = $"in{Interlocked.Increment(ref n)}.{(yaml ? "yaml" : "json")}";
            string input = Write(name, text), outFile = Path.Combine(_dir, name + ".plan");
            var (code, stdout, stderr) = Cli("plan", input, "-o", outFile);
            Assert.Empty(stdout);
            Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
            Assert.Contains(code, new[] { 0, 2, 3 });
            if (code == 0)
            {
                Assert.Empty(stderr);
                var (plan, error) = Core.Serialization.PlanJson.ReadPlan(File.ReadAllText(outFile));
                Assert.Null(error);
                run.Plan();
                File.Delete(outFile);
            }
            else
            {
                Assert.StartsWith("devaddr: ", stderr, StringComparison.Ordinal);
                Assert.False(File.Exists(outFile));
                run.Note("exit " + code);
            }
            File.Delete(input);
            Assert.Empty(Directory.EnumerateFiles(_dir, $".{name}.plan.*.tmp"));
        }), FuzzRun.Long ? 5000 : 300, x => x.Item1, TimeSpan.FromMinutes(FuzzRun.Long ? 60 : 3));
    }
}
