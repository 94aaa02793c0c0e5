using System.Text.RegularExpressions;
using DevAddr.Core;
using DevAddr.Core.Hotplug;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using DevAddr.Solver;
using Xunit.Abstractions;

namespace DevAddr.Native.Tests;

/// <summary>
/// libdevaddr.so through its bindings: the C example (gcc), the Python package's unittest suite, the Go (cgo)
/// package and example. Each runs the real library that <c>bindings/build.sh</c> publishes.
/// </summary>
[Collection(NativeLibraryCollection.Name)]
public sealed partial class BindingTests(NativeLibraryFixture library, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    private const string OptimizeRequest = """
        {"machine": {"arch": "x86_64", "type": "q35"},
         "policy": {"name": "optimize", "tunables": {"hotplugReserve": {"value": 2}}},
         "devices": [{"id": "vda", "kind": "disk", "bus": "virtio", "target": "vda"},
                     {"id": "nic0", "kind": "interface", "model": "virtio"}]}
        """;

    [Fact]
    public void BuildScript_Publishes_LibraryExportingExactlyTheCApi()
    {
        var nm = ProcessRunner.Run("nm", ["-D", "--defined-only", library.LibraryPath], Timeout);
        Assert.True(nm.ExitCode == 0, nm.Transcript);
        var exported = nm.StandardOutput.Split('\n')
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length == 3 && f[1] == "T" && f[2].StartsWith("devaddr_", StringComparison.Ordinal))
            .Select(f => f[2].Split('@')[0])
            .Order(StringComparer.Ordinal);
        Assert.Equal(["devaddr_free", "devaddr_hotplug_check", "devaddr_plan", "devaddr_validate", "devaddr_version"], exported);
        long bytes = new DirectoryInfo(RepoPaths.Library).EnumerateFiles().Sum(f => f.Length);
        NativeLibraryFixture.Note(output, $"[native] libdevaddr.so {new FileInfo(library.LibraryPath).Length / 1048576.0:F1} MiB; bindings/lib {bytes / 1048576.0:F0} MiB with OR-Tools");
    }

    [Fact]
    public void CExample_PlansQ35Basic_PrintsTheDeviceCountOfTheCliPlan()
    {
        string example = CompileCExample();
        string fixture = Path.Combine(RepoPaths.Examples, "q35-basic.json");
        using var cwd = new TempDirectory();

        var run = ProcessRunner.Run(example, [fixture], Timeout, workingDirectory: cwd.Path);

        Assert.True(run.ExitCode == 0, run.Transcript);
        Assert.Matches(ExampleOutput(), run.StandardOutput);
        Assert.StartsWith($"q35-basic.json: {DeviceCount(File.ReadAllText(fixture))} devices (devaddr ", run.StandardOutput);
        Assert.EndsWith($"\nhotplug of a virtio NIC: {(NicHotplugFeasible(File.ReadAllText(fixture)) ? "feasible" : "not feasible")}\n", run.StandardOutput);
        NativeLibraryFixture.Note(output, "[native] C example: " + run.StandardOutput.Trim().Replace("\n", "; ", StringComparison.Ordinal));
    }

    [Fact]
    public void CExample_OptimizeRequestRunFromAnotherDirectory_LoadsOrToolsNextToTheLibrary()
    {
        string example = CompileCExample();
        using var cwd = new TempDirectory();
        string request = Path.Combine(cwd.Path, "optimize.json");
        File.WriteAllText(request, OptimizeRequest);

        var run = ProcessRunner.Run(example, [request], Timeout, workingDirectory: cwd.Path);

        Assert.True(run.ExitCode == 0, run.Transcript);
        Assert.StartsWith($"optimize.json: {DeviceCount(OptimizeRequest)} devices", run.StandardOutput);
    }

    [Fact]
    public void CExample_MalformedRequest_ExitsOneWithTheErrorObject()
    {
        string example = CompileCExample();
        using var cwd = new TempDirectory();
        string request = Path.Combine(cwd.Path, "bad.json");
        File.WriteAllText(request, """{"machine": """);

        var run = ProcessRunner.Run(example, [request], Timeout, workingDirectory: cwd.Path);

        Assert.True(run.ExitCode == 1, run.Transcript);
        Assert.Contains("\"code\": \"invalid-input\"", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void CHeader_CompiledAsCxx_HasNoWarnings()
    {
        var gxx = ProcessRunner.Run("g++", ["-x", "c++", "-std=c++17", "-fsyntax-only", "-Wall", "-Wextra", "-Werror",
            Path.Combine(RepoPaths.Bindings, "c", "devaddr.h")], Timeout);
        Assert.True(gxx.ExitCode == 0, gxx.Transcript);
    }

    [Fact]
    public void GoPackage_CDeclarations_AgreeWithTheHeader()
    {
        // bindings/go declares the C API itself (a Go module is fetched alone, without bindings/c): the declarations
        // must be the header's functions, and compile together with the header.
        string go = File.ReadAllText(Path.Combine(RepoPaths.Bindings, "go", "devaddr.go"));
        var preamble = Regex.Match(go, @"/\*\n(.*?)\*/\nimport ""C""", RegexOptions.Singleline);
        Assert.True(preamble.Success, "bindings/go/devaddr.go has no cgo preamble before import \"C\"");
        string declarations = string.Join('\n', preamble.Groups[1].Value.Split('\n').Where(l => !l.StartsWith("#cgo", StringComparison.Ordinal)));
        string header = File.ReadAllText(Path.Combine(RepoPaths.Bindings, "c", "devaddr.h"));
        Assert.Equal(CFunctions(header), CFunctions(declarations));
        using var dir = new TempDirectory();
        string file = Path.Combine(dir.Path, "declarations.c");
        File.WriteAllText(file, "#include \"devaddr.h\"\n" + declarations + "\n");

        var gcc = ProcessRunner.Run("gcc", ["-std=c11", "-fsyntax-only", "-Wall", "-Wextra", "-Werror",
            "-I", Path.Combine(RepoPaths.Bindings, "c"), file], Timeout);

        Assert.True(gcc.ExitCode == 0, gcc.Transcript);
    }

    [Fact]
    public void PythonPackage_UnittestSuite_Passes()
    {
        var run = RunPythonSuite("python3", library.LibraryPath, output);
        Console.WriteLine($"[native] python3 -m unittest: {run.Summary}, OK, {run.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>
    /// Runs bindings/python/tests with an interpreter, comparing with the reference CLI (golden plans included): against
    /// the repository's package and <paramref name="library"/>, or, when that is null, against the devaddr package
    /// installed in the interpreter's environment (a wheel), from <paramref name="workingDirectory"/> and with no
    /// DevAddr variable but the CLI's. Fails the calling test unless every test ran and passed.
    /// </summary>
    internal static (string Summary, TimeSpan Elapsed) RunPythonSuite(string python, string? library, ITestOutputHelper output,
        string? workingDirectory = null)
    {
        using var golden = new TempDirectory();
        ExportGoldenCases(golden.Path);
        var run = ProcessRunner.Run(python,
            ["-m", "unittest", "discover", "-s", Path.Combine(RepoPaths.Bindings, "python", "tests"),
             "-t", Path.Combine(RepoPaths.Bindings, "python"), "-v"], Timeout, workingDirectory,
            environment: new Dictionary<string, string?>
            {
                ["DEVADDR_LIBRARY"] = library,
                ["DEVADDR_TEST_INSTALLED"] = library is null ? "1" : null,
                ["PYTHONPATH"] = null,
                ["DEVADDR_CLI"] = RepoPaths.CliDll,
                ["PYTHONDONTWRITEBYTECODE"] = "1",
                ["DEVADDR_GOLDEN_CASES"] = golden.Path,
            });

        output.WriteLine(run.StandardError);
        Assert.True(run.ExitCode == 0, run.Transcript);
        Assert.DoesNotContain("skipped", run.StandardError, StringComparison.Ordinal); // the CLI comparisons ran
        foreach (string line in run.StandardError.Split('\n').Where(l => l.StartsWith("[devaddr-python]", StringComparison.Ordinal)))
            Console.WriteLine(line);
        string summary = run.StandardError.Split('\n').LastOrDefault(l => l.StartsWith("Ran ", StringComparison.Ordinal)) ?? "";
        return (summary.Trim(), run.Elapsed);
    }

    [GoFact]
    public void GoPackage_TestsAndExample_Pass()
    {
        _ = library.LibraryPath; // the build must have succeeded
        string go = Path.Combine(RepoPaths.Bindings, "go");
        using var cache = new TempDirectory();
        var env = new Dictionary<string, string?>
        {
            ["CGO_ENABLED"] = "1",
            ["GOPROXY"] = "off",
            ["GOCACHE"] = Environment.GetEnvironmentVariable("GOCACHE") ?? Path.Combine(Path.GetTempPath(), "devaddr-go-cache"),
            ["GOPATH"] = Environment.GetEnvironmentVariable("GOPATH") ?? cache.Path,
        };

        var test = ProcessRunner.Run("go", ["test", "-count=1", "./..."], Timeout, workingDirectory: go, environment: env);
        output.WriteLine(test.Transcript);
        Assert.True(test.ExitCode == 0, test.Transcript);

        string fixture = Path.Combine(RepoPaths.Examples, "q35-basic.json");
        var run = ProcessRunner.Run("go", ["run", "./cmd/devaddr-example", fixture], Timeout, workingDirectory: go, environment: env);
        Assert.True(run.ExitCode == 0, run.Transcript);
        Assert.StartsWith($"q35-basic.json: {DeviceCount(File.ReadAllText(fixture))} devices (devaddr ", run.StandardOutput);
        Console.WriteLine($"[native] Go: go test ok ({test.Elapsed.TotalSeconds:F1} s), example: {run.StandardOutput.Trim()}");
    }

    /// <summary>
    /// Writes every golden case for bindings/python/tests/test_golden.py: <c>index.tsv</c> (number, golden file under
    /// fixtures/golden/plans) and <c>N.request.json</c>, the exact request.
    /// </summary>
    private static void ExportGoldenCases(string dir)
    {
        var cases = Golden.GoldenSet.Cases(RepoPaths.Root);
        var index = new System.Text.StringBuilder();
        for (int i = 0; i < cases.Count; i++)
        {
            File.WriteAllText(Path.Combine(dir, $"{i}.request.json"), PlanJson.Serialize(cases[i].Request));
            index.Append(i).Append('\t').Append(cases[i].Path).Append('\n');
        }

        File.WriteAllText(Path.Combine(dir, "index.tsv"), index.ToString());
    }

    /// <summary>The number of devices in the plan of a request, planned in this process as the CLI plans it.</summary>
    private static int DeviceCount(string request)
    {
        var (parsed, error) = PlanJson.ReadRequest(request);
        Assert.Null(error);
        var result = Assert.IsType<PlanResult.Success>(OptimizingPlanner.Plan(parsed!));
        return result.Plan.Devices.Count;
    }

    /// <summary>Whether the example's virtio NIC can be hot-plugged into the request's plan, checked in this process as the CLI checks it.</summary>
    private static bool NicHotplugFeasible(string request)
    {
        var (parsed, error) = PlanJson.ReadRequest(request);
        Assert.Null(error);
        var plan = Assert.IsType<PlanResult.Success>(OptimizingPlanner.Plan(parsed!)).Plan;
        var (devices, devicesError) = HotplugJson.ReadDevices("""[{"id": "hotplug-nic", "kind": "interface", "model": "virtio"}]""");
        Assert.Null(devicesError);
        return Assert.IsType<HotplugCheckResult.Checked>(AddressPlanner.HotplugCheck(plan, devices!)).Report.Feasible;
    }

    /// <summary>Compiles bindings/c/example.c against the library (warnings are errors); returns the program's path.</summary>
    private string CompileCExample()
    {
        string lib = Path.GetDirectoryName(library.LibraryPath)!;
        string program = Path.Combine(lib, "..", "c", "example");
        var gcc = ProcessRunner.Run("gcc", ["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic",
            "-I", Path.Combine(RepoPaths.Bindings, "c"), Path.Combine(RepoPaths.Bindings, "c", "example.c"),
            "-L", lib, "-ldevaddr", $"-Wl,-rpath,{lib}", "-o", program], Timeout);
        Assert.True(gcc.ExitCode == 0, gcc.Transcript);
        return Path.GetFullPath(program);
    }

    /// <summary>The devaddr_* functions a C text declares (lines that start a declaration, not comments), sorted.</summary>
    private static List<string> CFunctions(string c) =>
        [.. Regex.Matches(c, @"^[a-z][^(\n]*\b(devaddr_\w+)\(", RegexOptions.Multiline).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"^[\w.-]+: \d+ devices \(devaddr \d+\.\d+\.\d+\)\nhotplug of a virtio NIC: (feasible|not feasible)\n$")]
    private static partial Regex ExampleOutput();
}

/// <summary>A temporary directory, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("devaddr-native-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
