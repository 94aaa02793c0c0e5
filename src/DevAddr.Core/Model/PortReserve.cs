using System.Text.Json.Serialization;

namespace DevAddr.Core.Model;

/// <summary>
/// Resources a PCI Express root port reserves at boot for what is hot-plugged behind it later: QEMU's
/// <c>bus-reserve</c>, <c>io-reserve</c>, <c>mem-reserve</c>, <c>pref32-reserve</c> and <c>pref64-reserve</c>
/// (hints the firmware honours when it sizes the port's bus range and windows). Sizes in bytes; null: not
/// reserved, the firmware decides.
/// </summary>
public sealed record PortReserve
{
    /// <summary>Extra guest bus numbers behind the port (<c>bus-reserve</c>), e.g. for a switch hot-plugged later.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Bus { get; init; }
    /// <summary>I/O window (<c>io-reserve</c>); 0 means none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Io { get; init; }
    /// <summary>Non-prefetchable 32-bit memory window (<c>mem-reserve</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Mem { get; init; }
    /// <summary>32-bit prefetchable window (<c>pref32-reserve</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Pref32 { get; init; }
    /// <summary>64-bit prefetchable window (<c>pref64-reserve</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Pref64 { get; init; }

    /// <summary>Each QEMU property with how to read it from and set it on a reserve, in a fixed order.</summary>
    private static readonly (string Property, Func<PortReserve, long?> Get, Func<PortReserve, long, PortReserve> Set)[] s_properties =
    [
        ("bus-reserve", r => r.Bus, (r, v) => r with { Bus = checked((int)v) }),
        ("io-reserve", r => r.Io, (r, v) => r with { Io = v }),
        ("mem-reserve", r => r.Mem, (r, v) => r with { Mem = v }),
        ("pref32-reserve", r => r.Pref32, (r, v) => r with { Pref32 = v }),
        ("pref64-reserve", r => r.Pref64, (r, v) => r with { Pref64 = v }),
    ];

    /// <summary>The QEMU property names and values that are set, in a fixed order.</summary>
    public IEnumerable<(string Property, long Value)> Properties()
    {
        foreach (var (property, get, _) in s_properties)
            if (get(this) is long value) yield return (property, value);
    }

    /// <summary>Whether <paramref name="property"/> is one of QEMU's reserve properties (<c>bus-reserve</c>, <c>io-reserve</c>, ...).</summary>
    public static bool IsProperty(string property) => s_properties.Any(p => p.Property == property);

    /// <summary>This reserve with one QEMU property set; null when the name is not a reserve property.</summary>
    /// <exception cref="OverflowException"><c>bus-reserve</c> beyond <see cref="int.MaxValue"/>.</exception>
    public PortReserve? With(string property, long value)
    {
        foreach (var (name, _, set) in s_properties)
            if (name == property) return set(this, value);
        return null;
    }

    /// <summary>
    /// Why QEMU 7.2 would refuse this reserve on a pcie-root-port (measured), or null when it is usable:
    /// negative sizes, <c>mem-reserve</c> or <c>pref32-reserve</c> of 4 GiB or more, both prefetchable reserves set,
    /// more bus numbers than a PCI domain has, an I/O reserve beyond the 64 KiB I/O space.
    /// </summary>
    public string? Problem()
    {
        if (Bus is < 0 or > 254) return $"bus-reserve {Bus} is outside 0-254 (a PCI domain has 256 bus numbers)";
        if (Io is < 0 || Mem is < 0 || Pref32 is < 0 || Pref64 is < 0) return "a reserve size is negative";
        if (Io > 64L << 10) return $"io-reserve {Io} is beyond the 64 KiB I/O space";
        if (Mem >= 4L << 30) return "mem-reserve must be less than 4 GiB (QEMU refuses it)";
        if (Pref32 >= 4L << 30) return "pref32-reserve must be less than 4 GiB (QEMU refuses it)";
        if (Pref64 > 1L << 50) return "pref64-reserve is beyond 1 PiB";
        if (Pref32 is not null && Pref64 is not null) return "pref32-reserve and pref64-reserve cannot both be set (QEMU: PREF32 and PREF64 conflict)";
        return null;
    }
}
