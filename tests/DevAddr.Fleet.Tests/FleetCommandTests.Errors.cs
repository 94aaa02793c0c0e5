using System.Text.Json;

namespace DevAddr.Fleet.Tests;

public sealed partial class FleetCommandTests
{
    private const string Q35 = """{"machine":{"arch":"x86_64","type":"q35"},"devices":[{"id":"nic","kind":"interface","model":"virtio"}]}""";

    [Fact]
    public void Fleet_BadLines_EachGetsItsOwnErrorOrIsRejectedAndTheRestIsPlanned()
    {
        string input = _files.WriteLines("in.jsonl",
        [
            $$"""{"id":"first","request":{{Q35}}}""",
            $$"""{"request":{{Q35}}}""",                                            // 2: no id -> rejected
            "this is not JSON",                                                    // 3: rejected
            $$"""{"id":7,"request":{{Q35}}}""",                                    // 4: id not a string -> rejected
            $$"""{"id":"  ","request":{{Q35}}}""",                                 // 5: empty id -> rejected
            "",                                                                    // 6: blank, ignored
            """{"id":"no-request"}""",                                             // error line
            """{"id":"not-object","request":[1]}""",                               // error line
            $$"""{"id":"extra","request":{{Q35}},"host":"h1"}""",                  // error line
            """{"id":"malformed","request":{"machine":{"arch":"x86_64","type":"q35"},"devicez":[]}}""", // error line
            """{"id":"unknown-machine","request":{"machine":{"arch":"x86_64","type":"nope"}}}""",      // error line
            $$"""{"id":"first","request":{{Q35}}}""",                              // 12: duplicate id -> rejected
            $$"""{"id":"last","request":{{Q35}}}""",
        ]);
        string output = _files.PathOf("out.jsonl");

        var (exit, _, err) = FleetTestFiles.Run("fleet", input, "-o", output);

        Assert.Equal(2, exit);
        Assert.Contains("in.jsonl:2: the line has no \"id\"; line skipped", err);
        Assert.Contains("in.jsonl:3: not a JSON object", err);
        Assert.Contains("in.jsonl:4: \"id\" must be a string", err);
        Assert.Contains("in.jsonl:5: \"id\" is empty", err);
        Assert.Contains("in.jsonl:12: duplicate id 'first'", err);
        Assert.Contains("rejected lines 5", err);
        var results = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["first", "no-request", "not-object", "extra", "malformed", "unknown-machine", "last"],
            results.Select(r => r.GetProperty("id").GetString()));
        string Code(int i) => results[i].GetProperty("error").GetProperty("code").GetString()!;
        string Rule(int i) => results[i].GetProperty("error").GetProperty("rule").GetString()!;
        Assert.True(results[0].TryGetProperty("plan", out _));
        Assert.Equal(("invalid-input", "fleet-line"), (Code(1), Rule(1)));
        Assert.Equal(("invalid-input", "fleet-line"), (Code(2), Rule(2)));
        Assert.Equal(("invalid-input", "fleet-line"), (Code(3), Rule(3)));
        Assert.Equal(("invalid-input", "well-formed"), (Code(4), Rule(4)));
        Assert.Equal(("unknown-model", "known-machine"), (Code(5), Rule(5)));
        Assert.True(results[6].TryGetProperty("plan", out _));
    }

    [Fact]
    public void Fleet_RequestError_SameErrorAsDevaddrPlan()
    {
        const string request = """{"machine":{"arch":"x86_64","type":"q35"},"devices":[{"id":"a","kind":"disk","bus":"virtio","target":"vda"},{"id":"a","kind":"disk","bus":"virtio","target":"vdb"}]}""";
        string input = _files.WriteLines("in.jsonl", [$$"""{"id":"dup-device","request":{{request}}}"""]);
        File.WriteAllText(_files.PathOf("req.json"), request);

        var fleet = FleetTestFiles.Run("fleet", input, "-o", _files.PathOf("out.jsonl"));
        var alone = FleetTestFiles.Run("plan", _files.PathOf("req.json"), "--json-errors");

        Assert.Equal(0, fleet.Exit);
        Assert.Equal(2, alone.Exit);
        var line = JsonDocument.Parse(File.ReadAllText(_files.PathOf("out.jsonl"))).RootElement;
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(
            System.Text.Json.Nodes.JsonNode.Parse(alone.Err), System.Text.Json.Nodes.JsonNode.Parse(line.GetProperty("error").GetRawText())));
    }

    [Fact]
    public void Fleet_MissingInput_ExitsWithInvalidInput()
    {
        var (exit, _, err) = FleetTestFiles.Run("fleet", _files.PathOf("absent.jsonl"), "-o", _files.PathOf("out.jsonl"));

        Assert.Equal(2, exit);
        Assert.Contains("cannot read", err);
    }
}
