using DevAddr.Cli.Fleet;

namespace DevAddr.Fleet.Tests;

public sealed class PlanCacheTests
{
    private static PlannedShape Shape(int size) => new(true, new byte[size], null, 0, 0);

    [Fact]
    public async Task GetOrPlanAsync_ManyConcurrentCallersOfOneShape_PlansItOnce()
    {
        var cache = new PlanCache(1 << 20);
        int planned = 0;
        using var gate = new ManualResetEventSlim();

        var calls = Enumerable.Range(0, 16).Select(_ => Task.Run(() => cache.GetOrPlanAsync(42, () =>
        {
            Interlocked.Increment(ref planned);
            gate.Wait();
            return Shape(10);
        }).AsTask())).ToArray();
        await Task.Delay(100);
        gate.Set();
        var results = await Task.WhenAll(calls);

        Assert.Equal(1, planned);
        Assert.Equal(15, results.Count(r => r.Hit));
        Assert.Single(results.Select(r => r.Shape).Distinct());
    }

    [Fact]
    public async Task GetOrPlanAsync_OverBudget_EvictsTheLeastRecentlyUsed()
    {
        var cache = new PlanCache(3 * (100 + 128));
        foreach (int key in new[] { 1, 2, 3 }) await cache.GetOrPlanAsync((UInt128)key, () => Shape(100));
        await cache.GetOrPlanAsync(1, () => throw new InvalidOperationException("1 is cached")); // 1 becomes most recent

        await cache.GetOrPlanAsync(4, () => Shape(100)); // evicts 2

        Assert.Equal(3, cache.Count);
        Assert.True((await cache.GetOrPlanAsync(3, () => Shape(1))).Hit);
        Assert.False((await cache.GetOrPlanAsync(2, () => Shape(1))).Hit);
    }

    [Fact]
    public async Task GetOrPlanAsync_PlannerThrows_WaitersGetTheExceptionAndNothingIsCached()
    {
        var cache = new PlanCache(1 << 20);
        using var gate = new ManualResetEventSlim();
        var owner = Task.Run(() => cache.GetOrPlanAsync(7, () =>
        {
            gate.Wait();
            throw new InvalidOperationException("boom");
        }).AsTask());
        while (cache.Count == 0) await Task.Delay(5);
        var waiter = cache.GetOrPlanAsync(7, () => Shape(1)).AsTask();

        gate.Set();

        await Assert.ThrowsAsync<InvalidOperationException>(() => owner);
        await Assert.ThrowsAsync<InvalidOperationException>(() => waiter);
        Assert.Equal(0, cache.Count);
        Assert.False((await cache.GetOrPlanAsync(7, () => Shape(1))).Hit);
    }

    [Fact]
    public async Task GetOrPlanAsync_ZeroBudget_PlansEveryTime()
    {
        var cache = new PlanCache(0);

        var first = await cache.GetOrPlanAsync(1, () => Shape(1));
        var second = await cache.GetOrPlanAsync(1, () => Shape(1));

        Assert.Equal((false, false), (first.Hit, second.Hit));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void KeyOf_SameRequestSpelledDifferently_SameKey_DifferentDeviceIds_DifferentKey()
    {
        var a = DevAddr.Core.Serialization.PlanJson.ReadRequest(
            """{"machine":{"arch":"x86_64","type":"q35"},"devices":[{"id":"n","kind":"interface","model":"virtio","address":{"type":"pci","domain":0,"bus":0,"slot":3,"function":0}}]}""").Request!;
        var b = DevAddr.Core.Serialization.PlanJson.ReadRequest(
            "machine: {type: q35, arch: x86_64}\npolicy: {name: libvirt}\ndevices:\n  - {kind: interface, id: n, model: virtio, address: {type: pci, slot: 0x3, bus: 0, function: 0, domain: 0}}\n").Request!;
        var c = a with { Devices = [a.Devices[0] with { Id = "m" }] };

        Assert.Equal(PlanCache.KeyOf(a), PlanCache.KeyOf(b));
        Assert.NotEqual(PlanCache.KeyOf(a), PlanCache.KeyOf(c));
        Assert.NotEqual(PlanCache.KeyOf(a), PlanCache.KeyOf(a with { NumaNodes = 2 }));
    }
}
