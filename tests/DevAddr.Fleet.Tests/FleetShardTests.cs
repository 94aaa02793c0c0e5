using DevAddr.Cli.Fleet;

namespace DevAddr.Fleet.Tests;

public sealed class FleetShardTests
{
    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("3/4", 3, 4)]
    [InlineData("999999/1000000", 999999, 1000000)]
    public void TryParse_ValidSpec_ReturnsShard(string text, int k, int n)
    {
        Assert.True(FleetShard.TryParse(text, out var shard, out _));
        Assert.Equal(new FleetShard(k, n), shard);
        Assert.Equal(text, shard.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("1/1")]
    [InlineData("0/1000001")]
    [InlineData("a/b")]
    [InlineData("+1/2")]
    [InlineData("1/2/3")]
    public void TryParse_InvalidSpec_ReturnsFalseWithMessage(string text)
    {
        Assert.False(FleetShard.TryParse(text, out _, out string error));
        Assert.Contains("--shard", error);
    }

    [Fact]
    public void Contains_ManyIds_EachInExactlyOneShardAndSharesAreEven()
    {
        const int n = 5;
        var counts = new int[n];
        for (int i = 0; i < 50_000; i++)
        {
            var hash = FleetIdHash.Of($"guest-{i}");
            var owners = Enumerable.Range(0, n).Where(k => new FleetShard(k, n).Contains(hash)).ToList();
            Assert.Single(owners);
            counts[owners[0]]++;
        }
        Assert.All(counts, c => Assert.InRange(c, 9_500, 10_500));
    }

    [Fact]
    public void FleetIdHash_KnownId_MatchesSha256()
    {
        // Python: int.from_bytes(hashlib.sha256(b"vm-000001").digest()[:8], "big")
        Assert.Equal(16268185749100177488UL, FleetIdHash.Of("vm-000001").ShardKey);
        Assert.Equal(FleetIdHash.Of("vm-000001"), FleetIdHash.Of("vm-000001"));
        Assert.NotEqual(FleetIdHash.Of("vm-000001").Key, FleetIdHash.Of("vm-000002").Key);
    }
}
