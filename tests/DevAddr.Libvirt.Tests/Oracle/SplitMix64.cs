namespace DevAddr.Libvirt.Tests.Oracle;

/// <summary>
/// Steele, Lea and Flood's SplitMix64 generator (as in Vigna's <c>splitmix64.c</c>): a fully specified PRNG,
/// so a seed gives the same stream on every machine and .NET version (unlike <see cref="Random"/>, whose
/// algorithm is not a contract). Not for cryptography.
/// </summary>
internal sealed class SplitMix64(ulong seed)
{
    private const double TwoToMinus53 = 1.0 / (1UL << 53);

    private ulong state = seed;

    public ulong NextUInt64()
    {
        unchecked
        {
            ulong z = state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>A double in [0, 1) from the top 53 bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * TwoToMinus53;

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Chance(double p) => NextDouble() < p;

    /// <summary>The low <paramref name="bits"/> bits of a draw (0 ≤ bits ≤ 64).</summary>
    public ulong Bits(int bits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bits);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bits, 64);
        return bits == 0 ? 0 : NextUInt64() >> (64 - bits);
    }

    /// <summary>Uniform in [0, <paramref name="bound"/>), without modulo bias.</summary>
    public int Below(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        ulong n = (ulong)bound;
        ulong limit = ulong.MaxValue - (((ulong.MaxValue % n) + 1) % n); // largest multiple of n, minus 1
        ulong draw;
        do
        {
            draw = NextUInt64();
        }
        while (draw > limit);

        return (int)(draw % n);
    }

    /// <summary>Uniform in [<paramref name="min"/>, <paramref name="max"/>], both included.</summary>
    public int Between(int min, int max)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(min, max);
        return min + Below(max - min + 1);
    }

    public T PickFrom<T>(IReadOnlyList<T> options) => options[Below(options.Count)];

    public T Pick<T>(params T[] options) => options[Below(options.Length)];
}
