using System.Globalization;
using DevAddr.Core.Model;

namespace DevAddr.Cli.Whatif;

/// <summary>
/// A tunable swept over a range: <c>TUNABLE=FROM..TO[:STEP]</c>, e.g. <c>hotplugReserve=0..32</c> or
/// <c>hotplugReservePerNode.1=0..8:2</c>. Each value is planned with the optimize policy and the request's other tunables.
/// </summary>
internal sealed record SweepSpec(string Tunable, long From, long To, long Step)
{
    /// <summary>Most values one sweep may plan.</summary>
    public const int MaxPoints = 257;

    private const string PerNodePrefix = "hotplugReservePerNode.";

    /// <summary>The tunables that can be swept (<c>N</c>: a guest NUMA node number).</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "hotplugReserve", PerNodePrefix + "N", "compactnessWeight",
        "budgets.busNumbers", "budgets.ioBytes", "budgets.mmio32Bytes", "budgets.mmio64Bytes",
        "sparePortReserve.bus", "sparePortReserve.io", "sparePortReserve.mem", "sparePortReserve.pref64",
    ];

    /// <summary>The NUMA node of a <c>hotplugReservePerNode.N</c> sweep, else null.</summary>
    public int? Node => Tunable.StartsWith(PerNodePrefix, StringComparison.Ordinal)
        ? int.Parse(Tunable.AsSpan(PerNodePrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture)
        : null;

    /// <summary>The swept values, in order.</summary>
    public IEnumerable<long> Values()
    {
        for (long v = From; v <= To; v += Step) yield return v;
    }

    /// <summary>The label of one point, e.g. <c>hotplugReserve=4</c>.</summary>
    public string Label(long value) => string.Create(CultureInfo.InvariantCulture, $"{Tunable}={value}");

    /// <summary>Parses <c>TUNABLE=FROM..TO[:STEP]</c>; values are non-negative integers, with an optional K, M or G suffix (powers of 1024).</summary>
    public static bool TryParse(string text, out SweepSpec? spec, out string error)
    {
        spec = null;
        int eq = text.IndexOf('=', StringComparison.Ordinal);
        int dots = text.IndexOf("..", StringComparison.Ordinal);
        if (eq <= 0 || dots < eq)
        {
            error = $"--sweep '{text}' is not TUNABLE=FROM..TO[:STEP] (e.g. hotplugReserve=0..32)";
            return false;
        }
        string name = text[..eq];
        if (!IsKnown(name))
        {
            error = $"--sweep: '{name}' cannot be swept; use one of {string.Join(", ", Names)}";
            return false;
        }
        string range = text[(eq + 1)..];
        int colon = range.IndexOf(':', StringComparison.Ordinal);
        string bounds = colon < 0 ? range : range[..colon];
        int d = bounds.IndexOf("..", StringComparison.Ordinal);
        long step = 1;
        if (d < 0 || !TryParseSize(bounds[..d], out long from) || !TryParseSize(bounds[(d + 2)..], out long to)
            || (colon >= 0 && !TryParseSize(range[(colon + 1)..], out step)))
        {
            error = $"--sweep '{text}': FROM, TO and STEP must be non-negative integers (optionally with K, M or G)";
            return false;
        }
        if (step < 1 || from > to)
        {
            error = $"--sweep '{text}': needs FROM <= TO and STEP >= 1";
            return false;
        }
        if ((to - from) / step + 1 > MaxPoints)
        {
            error = $"--sweep '{text}' has {(to - from) / step + 1} values; at most {MaxPoints} are planned";
            return false;
        }
        if ((!name.StartsWith("budgets.", StringComparison.Ordinal) && !name.StartsWith("sparePortReserve.", StringComparison.Ordinal))
            || name is "budgets.busNumbers" or "sparePortReserve.bus")
        {
            if (to > int.MaxValue)
            {
                error = $"--sweep '{text}': {name} is at most {int.MaxValue}";
                return false;
            }
        }
        spec = new SweepSpec(name, from, to, step);
        error = "";
        return true;
    }

    private static bool IsKnown(string name) =>
        Names.Contains(name, StringComparer.Ordinal)
        || (name.Length > PerNodePrefix.Length && name.StartsWith(PerNodePrefix, StringComparison.Ordinal)
            && name.Length - PerNodePrefix.Length <= 4
            && name.AsSpan(PerNodePrefix.Length).IndexOfAnyExceptInRange('0', '9') < 0);

    /// <summary>Parses a size: a non-negative integer with an optional K, M or G suffix (powers of 1024), at most 1 PiB.</summary>
    internal static bool TryParseSize(string text, out long value)
    {
        value = 0;
        text = text.Trim();
        if (text.Length == 0) return false;
        long unit = char.ToUpperInvariant(text[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1 };
        var digits = unit == 1 ? text.AsSpan() : text.AsSpan(0, text.Length - 1);
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n > (1L << 50) / unit) return false;
        value = n * unit;
        return true;
    }

    /// <summary>The optimize policy with the base policy's tunables and solver settings, and this tunable set to <paramref name="value"/>.</summary>
    public PolicySpec Apply(PolicySpec basePolicy, long value)
    {
        var t = basePolicy.Tunables ?? new Tunables();
        var budgets = t.Budgets ?? new Budgets();
        var spare = t.SparePortReserve ?? new PortReserve();
        t = Tunable switch
        {
            "hotplugReserve" => t with { HotplugReserve = WithValue(t.HotplugReserve, checked((int)value)) },
            "compactnessWeight" => t with { CompactnessWeight = checked((int)value) },
            "budgets.busNumbers" => t with { Budgets = budgets with { BusNumbers = checked((int)value) } },
            "budgets.ioBytes" => t with { Budgets = budgets with { IoBytes = value } },
            "budgets.mmio32Bytes" => t with { Budgets = budgets with { Mmio32Bytes = value } },
            "budgets.mmio64Bytes" => t with { Budgets = budgets with { Mmio64Bytes = value } },
            "sparePortReserve.bus" => t with { SparePortReserve = spare with { Bus = checked((int)value) } },
            "sparePortReserve.io" => t with { SparePortReserve = spare with { Io = value } },
            "sparePortReserve.mem" => t with { SparePortReserve = spare with { Mem = value } },
            "sparePortReserve.pref64" => t with { SparePortReserve = spare with { Pref64 = value } },
            _ => t with { HotplugReservePerNode = PerNode(t.HotplugReservePerNode, Node!.Value, checked((int)value)) },
        };
        return basePolicy with { Name = PolicySpec.Optimize, Tunables = t };
    }

    /// <summary>Keeps the mode and weight of a tunable the request already has (else a hard requirement).</summary>
    private static Tunable<int> WithValue(Tunable<int>? existing, int value) =>
        existing is null ? new Tunable<int> { Value = value } : existing with { Value = value };

    private static Dictionary<string, Tunable<int>> PerNode(IReadOnlyDictionary<string, Tunable<int>>? existing, int node, int value)
    {
        var copy = new Dictionary<string, Tunable<int>>(StringComparer.Ordinal);
        foreach (var (k, v) in existing ?? new Dictionary<string, Tunable<int>>()) copy[k] = v;
        string key = node.ToString(CultureInfo.InvariantCulture);
        copy[key] = WithValue(copy.GetValueOrDefault(key), value);
        return copy;
    }
}
