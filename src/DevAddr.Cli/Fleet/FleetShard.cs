using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace DevAddr.Cli.Fleet;

/// <summary>
/// A deterministic share of a fleet: shard <see cref="Index"/> of <see cref="Count"/> (0-based, like a Kubernetes
/// Indexed Job's <c>JOB_COMPLETION_INDEX</c>). A guest belongs to shard <c>h mod N</c> where <c>h</c> is the first
/// 8 bytes, big-endian, of SHA-256 over its id's UTF-8 bytes: it depends on the id alone, never on the line's position,
/// so the N shards partition any input exactly and a guest stays in its shard when lines are added or reordered.
/// </summary>
internal readonly record struct FleetShard(int Index, int Count)
{
    /// <summary>Largest accepted shard count.</summary>
    public const int MaxCount = 1_000_000;

    /// <summary>The whole fleet (shard 0/1).</summary>
    public static FleetShard All => new(0, 1);

    /// <summary>True when the guest whose id hashes to <paramref name="id"/> belongs to this shard.</summary>
    public bool Contains(FleetIdHash id) => Count == 1 || id.ShardKey % (ulong)Count == (ulong)Index;

    /// <summary>Parses <c>K/N</c> with 0 ≤ K &lt; N ≤ <see cref="MaxCount"/>.</summary>
    public static bool TryParse(string? text, out FleetShard shard, out string error)
    {
        shard = All;
        error = "";
        var parts = (text ?? "").Split('/');
        if (parts.Length != 2 ||
            !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int k) ||
            !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n))
        {
            error = $"--shard must be K/N (e.g. 0/4), got '{text}'";
            return false;
        }
        if (n < 1 || n > MaxCount || k >= n)
        {
            error = $"--shard {text}: need 0 <= K < N <= {MaxCount} (K is 0-based, like JOB_COMPLETION_INDEX)";
            return false;
        }
        shard = new FleetShard(k, n);
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}

/// <summary>SHA-256 of a guest id: its first 8 bytes pick the shard, its first 16 bytes identify the id in sets.</summary>
internal readonly record struct FleetIdHash(ulong ShardKey, UInt128 Key)
{
    /// <summary>Hashes an id.</summary>
    public static FleetIdHash Of(string id)
    {
        Span<byte> hash = stackalloc byte[32];
        int max = Encoding.UTF8.GetMaxByteCount(id.Length);
        Span<byte> utf8 = max <= 512 ? stackalloc byte[512] : new byte[max];
        int n = Encoding.UTF8.GetBytes(id, utf8);
        SHA256.HashData(utf8[..n], hash);
        return new FleetIdHash(BinaryPrimitives.ReadUInt64BigEndian(hash), BinaryPrimitives.ReadUInt128BigEndian(hash));
    }
}
