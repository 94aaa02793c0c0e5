using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using DevAddr.Core.Model;

namespace DevAddr.Cli.Fleet;

/// <summary>A planned guest shape, ready to be written for any guest of that shape.</summary>
/// <param name="Ok">True for a plan, false for an error.</param>
/// <param name="Body">The compact JSON of the plan or error.</param>
/// <param name="ErrorCode">The error code when not <paramref name="Ok"/>.</param>
/// <param name="ControllersAdded">Controllers the planner added (0 for errors).</param>
/// <param name="PlanMilliseconds">Time spent planning (and serializing) the shape the one time it was planned.</param>
internal sealed record PlannedShape(bool Ok, byte[] Body, string? ErrorCode, int ControllersAdded, double PlanMilliseconds);

/// <summary>
/// Guest shapes planned once: an LRU cache from the canonical request hash to the planned shape, bounded in bytes.
/// The canonical form of a request is its compact JSON as <see cref="FleetLine.Compact"/> writes it after parsing:
/// every member the planner reads, in declaration order, whitespace and spelling (<c>0x10</c>, key order) normalized.
/// Device ids are part of it: they appear in the plan and choose the ids of added controllers, so two guests
/// that differ only in ids are different shapes. Its SHA-256 (first 16 bytes) is the key.
/// Concurrent requests for a shape being planned wait for that one planning instead of repeating it.
/// </summary>
internal sealed class PlanCache
{
    private readonly long _budgetBytes;
    private readonly Dictionary<UInt128, LinkedListNode<Entry>> _map = [];
    private readonly LinkedList<Entry> _lru = new();
    private readonly Lock _lock = new();
    private long _bytes;

    /// <summary>Creates a cache holding at most <paramref name="budgetBytes"/> bytes of plan bodies (0: no caching).</summary>
    public PlanCache(long budgetBytes) => _budgetBytes = budgetBytes;

    /// <summary>Bytes of plan bodies held.</summary>
    public long Bytes { get { lock (_lock) return _bytes; } }

    /// <summary>Shapes held.</summary>
    public int Count { get { lock (_lock) return _map.Count; } }

    /// <summary>The canonical key of a request.</summary>
    public static UInt128 KeyOf(PlanRequest request)
    {
        byte[] canonical = JsonSerializer.SerializeToUtf8Bytes(request, Commands.CliIo.TypeInfo<PlanRequest>(FleetLine.Compact));
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(canonical, hash);
        return BinaryPrimitives.ReadUInt128BigEndian(hash);
    }

    /// <summary>
    /// Returns the shape for <paramref name="key"/>, planning it with <paramref name="plan"/> when no other caller
    /// has (<c>Hit</c> tells which). If <paramref name="plan"/> throws, the exception reaches this caller and those
    /// waiting for the same shape, and nothing is cached.
    /// </summary>
    public async ValueTask<(PlannedShape Shape, bool Hit)> GetOrPlanAsync(UInt128 key, Func<PlannedShape> plan)
    {
        if (_budgetBytes <= 0) return (plan(), false);
        TaskCompletionSource<PlannedShape>? other = null;
        var mine = new TaskCompletionSource<PlannedShape>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_map.TryGetValue(key, out var node))
            {
                _lru.Remove(node);
                _lru.AddFirst(node);
                other = node.Value.Shape;
            }
            else
            {
                _map[key] = _lru.AddFirst(new Entry(key, mine));
            }
        }
        if (other is not null)
            return (other.Task.IsCompleted ? other.Task.Result : await other.Task.ConfigureAwait(false), true);

        PlannedShape shape;
        try
        {
            shape = plan();
        }
        catch (Exception ex)
        {
            // Never leave waiters hanging, and do not cache a failure.
            lock (_lock)
            {
                if (_map.TryGetValue(key, out var node) && node.Value.Shape == mine)
                {
                    _lru.Remove(node);
                    _map.Remove(key);
                }
            }
            mine.SetException(ex);
            throw;
        }
        mine.SetResult(shape);
        lock (_lock)
        {
            if (_map.TryGetValue(key, out var node) && node.Value.Shape == mine)
            {
                node.Value.Size = shape.Body.Length + 128;
                _bytes += node.Value.Size;
                Evict();
            }
        }
        return (shape, false);
    }

    private void Evict()
    {
        var node = _lru.Last;
        while (_bytes > _budgetBytes && node is not null)
        {
            var prev = node.Previous;
            if (node.Value.Shape.Task.IsCompleted)
            {
                _lru.Remove(node);
                _map.Remove(node.Value.Key);
                _bytes -= node.Value.Size;
            }
            node = prev;
        }
    }

    private sealed class Entry(UInt128 key, TaskCompletionSource<PlannedShape> shape)
    {
        public UInt128 Key { get; } = key;
        public TaskCompletionSource<PlannedShape> Shape { get; } = shape;
        public long Size { get; set; }
    }
}
