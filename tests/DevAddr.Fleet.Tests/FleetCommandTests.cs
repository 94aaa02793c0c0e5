using System.Text.Json;
using System.Text.Json.Nodes;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using DevAddr.Solver;

namespace DevAddr.Fleet.Tests;

/// <summary><c>devaddr fleet</c> through the real root command: order, cache equivalence, summary.</summary>
public sealed partial class FleetCommandTests : IDisposable
{
    private static readonly JsonSerializerOptions Compact = new(PlanJson.Options) { WriteIndented = false };
    private readonly FleetTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>What planning one input line's guest alone gives: "plan:{...}" or "error:{...}" (compact JSON).</summary>
    private static string PlanAlone(string inputLine)
    {
        using var doc = JsonDocument.Parse(inputLine);
        var (request, readError) = PlanJson.ReadRequest(doc.RootElement.GetProperty("request").GetRawText(), yaml: false);
        if (readError is not null) return "error:" + JsonSerializer.Serialize(readError, Compact);
        return OptimizingPlanner.Plan(request!) switch
        {
            PlanResult.Success s => "plan:" + JsonSerializer.Serialize(s.Plan, Compact),
            PlanResult.Failure f => "error:" + JsonSerializer.Serialize(f.Error, Compact),
            _ => throw new InvalidOperationException(),
        };
    }

    /// <summary>The result of an output line in the form of <see cref="PlanAlone"/>.</summary>
    private static string ResultOf(string outputLine)
    {
        using var doc = JsonDocument.Parse(outputLine);
        return doc.RootElement.TryGetProperty("plan", out var p) ? "plan:" + p.GetRawText()
            : "error:" + doc.RootElement.GetProperty("error").GetRawText();
    }

    [Fact]
    public void Fleet_FourThreads_OutputOrderEqualsInputOrder()
    {
        string input = _files.Fleet("in.jsonl", guests: 400, unique: 0.2);
        string output = _files.PathOf("out.jsonl");

        var (exit, _, err) = FleetTestFiles.Run("fleet", input, "-o", output, "--threads", "4");

        Assert.True(exit == 0, err);
        Assert.Equal(FleetTestFiles.Ids(input), FleetTestFiles.Ids(output));
    }

    [Fact]
    public void Fleet_RepeatedShapes_EveryLineIdenticalToPlanningThatGuestAlone()
    {
        string input = _files.Fleet("in.jsonl", guests: 300, unique: 0.2);
        string output = _files.PathOf("out.jsonl");

        var (exit, _, err) = FleetTestFiles.Run("fleet", input, "-o", output, "--threads", "3");

        Assert.True(exit == 0, err);
        Assert.Contains("shapes planned 60, cache hits 240", err);
        var inLines = File.ReadAllLines(input);
        var outLines = File.ReadAllLines(output);
        Assert.Equal(inLines.Length, outLines.Length);
        for (int i = 0; i < inLines.Length; i++)
            Assert.True(PlanAlone(inLines[i]) == ResultOf(outLines[i]), $"line {i + 1} differs from planning that guest alone");
    }

    [Fact]
    public void Fleet_CacheOff_SameBytesAsCacheOn()
    {
        string input = _files.Fleet("in.jsonl", guests: 200, unique: 0.3);

        var on = FleetTestFiles.Run("fleet", input, "-o", _files.PathOf("on.jsonl"));
        var off = FleetTestFiles.Run("fleet", input, "-o", _files.PathOf("off.jsonl"), "--cache-mib", "0", "--threads", "1");

        Assert.Equal((0, 0), (on.Exit, off.Exit));
        Assert.Contains("cache hits 0", off.Err);
        Assert.Equal(File.ReadAllBytes(_files.PathOf("off.jsonl")), File.ReadAllBytes(_files.PathOf("on.jsonl")));
    }

    [Fact]
    public void Fleet_ExampleRequest_PlanEqualsDevaddrPlanOutput()
    {
        string request = File.ReadAllText(Path.Combine(RepoRoot(), "fixtures", "examples", "q35-basic.json"));
        string compactRequest = JsonNode.Parse(request)!.ToJsonString();
        string input = _files.WriteLines("in.jsonl", [$"{{\"id\":\"a\",\"request\":{compactRequest}}}", $"{{\"id\":\"b\",\"request\":{compactRequest}}}"]);
        string output = _files.PathOf("out.jsonl");
        File.WriteAllText(_files.PathOf("req.json"), request);

        var fleet = FleetTestFiles.Run("fleet", input, "-o", output);
        var alone = FleetTestFiles.Run("plan", _files.PathOf("req.json"));

        Assert.Equal((0, 0), (fleet.Exit, alone.Exit));
        var expected = JsonNode.Parse(alone.Out);
        foreach (string line in File.ReadAllLines(output))
            Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(line)!["plan"]), "fleet plan differs from devaddr plan");
    }

    [Fact]
    public void Fleet_Summary_CountsFailuresByCodeAndPercentiles()
    {
        string input = _files.WriteLines("in.jsonl",
        [
            """{"id":"ok","request":{"machine":{"arch":"x86_64","type":"q35"},"devices":[{"id":"nic","kind":"interface","model":"virtio"}]}}""",
            """{"id":"m1","request":{"machine":{"arch":"x86_64","type":"nope"}}}""",
            """{"id":"m2","request":{"machine":{"arch":"x86_64","type":"nope"}}}""",
            """{"id":"bad","request":{"machine":{"arch":"x86_64","type":"q35"},"devices":[{"id":"x"}]}}""",
        ]);

        var (exit, _, err) = FleetTestFiles.Run("fleet", input, "-o", _files.PathOf("out.jsonl"));

        Assert.True(exit == 0, err);
        Assert.Contains("results: 1 plan(s), 3 error(s): 2x unknown-model, 1x invalid-input", err);
        Assert.Matches(@"plan time per shape planned \(ms, n=2\): p50 [0-9.]+, p95 [0-9.]+, p99 [0-9.]+", err);
        Assert.Matches(@"controllers added per guest with a plan \(n=1\): mean [0-9.]+, p50 [0-9]+", err);
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DevAddr.Solver.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("DevAddr.Solver.sln not found above " + AppContext.BaseDirectory);
    }
}
