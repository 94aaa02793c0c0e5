using DevAddr.Libvirt.Tests.Oracle;

namespace DevAddr.Libvirt.Tests;

public sealed class SplitMix64Tests
{
    [Fact]
    public void NextUInt64_Seed1234567_MatchesTheReferenceImplementation()
    {
        var rng = new SplitMix64(1234567);

        ulong[] expected = [6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431, 16408922859458223821];
        Assert.Equal(expected, Enumerable.Range(0, 5).Select(_ => rng.NextUInt64()));
    }

    [Fact]
    public void Below_ManyDraws_StaysInRangeAndHitsEveryValue()
    {
        var rng = new SplitMix64(7);

        var seen = Enumerable.Range(0, 2000).Select(_ => rng.Below(7)).ToHashSet();

        Assert.Equal(Enumerable.Range(0, 7), seen.Order());
    }

    [Fact]
    public void Between_BoundsIncluded()
    {
        var rng = new SplitMix64(8);

        var seen = Enumerable.Range(0, 500).Select(_ => rng.Between(-2, 2)).ToHashSet();

        Assert.Equal([-2, -1, 0, 1, 2], seen.Order());
    }

    [Fact]
    public void NextDouble_ManyDraws_InUnitInterval()
    {
        var rng = new SplitMix64(9);

        Assert.All(Enumerable.Range(0, 1000).Select(_ => rng.NextDouble()), d => Assert.InRange(d, 0.0, 0.9999999999999999));
    }
}
