namespace DevAddr.Fleet.Tests;

public sealed partial class FleetCommandTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public void Fleet_NShards_PartitionTheInputExactly(int n)
    {
        string input = _files.Fleet("in.jsonl", guests: 150, unique: 0.2);
        string whole = _files.PathOf("whole.jsonl");
        Assert.Equal(0, FleetTestFiles.Run("fleet", input, "-o", whole).Exit);
        var wholeLines = File.ReadAllLines(whole);
        var position = FleetTestFiles.Ids(input).Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);

        var shardLines = new List<string>();
        for (int k = 0; k < n; k++)
        {
            string output = _files.PathOf($"shard{k}.jsonl");
            var (exit, _, err) = FleetTestFiles.Run("fleet", input, "-o", output, "--shard", $"{k}/{n}");
            Assert.True(exit == 0, err);
            var ids = FleetTestFiles.Ids(output);
            Assert.Equal(ids.OrderBy(id => position[id]), ids); // each shard keeps input order
            shardLines.AddRange(File.ReadAllLines(output));
        }

        // Every guest in exactly one shard, with the very line the whole run gives.
        Assert.Equal(wholeLines.Order(StringComparer.Ordinal), shardLines.Order(StringComparer.Ordinal));
        Assert.Equal(wholeLines.Length, shardLines.Select(l => l[..l.IndexOf(",\"", StringComparison.Ordinal)]).Distinct().Count());
    }

    [Fact]
    public void Fleet_Shard_DependsOnTheIdNotThePosition()
    {
        // SHA-256("vm-000001")[0..8] big-endian = 16268185749100177488, mod 7 = 1 (computed with Python's hashlib).
        var lines = new[] { "a", "guest-42", "vm-000001" }
            .Select(id => "{\"id\":\"" + id + "\",\"request\":" + Q35 + "}").ToArray();
        string forward = _files.WriteLines("f.jsonl", lines);
        string backward = _files.WriteLines("b.jsonl", lines.Reverse());

        Assert.Equal(0, FleetTestFiles.Run("fleet", forward, "-o", _files.PathOf("f1.jsonl"), "--shard", "1/7").Exit);
        Assert.Equal(0, FleetTestFiles.Run("fleet", backward, "-o", _files.PathOf("b1.jsonl"), "--shard", "1/7").Exit);
        Assert.Equal(0, FleetTestFiles.Run("fleet", forward, "-o", _files.PathOf("f4.jsonl"), "--shard", "4/7").Exit);

        Assert.Equal(["vm-000001"], FleetTestFiles.Ids(_files.PathOf("f1.jsonl")));
        Assert.Equal(["vm-000001"], FleetTestFiles.Ids(_files.PathOf("b1.jsonl")));
        Assert.Equal(["a"], FleetTestFiles.Ids(_files.PathOf("f4.jsonl")));
    }

    [Theory]
    [InlineData("3/3")]
    [InlineData("1")]
    [InlineData("-1/2")]
    [InlineData("0/0")]
    public void Fleet_BadShard_ExitsWithUsage(string shard)
    {
        string input = _files.Fleet("in.jsonl", guests: 2, unique: 1);

        var (exit, _, err) = FleetTestFiles.Run("fleet", input, "-o", _files.PathOf("out.jsonl"), "--shard", shard);

        Assert.Equal(1, exit);
        Assert.Contains("--shard", err);
    }
}
