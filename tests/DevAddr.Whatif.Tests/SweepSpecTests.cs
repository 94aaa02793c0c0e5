using DevAddr.Cli.Whatif;
using DevAddr.Core.Model;

namespace DevAddr.Whatif.Tests;

public sealed class SweepSpecTests
{
    [Theory]
    [InlineData("hotplugReserve=0..32", "hotplugReserve", 0, 32, 1, 33)]
    [InlineData("hotplugReserve=2..10:4", "hotplugReserve", 2, 10, 4, 3)]
    [InlineData("hotplugReservePerNode.3=0..8:2", "hotplugReservePerNode.3", 0, 8, 2, 5)]
    [InlineData("budgets.ioBytes=4K..64K:4K", "budgets.ioBytes", 4096, 65536, 4096, 16)]
    [InlineData("compactnessWeight=5..5", "compactnessWeight", 5, 5, 1, 1)]
    [InlineData("sparePortReserve.pref64=0..16G:4G", "sparePortReserve.pref64", 0, 16L << 30, 4L << 30, 5)]
    [InlineData("sparePortReserve.bus=0..4", "sparePortReserve.bus", 0, 4, 1, 5)]
    public void TryParse_ValidRange_ReadsBoundsAndValues(string text, string tunable, long from, long to, long step, int count)
    {
        Assert.True(SweepSpec.TryParse(text, out var spec, out string error), error);
        Assert.Equal(new SweepSpec(tunable, from, to, step), spec);
        Assert.Equal(count, spec!.Values().Count());
        Assert.Equal(to - (to - from) % step, spec.Values().Last());
    }

    [Theory]
    [InlineData("hotplugReserve")]
    [InlineData("hotplugReserve=")]
    [InlineData("hotplugReserve=4")]
    [InlineData("=0..4")]
    [InlineData("hotplugReserve=a..4")]
    [InlineData("hotplugReserve=0..4:")]
    [InlineData("hotplugReserve=0..4:-1")]
    [InlineData("hotplugReserve=0..3000000000")]
    [InlineData("hotplugReservePerNode=0..4")]
    [InlineData("hotplugReservePerNode.x=0..4")]
    [InlineData("packing=0..4")]
    [InlineData("budgets.ioBytes=0..1G")]
    public void TryParse_BadText_FailsWithAMessage(string text)
    {
        Assert.False(SweepSpec.TryParse(text, out var spec, out string error));
        Assert.Null(spec);
        Assert.StartsWith("--sweep", error);
    }

    [Fact]
    public void Apply_ExistingReserve_KeepsModeWeightAndOtherTunables()
    {
        var policy = new PolicySpec
        {
            Name = PolicySpec.Libvirt,
            Tunables = new Tunables
            {
                HotplugReserve = new Tunable<int> { Value = 1, Mode = TunableModes.Prefer, Weight = 7 },
                CompactnessWeight = 3,
                HotplugReservePerNode = new Dictionary<string, Tunable<int>> { ["0"] = new() { Value = 2 } },
            },
            Solver = new SolverSettings { Threads = 2 },
        };
        Assert.True(SweepSpec.TryParse("hotplugReserve=0..9", out var spec, out _));

        var swept = spec!.Apply(policy, 9);

        Assert.Equal(PolicySpec.Optimize, swept.Name);
        Assert.Equal(new Tunable<int> { Value = 9, Mode = TunableModes.Prefer, Weight = 7 }, swept.Tunables!.HotplugReserve);
        Assert.Equal(3, swept.Tunables.CompactnessWeight);
        Assert.Same(policy.Tunables.HotplugReservePerNode, swept.Tunables.HotplugReservePerNode);
        Assert.Same(policy.Solver, swept.Solver);
        Assert.Equal(1, policy.Tunables.HotplugReserve.Value);
    }

    [Fact]
    public void Apply_PerNode_AddsThatNodeAndKeepsTheOthers()
    {
        var policy = new PolicySpec
        {
            Tunables = new Tunables { HotplugReservePerNode = new Dictionary<string, Tunable<int>> { ["0"] = new() { Value = 2 } } },
        };
        Assert.True(SweepSpec.TryParse("hotplugReservePerNode.1=0..4", out var spec, out _));

        var perNode = spec!.Apply(policy, 4).Tunables!.HotplugReservePerNode!;

        Assert.Equal(1, spec.Node);
        Assert.Equal(2, perNode["0"].Value);
        Assert.Equal(4, perNode["1"].Value);
        Assert.True(perNode["1"].IsRequired);
        Assert.Single(policy.Tunables.HotplugReservePerNode!);
    }

    [Fact]
    public void Apply_Budget_SetsOnlyThatBudget()
    {
        var policy = new PolicySpec { Tunables = new Tunables { Budgets = new Budgets { BusNumbers = 40 } } };
        Assert.True(SweepSpec.TryParse("budgets.mmio32Bytes=1M..2M:1M", out var spec, out _));

        var budgets = spec!.Apply(policy, 2 << 20).Tunables!.Budgets!;

        Assert.Equal(new Budgets { BusNumbers = 40, Mmio32Bytes = 2 << 20 }, budgets);
    }
}
