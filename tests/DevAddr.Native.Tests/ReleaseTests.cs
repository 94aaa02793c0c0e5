using System.Collections.Concurrent;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit.Abstractions;

namespace DevAddr.Native.Tests;

/// <summary>
/// tools/release.sh and its artifacts, each installed the way its ecosystem expects in a clean place outside the
/// repository: the wheel with pip in a fresh virtual environment, the dotnet tool in a temporary tool path, the C#
/// packages by the sample project from dist/ as a local feed, the Go module from dist/go as the module proxy. Each
/// plans every fixtures/examples request byte for byte as the reference CLI (this build's devaddr) does.
/// </summary>
[Collection(NativeLibraryCollection.Name)]
public sealed partial class ReleaseTests(ReleaseFixture release, ITestOutputHelper output) : IClassFixture<ReleaseFixture>
{
    private const string GoModule = "github.com/devaddr/devaddr/bindings/go";

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(20);

    private static readonly ConcurrentDictionary<string, string> ReferenceOutputs = new();

    private static string Version => ReleaseFixture.Version;

    [ReleaseFact]
    public void ReleaseScript_Dist_HoldsEveryArtifactOfTheOneVersionWithItsSum()
    {
        string dist = release.Dist;
        var seconds = release.Release.Elapsed.TotalSeconds;
        var files = Directory.GetFiles(dist, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dist, f)).Order(StringComparer.Ordinal).ToList();

        string wheel = Path.GetFileName(release.Wheel);
        Assert.Matches($@"^devaddr-{Regex.Escape(Version)}-py3-none-manylinux_2_\d+_x86_64\.whl$", wheel);
        string proxy = $"go/{GoModule}/@v/";
        string[] expected =
        [
            $"DevAddr.Core.{Version}.nupkg", $"DevAddr.Libvirt.{Version}.nupkg", $"DevAddr.Solver.{Version}.nupkg", "SHA256SUMS",
            wheel, $"devaddr.{Version}.nupkg", $"devaddr.linux-arm64.{Version}.nupkg", $"devaddr.linux-x64.{Version}.nupkg",
            proxy + "list", proxy + $"v{Version}.info", proxy + $"v{Version}.mod", proxy + $"v{Version}.zip",
            $"libdevaddr-{Version}-linux-x86_64.tar.gz",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), files);

        // SHA256SUMS: every other file, with its sum (as `sha256sum -c SHA256SUMS` checks them).
        var sums = File.ReadAllLines(Path.Combine(dist, "SHA256SUMS")).Select(l => (Sum: l[..64], Name: l[66..])).ToList();
        Assert.Equal(files.Where(f => f != "SHA256SUMS"), sums.Select(s => s.Name));
        foreach (var (sum, name) in sums)
            Assert.True(sum == Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(dist, name)))), $"SHA256SUMS: wrong sum of {name}");

        // One version everywhere: packages, wheel metadata, Go module, the CLI, the sample's package references.
        foreach (string package in files.Where(f => f.EndsWith(".nupkg", StringComparison.Ordinal)))
            Assert.Equal(Version, NuspecVersion(Path.Combine(dist, package)));
        Assert.Equal(Version, WheelMetadata(release.Wheel)["Version"]);
        Assert.Equal($"v{Version}", JsonNode.Parse(File.ReadAllText(Path.Combine(dist, proxy + $"v{Version}.info")))!["Version"]!.GetValue<string>());
        Assert.Equal(Version, Reference("--version").Trim());
        var sampleReferences = XDocument.Load(Path.Combine(RepoPaths.Sample, "DevAddr.Sample.csproj")).Descendants("PackageReference").ToList();
        Assert.Equal(["DevAddr.Core", "DevAddr.Solver", "DevAddr.Libvirt"], sampleReferences.Select(r => (string)r.Attribute("Include")!));
        Assert.All(sampleReferences, r => Assert.Equal(Version, (string)r.Attribute("Version")!));

        // Nothing left beside dist/ (release.sh builds in a stage directory there).
        Assert.Empty(Directory.GetFileSystemEntries(release.Work, ".dist.stage.*"));
        string sizes = string.Join(", ", files.Where(f => !f.StartsWith("go/", StringComparison.Ordinal) && f != "SHA256SUMS")
            .Select(f => $"{f} {new FileInfo(Path.Combine(dist, f)).Length / 1048576.0:F1} MiB"));
        ReleaseNote($"tools/release.sh: {files.Count} files in {seconds:F0} s; {sizes}");
    }

    [ReleaseFact]
    public void ReleaseScript_AStepFails_LeavesTheOutputDirectoryAsItWas()
    {
        string parent = Path.Combine(release.Work, "failing");
        string dist = Path.Combine(parent, "dist");
        Directory.CreateDirectory(dist);
        File.WriteAllText(Path.Combine(dist, "earlier-release.txt"), "kept");

        // The wheel's interpreter fails, after the C library was built.
        var run = ProcessRunner.Run("bash", [RepoPaths.ReleaseScript, "--out", dist], Timeout,
            environment: new Dictionary<string, string?> { ["PYTHON"] = "/bin/false" });

        Assert.True(run.ExitCode != 0, run.Transcript);
        Assert.Contains("build-wheel.sh failed", run.StandardError, StringComparison.Ordinal);
        Assert.Equal(["earlier-release.txt"], Directory.GetFileSystemEntries(dist).Select(Path.GetFileName));
        Assert.Equal([dist], Directory.GetFileSystemEntries(parent)); // no stage directory left
    }

    [ReleaseFact]
    public void Wheel_InAFreshVenvOutsideTheRepository_PlansValidatesAndChecksHotplugAsTheCli()
    {
        string python = Path.Combine(release.Venv, "bin", "python");
        string outDir = FreshDirectory("wheel-out");
        var examples = ExampleFiles();
        const string Script = """
            import json, pathlib, sys
            import devaddr
            out = pathlib.Path(sys.argv[1])
            nic = [{"id": "hotplug-nic", "kind": "interface", "model": "virtio"}]
            for name in sys.argv[2:]:
                stem = pathlib.Path(name).stem
                plan = devaddr.plan_json(pathlib.Path(name).read_bytes())
                (out / f"{stem}.plan.json").write_bytes(plan.encode())
                (out / f"{stem}.validate.json").write_bytes(devaddr.validate_json(plan).encode())
                report = devaddr.hotplug_check_json(json.dumps(devaddr.hotplug_request(plan, nic)))
                (out / f"{stem}.hotplug.json").write_bytes(report.encode())
            print(devaddr.version(), devaddr.library_path())
            """;

        var run = release.RunOutside(python, ["-c", Script, outDir, .. examples]);

        Assert.True(run.ExitCode == 0, run.Transcript);
        var (version, library) = (run.StandardOutput.Trim().Split(' ')[0], run.StandardOutput.Trim().Split(' ')[^1]);
        Assert.Equal(Version, version);
        Assert.StartsWith(Path.Combine(release.Venv, "lib") + "/", library, StringComparison.Ordinal); // the wheel's copy
        Assert.EndsWith("/site-packages/devaddr/lib/libdevaddr.so", library, StringComparison.Ordinal);
        string devices = Path.Combine(outDir, "hotplug-devices.json");
        File.WriteAllText(devices, """[{"id": "hotplug-nic", "kind": "interface", "model": "virtio"}]""");
        foreach (string example in examples)
        {
            string stem = Path.Combine(outDir, Path.GetFileNameWithoutExtension(example));
            Assert.Equal(Reference("plan", example), File.ReadAllText(stem + ".plan.json"));
            Assert.Equal(Reference("validate", stem + ".plan.json", "--json"), File.ReadAllText(stem + ".validate.json"));
            Assert.Equal(Reference("hotplug-check", stem + ".plan.json", devices, "--format", "json"), File.ReadAllText(stem + ".hotplug.json"));
        }
        ReleaseNote($"wheel {Path.GetFileName(release.Wheel)} in a fresh venv, run from {Path.GetDirectoryName(release.Venv)}/cwd: " +
                    $"{examples.Count}/{examples.Count} examples planned, validated and hotplug-checked byte for byte as the CLI ({run.Elapsed.TotalSeconds:F1} s)");
    }

    [ReleaseFact]
    public void Wheel_UnittestSuite_PassesAgainstTheInstalledWheel()
    {
        string python = Path.Combine(release.Venv, "bin", "python");
        var (summary, elapsed) = BindingTests.RunPythonSuite(python, library: null, output, Path.Combine(release.Work, "cwd"));
        ReleaseNote($"python -m unittest against the installed wheel: {summary}, OK, {elapsed.TotalSeconds:F1} s");
    }

    [ReleaseFact]
    public void DotnetTool_InATemporaryToolPath_PlansEveryExampleAsTheCli()
    {
        string devaddr = Path.Combine(release.ToolPath, "devaddr");
        var version = release.RunOutside(devaddr, ["--version"]);
        Assert.True(version.ExitCode == 0, version.Transcript);
        Assert.Equal(Version, version.StandardOutput.Trim());

        var examples = ExampleFiles();
        var elapsed = TimeSpan.Zero;
        foreach (string example in examples)
        {
            var run = release.RunOutside(devaddr, ["plan", example]);
            Assert.True(run.ExitCode == 0, run.Transcript);
            Assert.Equal(Reference("plan", example), run.StandardOutput);
            elapsed += run.Elapsed;
        }
        ReleaseNote($"dotnet tool in {release.ToolPath}: {examples.Count}/{examples.Count} examples planned byte for byte as the CLI " +
                    $"({elapsed.TotalSeconds / examples.Count:F2} s per plan)");
    }

    [ReleaseFact]
    public void DotnetTool_TheKubernetesJobCommand_PlansEveryGuestInExactlyOneShard()
    {
        // docs/fleet-kubernetes.md: the Job's command, run for every completion index with the installed tool (the
        // build the Containerfile's image carries), as the pods would run it; /fleet is a local directory here.
        string doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "fleet-kubernetes.md"));
        Assert.Contains("](../Containerfile)", doc, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, "Containerfile")));
        int shards = int.Parse(CompletionsLine().Match(doc).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        string fleet = FreshDirectory("fleet");
        string command = JobCommand(doc).Replace("/fleet/", fleet + "/", StringComparison.Ordinal);
        Directory.CreateDirectory(Path.Combine(fleet, "in"));
        Directory.CreateDirectory(Path.Combine(fleet, "out"));
        string input = Path.Combine(fleet, "in", "fleet.jsonl");
        int guests = WriteFleet(input);

        var elapsed = TimeSpan.Zero;
        for (int index = 0; index < shards; index++)
        {
            var pod = release.RunOutside("/bin/sh", ["-c", command], new Dictionary<string, string?>
            {
                ["JOB_COMPLETION_INDEX"] = index.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["PATH"] = release.ToolPath + ":" + Environment.GetEnvironmentVariable("PATH"),
            });
            Assert.True(pod.ExitCode == 0, $"shard {index}: {pod.Transcript}");
            elapsed += pod.Elapsed;
        }

        string whole = Path.Combine(fleet, "whole.jsonl");
        Reference("fleet", input, "-o", whole, "--no-progress");
        var shardLines = Directory.GetFiles(Path.Combine(fleet, "out"), "shard-*.jsonl").SelectMany(File.ReadAllLines).ToList();
        Assert.Equal(shards, Directory.GetFiles(Path.Combine(fleet, "out")).Length);
        Assert.Equal(guests, shardLines.Select(l => JsonNode.Parse(l)!["id"]!.GetValue<string>()).Distinct().Count());
        Assert.Equal(File.ReadAllLines(whole).Order(StringComparer.Ordinal), shardLines.Order(StringComparer.Ordinal));
        ReleaseNote($"the Kubernetes Job's command with the dotnet tool: {guests} guests in {shards} shards, each exactly once, " +
                    $"lines equal to one unsharded run ({elapsed.TotalSeconds:F1} s for all shards)");
    }

    [ReleaseFact]
    public void SampleProject_AgainstTheLocalFeed_PlansEveryExampleAsTheCli()
    {
        // The sample as a user's project: copied out of the repository (none of its build settings apply), the
        // DevAddr packages from dist/ only, the rest (OR-Tools, YamlDotNet) from this machine's NuGet cache as a
        // local feed, restored into a fresh package folder.
        string sample = FreshDirectory("sample");
        foreach (string file in new[] { "DevAddr.Sample.csproj", "Program.cs" })
            File.Copy(Path.Combine(RepoPaths.Sample, file), Path.Combine(sample, file));
        File.WriteAllText(Path.Combine(sample, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="dist" value="{release.Dist}" />
                <add key="machine-cache" value="{GlobalPackagesFolder()}" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="dist"><package pattern="DevAddr.*" /></packageSource>
                <packageSource key="machine-cache"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        _ = release.Release;

        var build = ProcessRunner.Run("dotnet", ["build", "-c", "Release", "-o", Path.Combine(sample, "out"), "-nologo"], Timeout,
            workingDirectory: sample, environment: new Dictionary<string, string?> { ["NUGET_PACKAGES"] = Path.Combine(sample, "packages") });
        Assert.True(build.ExitCode == 0, build.Transcript);
        foreach (string id in new[] { "devaddr.core", "devaddr.solver", "devaddr.libvirt" })
            Assert.True(Directory.Exists(Path.Combine(sample, "packages", id, Version)), $"{id} {Version} was not restored from dist/");

        string program = Path.Combine(sample, "out", "DevAddr.Sample.dll");
        var examples = ExampleFiles();
        foreach (string example in examples)
        {
            var run = release.RunOutside("dotnet", [program, example]);
            Assert.True(run.ExitCode == 0, run.Transcript);
            Assert.Equal(Reference("plan", example), run.StandardOutput);
            Assert.Contains("validator: 0 violation(s)", run.StandardError, StringComparison.Ordinal);
            Assert.Contains("hotplug of a virtio NIC: feasible", run.StandardError, StringComparison.Ordinal);
            Assert.Matches(@"libvirt domain 'sample': \d+ addresses after expansion", run.StandardError);
        }
        var inCode = release.RunOutside("dotnet", [program]);
        Assert.True(inCode.ExitCode == 0, inCode.Transcript);
        Assert.Contains("validator: 0 violation(s)", inCode.StandardError, StringComparison.Ordinal);
        ReleaseNote($"sample project against dist/: restored and built in {build.Elapsed.TotalSeconds:F1} s, " +
                    $"{examples.Count}/{examples.Count} examples planned byte for byte as the CLI; " +
                    inCode.StandardError.Trim().Replace("\n", "; ", StringComparison.Ordinal));
    }

    [ReleaseGoFact]
    public void GoModule_FromTheReleasedModuleProxy_ImportsAndPlansEveryExampleAsTheCli()
    {
        // A new Go module outside the repository imports the released module from dist/go (GOPROXY), and links against
        // the released C library archive.
        string native = FreshDirectory("go-native");
        var untar = ProcessRunner.Run("tar", ["-xzf", Path.Combine(release.Dist, $"libdevaddr-{Version}-linux-x86_64.tar.gz"), "-C", native], Timeout);
        Assert.True(untar.ExitCode == 0, untar.Transcript);
        string lib = Path.Combine(native, $"libdevaddr-{Version}-linux-x86_64", "lib");
        string consumer = FreshDirectory("go-consumer");
        File.WriteAllText(Path.Combine(consumer, "go.mod"), "module example.com/planner\n\ngo 1.19\n");
        File.WriteAllText(Path.Combine(consumer, "main.go"), $$"""
            // Command planner writes the plan of every request file into a directory.
            package main

            import (
            	"os"
            	"path/filepath"
            	"strings"

            	devaddr "{{GoModule}}"
            )

            func main() {
            	for _, name := range os.Args[2:] {
            		request, err := os.ReadFile(name)
            		if err != nil {
            			panic(err)
            		}
            		plan, err := devaddr.PlanJSON(request)
            		if err != nil {
            			panic(err)
            		}
            		stem := strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
            		if err := os.WriteFile(filepath.Join(os.Args[1], stem+".plan.json"), plan, 0o644); err != nil {
            			panic(err)
            		}
            	}
            }
            """);
        var env = new Dictionary<string, string?>
        {
            ["GOPROXY"] = "file://" + Path.Combine(release.Dist, "go"),
            ["GOSUMDB"] = "off",
            ["GOFLAGS"] = "-mod=mod -modcacherw",
            ["GOPATH"] = Path.Combine(release.Work, "gopath"),
            ["GOCACHE"] = Environment.GetEnvironmentVariable("GOCACHE") ?? Path.Combine(Path.GetTempPath(), "devaddr-go-cache"),
            ["CGO_ENABLED"] = "1",
            ["CGO_LDFLAGS"] = $"-L{lib} -Wl,-rpath,{lib}",
        };

        var get = ProcessRunner.Run("go", ["get", $"{GoModule}@v{Version}"], Timeout, workingDirectory: consumer, environment: env);
        Assert.True(get.ExitCode == 0, get.Transcript);
        string outDir = FreshDirectory("go-out");
        var examples = ExampleFiles();
        var run = ProcessRunner.Run("go", ["run", ".", outDir, .. examples], Timeout, workingDirectory: consumer, environment: env);
        Assert.True(run.ExitCode == 0, run.Transcript);
        foreach (string example in examples)
            Assert.Equal(Reference("plan", example), File.ReadAllText(Path.Combine(outDir, Path.GetFileNameWithoutExtension(example) + ".plan.json")));

        string q35 = Path.Combine(RepoPaths.Examples, "q35-basic.json");
        var goExample = ProcessRunner.Run("go", ["run", $"{GoModule}/cmd/devaddr-example@v{Version}", q35], Timeout,
            workingDirectory: consumer, environment: env);
        Assert.True(goExample.ExitCode == 0, goExample.Transcript);
        Assert.StartsWith($"q35-basic.json: {JsonNode.Parse(Reference("plan", q35))!["devices"]!.AsArray().Count} devices (devaddr {Version})\n", goExample.StandardOutput);
        ReleaseNote($"Go module {GoModule}@v{Version} from dist/go: go get + {examples.Count}/{examples.Count} examples planned byte for byte " +
                    $"as the CLI ({(get.Elapsed + run.Elapsed).TotalSeconds:F1} s); devaddr-example: {goExample.StandardOutput.Trim().Replace("\n", "; ", StringComparison.Ordinal)}");
    }

    [ContainerFact]
    public void Containerfile_BuiltWithAContainerBuilder_PlansAnExampleAsTheCli()
    {
        string builder = ContainerFactAttribute.Builder!;
        string image = $"localhost/devaddr-test:{Version}";
        var build = ProcessRunner.Run(builder, ["build", "-f", "Containerfile", "-t", image, "."], TimeSpan.FromMinutes(40));
        Assert.True(build.ExitCode == 0, build.Transcript);
        try
        {
            var version = ProcessRunner.Run(builder, ["run", "--rm", image, "/bin/sh", "-c", "devaddr --version"], Timeout);
            Assert.True(version.ExitCode == 0, version.Transcript);
            Assert.Equal(Version, version.StandardOutput.Trim());
            var plan = ProcessRunner.Run(builder, ["run", "--rm", "-v", $"{RepoPaths.Examples}:/in:ro", image,
                "devaddr", "plan", "/in/q35-basic.json"], Timeout);
            Assert.True(plan.ExitCode == 0, plan.Transcript);
            Assert.Equal(Reference("plan", Path.Combine(RepoPaths.Examples, "q35-basic.json")), plan.StandardOutput);
            ReleaseNote($"Containerfile built with {builder} in {build.Elapsed.TotalSeconds:F0} s; q35-basic.json planned as the CLI");
        }
        finally
        {
            ProcessRunner.Run(builder, ["rmi", image], Timeout);
        }
    }

    /// <summary>Every request in fixtures/examples (JSON and YAML), by full path, sorted.</summary>
    private static List<string> ExampleFiles() =>
        [.. Directory.GetFiles(RepoPaths.Examples).Where(f => f.EndsWith(".json", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];

    /// <summary>What the reference CLI prints on standard output for these arguments (exit 0 required); cached.</summary>
    private static string Reference(params string[] arguments) =>
        ReferenceOutputs.GetOrAdd(string.Join('\0', arguments), _ =>
        {
            var run = ProcessRunner.Run("dotnet", [RepoPaths.CliDll, .. arguments], Timeout);
            Assert.True(run.ExitCode == 0, $"devaddr {string.Join(' ', arguments)}: {run.Transcript}");
            return run.StandardOutput;
        });

    /// <summary>A new empty directory in the fixture's work directory.</summary>
    private string FreshDirectory(string name)
    {
        string dir = Path.Combine(release.Work, name);
        if (Directory.Exists(dir))
            Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>
    /// The shell command of the Job in docs/fleet-kubernetes.md: its <c>args</c> item, a YAML folded scalar
    /// (<c>- &gt;-</c>) whose lines join with spaces.
    /// </summary>
    private static string JobCommand(string doc)
    {
        var lines = doc.Split('\n');
        int start = Array.FindIndex(lines, l => l.Trim() == "args:") + 1;
        Assert.True(start > 0 && lines[start].Trim() == "- >-", "docs/fleet-kubernetes.md: no 'args:' with a folded '- >-' item");
        int indent = lines[start].Length - lines[start].TrimStart().Length;
        var folded = lines.Skip(start + 1).TakeWhile(l => l.Length - l.TrimStart().Length > indent && l.Trim().Length > 0).Select(l => l.Trim());
        return string.Join(' ', folded);
    }

    /// <summary>Writes a fleet of guests (every example and scenario request, four times under different ids); returns its size.</summary>
    private static int WriteFleet(string path)
    {
        var requests = Directory.GetFiles(RepoPaths.Examples, "*.json").Concat(Directory.GetFiles(RepoPaths.Scenarios, "*.json"))
            .Order(StringComparer.Ordinal).Select(f => JsonNode.Parse(File.ReadAllText(f))!.ToJsonString()).ToList();
        var lines = Enumerable.Range(0, 4 * requests.Count).Select(i => $$"""{"id": "vm-{{i:D4}}", "request": {{requests[i % requests.Count]}}}""");
        File.WriteAllLines(path, lines);
        return 4 * requests.Count;
    }

    /// <summary>The machine's NuGet global packages folder (NUGET_PACKAGES, or as configured), which a local feed can be made of.</summary>
    private static string GlobalPackagesFolder()
    {
        var run = ProcessRunner.Run("dotnet", ["nuget", "locals", "global-packages", "--list"], Timeout);
        Assert.True(run.ExitCode == 0, run.Transcript);
        return run.StandardOutput.Trim().Split("global-packages: ", 2)[1].Trim();
    }

    /// <summary>The version in a .nupkg's .nuspec.</summary>
    private static string NuspecVersion(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        using var nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        return XDocument.Load(nuspec).Descendants().Single(e => e.Name.LocalName == "version").Value;
    }

    /// <summary>The wheel's METADATA header fields (the first value of each).</summary>
    private static Dictionary<string, string> WheelMetadata(string wheel)
    {
        using var zip = ZipFile.OpenRead(wheel);
        using var reader = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".dist-info/METADATA", StringComparison.Ordinal)).Open());
        var fields = new Dictionary<string, string>();
        for (string? line = reader.ReadLine(); !string.IsNullOrEmpty(line); line = reader.ReadLine())
        {
            int colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon > 0)
                fields.TryAdd(line[..colon], line[(colon + 2)..]);
        }
        return fields;
    }

    private void ReleaseNote(string line) => NativeLibraryFixture.Note(output, "[release] " + line);

    [GeneratedRegex(@"^\s*completions: (\d+)", RegexOptions.Multiline)]
    private static partial Regex CompletionsLine();
}
