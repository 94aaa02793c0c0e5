using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using DevAddr.Golden;
using DevAddr.Solver;

namespace DevAddr.Golden.Tests;

/// <summary>The golden layout and what the report says when a plan changes.</summary>
public sealed class GoldenDiffTests
{
    private static string Q35Plan()
    {
        var (request, error) = PlanJson.ReadRequest(File.ReadAllText(Path.Combine(RepoPaths.Root, "fixtures", "examples", "q35-basic.json")));
        Assert.Null(error);
        return PlanJson.Serialize(Assert.IsType<PlanResult.Success>(OptimizingPlanner.Plan(request!)).Plan);
    }

    [Fact]
    public void Format_PutsEachDeviceOnOneLine_AndChangesOnlyWhitespaceOutsideStrings()
    {
        string pretty = Q35Plan();

        string golden = GoldenText.Format(pretty);

        Assert.Equal(GoldenText.Minify(pretty), GoldenText.Minify(golden));
        var lines = golden.Split('\n');
        Assert.Equal("{", lines[0]);
        Assert.Equal("\"devices\":[", lines[4]);
        Assert.StartsWith("{\"id\":\"root-disk\",", lines[5], StringComparison.Ordinal);
        Assert.EndsWith("}\n", golden, StringComparison.Ordinal);
    }

    [Fact]
    public void Minify_KeepsWhitespaceAndEscapesInsideStrings()
    {
        Assert.Equal("{\"a\":\"x y, {z}\\\" ]\",\"b\":[1,2]}", GoldenText.Minify("{ \"a\" : \"x y, {z}\\\" ]\",\n  \"b\": [ 1, 2 ] }"));
        Assert.Equal("{\n\"a\":\"x, y\",\n\"b\":[\n1,\n2\n],\n\"c\":[],\n\"d\":{\"e\":[1,2]}\n}\n",
            GoldenText.Format("{\"a\": \"x, y\", \"b\": [1, 2], \"c\": [], \"d\": {\"e\": [1, 2]}}"));
    }

    [Fact]
    public void Describe_AMovedDevice_SaysWhichDeviceMovedFromWhereToWhere()
    {
        string before = GoldenText.Format(Q35Plan());
        string after = before.Replace(
            "{\"id\":\"root-disk\",\"kind\":\"disk\",\"bus\":\"virtio\",\"target\":\"vda\",\"address\":{\"type\":\"pci\",\"domain\":0,\"bus\":6,",
            "{\"id\":\"root-disk\",\"kind\":\"disk\",\"bus\":\"virtio\",\"target\":\"vda\",\"address\":{\"type\":\"pci\",\"domain\":0,\"bus\":9,",
            StringComparison.Ordinal);
        Assert.NotEqual(before, after);

        var lines = GoldenDiff.Describe(before, after);

        Assert.Equal(["moved root-disk (disk): pci 0000:06:00.0 -> pci 0000:09:00.0"], lines);
        Assert.Equal(1, GoldenDiff.Moves(lines));
    }

    [Fact]
    public void Describe_AddedRemovedAndChangedDevices_AndTopLevelMembers()
    {
        const string Before = """{"policy":"optimize","devices":[{"id":"a","kind":"interface","model":"virtio","address":{"type":"pci","domain":0,"bus":1,"slot":0,"function":0}},{"id":"b","kind":"disk","address":{"type":"drive","controller":0,"bus":0,"target":0,"unit":1}}],"summary":{"devices":2}}""";
        const string After = """{"policy":"optimize","devices":[{"id":"a","kind":"interface","model":"e1000","address":{"type":"pci","domain":0,"bus":1,"slot":0,"function":0}},{"id":"c","kind":"rng","address":{"type":"pci","domain":0,"bus":2,"slot":0,"function":0}}],"summary":{"devices":3}}""";

        var lines = GoldenDiff.Describe(Before, After);

        Assert.Equal(
        [
            "changed a model: \"virtio\" -> \"e1000\"",
            "removed b (disk) from drive controller=0 bus=0 target=0 unit=1",
            "added c (rng) at pci 0000:02:00.0",
            "summary: {\"devices\":2} -> {\"devices\":3}",
        ], lines);
    }

    [Fact]
    public void Describe_PlanBecomingAnError_SaysSo()
    {
        const string Plan = """{"policy":"libvirt","devices":[{"id":"a","kind":"rng"}],"summary":{"devices":1}}""";
        const string Error = """{"code":"no-space","message":"no free slot","deviceId":"a","rule":"pci-slot"}""";

        Assert.Equal(["was planned with 1 devices, now refused ([no-space/pci-slot] no free slot)"], GoldenDiff.Describe(Plan, Error));
        Assert.Equal(["was refused ([no-space/pci-slot] no free slot), now planned with 1 devices"], GoldenDiff.Describe(Error, Plan));
    }

    [Fact]
    public void Compare_ReportsChangedMissingAndStaleFiles()
    {
        using var dir = new TempDir();
        var request = new PlanRequest { Machine = new MachineSpec("x86_64", "q35") };
        GoldenCase Case(string path) => new(path, request);
        Directory.CreateDirectory(Path.Combine(dir.Path, "v"));
        const string One = "{\n\"devices\":[],\n\"a\":1\n}\n", Two = "{\n\"devices\":[],\n\"a\":2\n}\n";
        File.WriteAllText(Path.Combine(dir.Path, "v", "same.json"), One);
        File.WriteAllText(Path.Combine(dir.Path, "v", "changed.json"), One);
        File.WriteAllText(Path.Combine(dir.Path, "v", "stale.json"), "{}\n");

        var report = GoldenReport.Compare(dir.Path, [Case("v/changed.json"), Case("v/missing.json"), Case("v/same.json")], [Two, "{}\n", One]);

        Assert.False(report.Clean);
        Assert.Equal("v/changed.json", Assert.Single(report.Changed).Path);
        Assert.Equal(["a: 1 -> 2"], report.Changed[0].Lines);
        Assert.Equal(["v/missing.json"], report.Missing);
        Assert.Equal(["v/stale.json"], report.Stale);
        Assert.Equal("golden: 3 plans, 1 unchanged, 1 changed (0 devices moved), 1 without a golden file, 1 golden files without a case", report.Summary);
    }

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("devaddr-golden-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
