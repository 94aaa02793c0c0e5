using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace DevAddr.Native.Tests;

/// <summary>
/// Publishes the devaddr command with NativeAOT once, with <c>tools/native-cli.sh</c> (into
/// <c>artifacts/devaddr-linux-x64</c>; incremental, an unchanged build reuses the compiled native code).
/// </summary>
public sealed class NativeCliFixture
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(30);

    public NativeCliFixture()
    {
        Build = ProcessRunner.Run("bash", [Path.Combine(RepoPaths.Root, "tools", "native-cli.sh")], BuildTimeout);
        Console.WriteLine($"[native-cli] tools/native-cli.sh (NativeAOT publish of devaddr) took {Build.Elapsed.TotalSeconds:F0} s");
    }

    internal ProcessOutcome Build { get; }

    /// <summary>The native executable; fails the calling test with the script's output when the build failed.</summary>
    public string Executable
    {
        get
        {
            string path = Path.Combine(RepoPaths.Root, "artifacts", "devaddr-linux-x64", "devaddr");
            Assert.True(Build.ExitCode == 0 && File.Exists(path), "tools/native-cli.sh failed:\n" + Build.Transcript);
            return path;
        }
    }
}

/// <summary>
/// The native devaddr (NativeAOT) against the managed one (devaddr.dll in this project's output): the same standard
/// output, standard error, exit code and files, byte for byte, on the examples, the scenarios (the optimize policy
/// through OR-Tools' native library beside the executable), the broken plans, a sample of the golden corpus, libvirt
/// XML expansion, a fleet and a what-if sweep with its plot.
/// </summary>
[Collection(NativeLibraryCollection.Name)]
public sealed class NativeCliTests(NativeCliFixture cli, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    [Fact]
    public void Publish_IsANativeExecutableWithoutManagedAssemblies()
    {
        string dir = Path.GetDirectoryName(cli.Executable)!;
        using (var file = File.OpenRead(cli.Executable))
        {
            var magic = new byte[4];
            file.ReadExactly(magic);
            Assert.Equal("\u007fELF"u8.ToArray(), magic);
        }
        Assert.Empty(Directory.EnumerateFiles(dir, "*.dll"));
        Assert.True(File.Exists(Path.Combine(dir, "google-ortools-native.so")), "OR-Tools' native library is not beside devaddr");
        var version = ProcessRunner.Run(cli.Executable, ["--version"], Timeout, workingDirectory: Path.GetTempPath());
        Assert.True(version.ExitCode == 0, version.Transcript);
        Assert.Equal(Managed(["--version"]).StandardOutput, version.StandardOutput);
    }

    [Fact]
    public void Plan_ExamplesScenariosBrokenPlansAndCorpusSample_AsTheManagedCli()
    {
        var files = Files(RepoPaths.Examples).Concat(Files(RepoPaths.Scenarios)).Concat(CorpusSample()).ToList();
        var broken = Files(Path.Combine(RepoPaths.Root, "fixtures", "broken")).ToList();
        TimeSpan native = TimeSpan.Zero, managed = TimeSpan.Zero;
        foreach (var (command, file) in files.Select(f => ("plan", f)).Concat(broken.Select(f => ("validate", f))))
        {
            var n = Native([command, file]);
            var m = Managed([command, file]);
            AssertSame(m, n, $"devaddr {command} {Path.GetRelativePath(RepoPaths.Root, file)}");
            native += n.Elapsed;
            managed += m.Elapsed;
        }
        int count = files.Count + broken.Count;
        NativeLibraryFixture.Note(output, $"[native-cli] {files.Count} plans and {broken.Count} validations byte for byte as the managed CLI; " +
                                          $"{native.TotalMilliseconds / count:F0} ms per run native, {managed.TotalMilliseconds / count:F0} ms managed");
    }

    [Fact]
    public void LibvirtExpand_Conformance_WritesTheManagedCliFiles()
    {
        string input = Path.Combine(RepoPaths.Root, "fixtures", "conformance", "libvirt-9.0", "input");
        using var work = new TempDirectory();
        string nativeOut = Path.Combine(work.Path, "native"), managedOut = Path.Combine(work.Path, "managed");

        var n = Native(["libvirt", "expand", input, nativeOut]);
        var m = Managed(["libvirt", "expand", input, managedOut]);

        Assert.Equal(m.ExitCode, n.ExitCode);
        Assert.True(n.ExitCode == 0, n.Transcript);
        var names = Directory.GetFiles(managedOut).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(names, Directory.GetFiles(nativeOut).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (string? name in names)
            Assert.True(File.ReadAllBytes(Path.Combine(managedOut, name!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(nativeOut, name!))), name);
        NativeLibraryFixture.Note(output, $"[native-cli] libvirt expand: {names.Count} domain files byte for byte as the managed CLI");
    }

    [Fact]
    public void Fleet_CorpusSampleWithBothPolicies_WritesTheManagedCliLines()
    {
        using var work = new TempDirectory();
        string fleet = Path.Combine(work.Path, "fleet.jsonl");
        var lines = new List<string>();
        foreach (string file in Files(RepoPaths.Examples).Concat(Files(RepoPaths.Scenarios)).Concat(CorpusSample()))
        {
            var request = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
            lines.Add(new JsonObject { ["id"] = Path.GetFileName(file), ["request"] = request.DeepClone() }.ToJsonString());
            if (!request.ContainsKey("policy"))
            {
                request["policy"] = new JsonObject { ["name"] = "optimize" };
                lines.Add(new JsonObject { ["id"] = Path.GetFileName(file) + "#optimize", ["request"] = request }.ToJsonString());
            }
        }
        lines.Add("""{"id": "malformed", "request": {"devices": [{"id": "a", "kind": "disk", "bogus": 1}]}}""");
        File.WriteAllLines(fleet, lines);

        var n = Native(["fleet", fleet, "-o", Path.Combine(work.Path, "native.jsonl"), "--no-progress"]);
        var m = Managed(["fleet", fleet, "-o", Path.Combine(work.Path, "managed.jsonl"), "--no-progress"]);

        Assert.Equal(m.ExitCode, n.ExitCode);
        Assert.True(n.ExitCode == 0, n.Transcript);
        Assert.Equal(File.ReadAllText(Path.Combine(work.Path, "managed.jsonl")), File.ReadAllText(Path.Combine(work.Path, "native.jsonl")));
        NativeLibraryFixture.Note(output, $"[native-cli] fleet: {lines.Count} guests byte for byte as the managed CLI");
    }

    [Fact]
    public void Whatif_SweepWithPlot_AsTheManagedCli()
    {
        using var work = new TempDirectory();
        string request = Path.Combine(RepoPaths.Examples, "q35-basic.json");
        string[] sweep = ["whatif", request, "--sweep", "hotplugReserve=0..6", "--format", "json"];

        var n = Native([.. sweep, "--plot", Path.Combine(work.Path, "native.png")]);
        var m = Managed([.. sweep, "--plot", Path.Combine(work.Path, "managed.png")]);

        AssertSame(m, n, "devaddr whatif --sweep --plot");
        Assert.Equal(File.ReadAllBytes(Path.Combine(work.Path, "managed.png")), File.ReadAllBytes(Path.Combine(work.Path, "native.png")));
        NativeLibraryFixture.Note(output, "[native-cli] whatif sweep and its PNG plot byte for byte as the managed CLI");
    }

    private ProcessOutcome Native(string[] arguments) =>
        ProcessRunner.Run(cli.Executable, arguments, Timeout, workingDirectory: Path.GetTempPath());

    private static ProcessOutcome Managed(string[] arguments) =>
        ProcessRunner.Run("dotnet", [RepoPaths.CliDll, .. arguments], Timeout, workingDirectory: Path.GetTempPath());

    private static void AssertSame(ProcessOutcome managed, ProcessOutcome native, string what)
    {
        Assert.True(managed.ExitCode == native.ExitCode, $"{what}: exit code {native.ExitCode}, managed {managed.ExitCode}\n{native.Transcript}");
        Assert.True(managed.StandardOutput == native.StandardOutput, $"{what}: standard output differs\n{native.Transcript}");
        Assert.True(managed.StandardError == native.StandardError, $"{what}: standard error differs\n{native.Transcript}\n--- managed\n{managed.Transcript}");
    }

    private static IEnumerable<string> Files(string dir) =>
        Directory.EnumerateFiles(dir, "*.json").Order(StringComparer.Ordinal);

    /// <summary>Every 12th generated golden request (about 30, among them NUMA and host-topology guests).</summary>
    private static IEnumerable<string> CorpusSample() =>
        Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "fixtures", "golden", "requests"), "*.json", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal).Where((_, i) => i % 12 == 0);
}
