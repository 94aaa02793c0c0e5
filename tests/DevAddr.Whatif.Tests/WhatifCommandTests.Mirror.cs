using System.Text.Json;

namespace DevAddr.Whatif.Tests;

/// <summary><c>devaddr whatif --mirror</c>: the mirror modes of a request with a host topology side by side.</summary>
public sealed partial class WhatifCommandTests
{
    private static readonly string Dgx = WhatifTestFiles.Repo("fixtures/hosts/dgx-h100/request.json");

    [Fact]
    public void Whatif_MirrorModes_P2pPairsExpandersAndWindowsPerMode()
    {
        var (exit, stdout, err) = WhatifTestFiles.Run("whatif", Dgx, "--mirror", "numa,root-complex,switch", "--no-baseline", "--format", "json");

        Assert.True(exit == 0, err);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(["mirror=numa", "mirror=root-complex", "mirror=switch"],
            doc.RootElement.GetProperty("scenarios").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        var (numa, rc, sw) = (Scenario(doc, "mirror=numa"), Scenario(doc, "mirror=root-complex"), Scenario(doc, "mirror=switch"));
        // 8 GPU/NIC pairs share a host switch; only mirror=switch keeps them under one guest switch.
        Assert.All(new[] { numa, rc, sw }, s => Assert.Equal(8, s.GetProperty("p2pPairs").GetInt32()));
        Assert.Equal([0, 0, 8], new[] { numa, rc, sw }.Select(s => s.GetProperty("p2pPairsKept").GetInt32()));
        // One expander bus per host NUMA node (2), per host root complex (10).
        Assert.Equal([2, 10, 10], new[] { numa, rc, sw }.Select(s => s.GetProperty("expanderBuses").GetInt32()));
        Assert.True(sw.GetProperty("busNumbers").GetInt32() > rc.GetProperty("busNumbers").GetInt32());
        Assert.True(rc.GetProperty("busNumbers").GetInt32() > numa.GetProperty("busNumbers").GetInt32());
        // A GPU's window is 256 GiB; a switch holding a GPU and a NIC is 384 GiB.
        Assert.Equal(rc.GetProperty("mmio64WindowBytes").GetInt64() + 8 * (128L << 30) - 8 * (32L << 20), sw.GetProperty("mmio64WindowBytes").GetInt64());
        Assert.True(sw.GetProperty("pciHole64Bytes").GetInt64() >= sw.GetProperty("mmio64WindowBytes").GetInt64());
    }

    [Fact]
    public void Whatif_RequestWithoutHostTopology_NoMirrorRows()
    {
        var (exit, stdout, err) = WhatifTestFiles.Run("whatif", Small, "--format", "json");

        Assert.True(exit == 0, err);
        Assert.DoesNotContain("p2pPairs", stdout);
        Assert.DoesNotContain("pciHole64Bytes", stdout);
    }

    [Theory]
    [InlineData("rack", "--mirror: 'rack' is not one of numa, root-complex, switch")]
    public void Whatif_UnknownMirrorMode_UsageError(string modes, string message)
    {
        var (exit, _, err) = WhatifTestFiles.Run("whatif", Dgx, "--mirror", modes);

        Assert.Equal(1, exit);
        Assert.Contains(message, err);
    }
}
