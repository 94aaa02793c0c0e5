using DevAddr.Core.Catalog;
using DevAddr.Core.Model;

namespace DevAddr.Core.Hotplug;

/// <summary>Bytes of I/O, non-prefetchable memory and prefetchable memory.</summary>
internal readonly record struct Demand(long Io, long Mem, long Pref)
{
    public static Demand operator +(Demand a, Demand b) => new(a.Io + b.Io, a.Mem + b.Mem, a.Pref + b.Pref);

    public static Demand Of(IEnumerable<BarSpec> bars)
    {
        long io = 0, mem = 0, pref = 0;
        foreach (var b in bars)
        {
            long size = HotplugFacts.Size(b.Size);
            switch (b.Kind)
            {
                case "io": io += size; break;
                case "mem32" or "mem64": mem += size; break;
                case "mem32pref" or "mem64pref": pref += size; break;
            }
        }
        return new Demand(io, mem, pref);
    }
}

/// <summary>The windows a hot-plugged device can draw from at one place, and where the figures come from.</summary>
internal sealed record Available(long Io, long Mem, long Pref, bool Pref64, string Basis, bool IoExhausted);

/// <summary>
/// The windows ports and bridges got at boot and what is left of them: a port's windows are its reserves or the
/// firmware profile's defaults; a conventional bridge's are sized for what sits behind it (or the profile's
/// defaults when empty); the root bus and expanders draw from the machine's PCI holes. I/O windows are granted
/// in bus order until the I/O space is used up.
/// </summary>
internal sealed class Windows
{
    private readonly LiveLayout _layout;
    private readonly long _gIo, _gMem;

    public Windows(LiveLayout layout)
    {
        _layout = layout;
        _gIo = HotplugFacts.Size(layout.Facts.WindowGranules.Io);
        _gMem = HotplugFacts.Size(layout.Facts.WindowGranules.Mem);
    }

    private PortReserve? Reserve(int index) => _layout.Options.Reserves.GetValueOrDefault(index);

    private static long RoundUp(long v, long unit) => v <= 0 ? 0 : (v + unit - 1) / unit * unit;

    private bool Hotpluggable(int index) => _layout.BusModel(index) is { Hotplug: true } && !_layout.HotplugOff(index);

    /// <summary>What the devices on <paramref name="bus"/> need (child buses by the windows they open).</summary>
    public Demand NeedOf(int bus) => NeedOf(bus, []);

    private Demand NeedOf(int bus, HashSet<int> visiting)
    {
        if (!visiting.Add(bus)) return default;
        var total = default(Demand);
        foreach (var d in _layout.Devices)
        {
            if (d.Address is not PciAddress a || a.Bus != bus || a.Domain != 0) continue;
            if (LiveLayout.IsPciController(d))
            {
                int child = d.Index ?? 0;
                if (child != bus && _layout.PciControllers.TryGetValue(child, out var c) && ReferenceEquals(c, d))
                    total += WindowOf(child, visiting);
                continue;
            }
            total += Demand.Of(_layout.BarsOf(d));
        }
        visiting.Remove(bus);
        return total;
    }

    /// <summary>What a child controller takes from its parent: its windows (reserve, sized, or default) or, for an expander, what sits behind it.</summary>
    private Demand WindowOf(int child, HashSet<int> visiting)
    {
        var model = _layout.BusModel(child);
        var need = NeedOf(child, visiting);
        if (model is null || model.Root || model.Defaults == "busNr") return need;
        var r = Reserve(child);
        var defaults = _layout.IsPort(child) ? _layout.Profile.Port : _layout.Profile.Bridge;
        bool hp = Hotpluggable(child);
        long Pick(long? reserve, long used, long granule, string fallback) =>
            reserve ?? (used > 0 ? RoundUp(used, granule) : hp ? HotplugFacts.Size(fallback) : 0);
        long io = model.IoWindow ? Pick(r?.Io, need.Io, _gIo, defaults.Io) : need.Io;
        return new Demand(io, Pick(r?.Mem, need.Mem, _gMem, defaults.Mem), Pick(r?.Pref64 ?? r?.Pref32, need.Pref, _gMem, defaults.Pref));
    }

    private long IoBudget =>
        _layout.Machine.IoSpace is { } s ? HotplugFacts.Size(s) - HotplugFacts.Size(_layout.Facts.LegacyIo) : long.MaxValue / 4;

    /// <summary>
    /// Top-level bridges and ports (children of a host bridge) that get their I/O window: in guest bus order
    /// while the I/O space lasts, after the I/O BARs of devices on the host bridges.
    /// </summary>
    private HashSet<int> IoGranted()
    {
        long left = IoBudget;
        var tops = new List<(int Index, long Io)>();
        foreach (var (index, c) in _layout.PciControllers)
        {
            if (!_layout.IsHostBridge(index)) continue;
            foreach (var d in _layout.Devices)
                if (d.Address is PciAddress a && a.Bus == index && !LiveLayout.IsPciController(d))
                    left -= Demand.Of(_layout.BarsOf(d)).Io;
            foreach (var (child, _) in _layout.ChildBuses(index))
                if (!_layout.IsHostBridge(child))
                    tops.Add((child, WindowOf(child, []).Io));
        }
        var granted = new HashSet<int>();
        foreach (var (index, io) in tops.OrderBy(t => _layout.BusNumbers.GetValueOrDefault(t.Index, int.MaxValue)).ThenBy(t => t.Index))
        {
            if (io == 0 || io > left) continue;
            left -= io;
            granted.Add(index);
        }
        return granted;
    }

    private int TopLevel(int bus)
    {
        var seen = new HashSet<int>();
        while (seen.Add(bus) && _layout.PciControllers.TryGetValue(bus, out var c) && c.Address is PciAddress up && !_layout.IsHostBridge(up.Bus))
            bus = up.Bus;
        return bus;
    }

    /// <summary>What a new device placed on <paramref name="bus"/> can draw from.</summary>
    public Available At(int bus)
    {
        var model = _layout.BusModel(bus);
        string profile = _layout.Profile.Name;
        if (model is null || model.Root || model.Defaults == "busNr")
        {
            var all = NeedOf(0);
            long mem32 = _layout.Machine.Mmio32Window is { } w ? HotplugFacts.Size(w) : long.MaxValue / 4;
            var hole = _layout.Facts.Machines.FirstOrDefault(m => m.Name == _layout.Machine.Name);
            long hole64 = hole is null ? long.MaxValue / 4 : HotplugFacts.Size(hole.PciHole64);
            return new Available(Math.Max(0, IoBudget - all.Io), Math.Max(0, mem32 - all.Mem), Math.Max(0, hole64 - all.Pref), true,
                LiveLayout.Inv($"the machine's PCI holes ({Mib(mem32)} below 4 GiB, {Mib(hole64)} 64-bit, {(_layout.Machine.IoSpace ?? "unlimited")} I/O) minus what the other devices use"),
                false);
        }
        var r = Reserve(bus);
        bool ioGranted = IoGranted().Contains(TopLevel(bus));
        if (_layout.IsPort(bus))
        {
            var p = _layout.Profile.Port;
            long io = r?.Io ?? HotplugFacts.Size(p.Io);
            long mem = r?.Mem ?? HotplugFacts.Size(p.Mem);
            long pref = r?.Pref64 ?? r?.Pref32 ?? HotplugFacts.Size(p.Pref);
            var parts = new List<string>
            {
                r?.Mem is not null ? $"mem-reserve {Mib(mem)}" : $"memory {Mib(mem)} (firmware profile '{profile}', no mem-reserve)",
                r?.Pref64 is not null ? $"pref64-reserve {Mib(pref)}" : r?.Pref32 is not null ? $"pref32-reserve {Mib(pref)}" : $"prefetchable {Mib(pref)} (firmware profile '{profile}', no pref64-reserve)",
                r?.Io is not null ? $"io-reserve {Kib(io)}" : $"I/O {Kib(io)} (firmware profile '{profile}', no io-reserve)",
            };
            bool exhausted = io > 0 && !ioGranted;
            if (exhausted) parts.Add($"but the I/O space ({_layout.Machine.IoSpace}) is used up by the windows of ports earlier in bus order");
            return new Available(exhausted ? 0 : io, mem, pref, r?.Pref32 is null, string.Join(", ", parts), exhausted);
        }

        // A conventional bridge: windows sized at boot for the devices behind it, shared by all its slots.
        var used = NeedOf(bus);
        var b = _layout.Profile.Bridge;
        long ioW = r?.Io ?? (used.Io > 0 ? RoundUp(used.Io, _gIo) : HotplugFacts.Size(b.Io));
        long memW = r?.Mem ?? (used.Mem > 0 ? RoundUp(used.Mem, _gMem) : HotplugFacts.Size(b.Mem));
        long prefW = r?.Pref64 ?? r?.Pref32 ?? (used.Pref > 0 ? RoundUp(used.Pref, _gMem) : HotplugFacts.Size(b.Pref));
        bool ioOut = ioW > 0 && !ioGranted && model.IoWindow;
        string basis = LiveLayout.Inv(
            $"windows sized at boot for the devices behind the bridge: memory {Mib(memW)} ({Mib(used.Mem)} used), prefetchable {Mib(prefW)} ({Mib(used.Pref)} used), I/O {Kib(ioW)} ({Kib(used.Io)} used); empty windows per firmware profile '{profile}'");
        if (ioOut) basis += $"; the I/O space ({_layout.Machine.IoSpace}) is used up by the windows of ports earlier in bus order";
        return new Available(ioOut ? 0 : Math.Max(0, ioW - used.Io), Math.Max(0, memW - used.Mem), Math.Max(0, prefW - used.Pref), r?.Pref32 is null, basis, ioOut);
    }

    /// <summary>The reasons a device with <paramref name="bars"/> does not fit <paramref name="at"/> (empty when it fits).</summary>
    public static List<HotplugReason> Fit(IReadOnlyList<BarSpec> bars, Available at, string place, int bus)
    {
        var reasons = new List<HotplugReason>();
        var need = Demand.Of(bars);
        if (need.Io > at.Io)
            reasons.Add(new HotplugReason
            {
                Code = HotplugReasons.IoWindow,
                Layer = HotplugLayers.Guest,
                ControllerIndex = bus,
                Message = at.Io == 0
                    ? LiveLayout.Inv($"the device has I/O BARs ({need.Io} B) but {place} has no I/O window ({at.Basis})")
                    : LiveLayout.Inv($"the device's I/O BARs ({need.Io} B) exceed the {at.Io} B left in the I/O window of {place} ({at.Basis})"),
            });

        // Prefetchable BARs go to the prefetchable window (64-bit ones only to a 64-bit one), largest first; what does not
        // fit there falls back to the memory window, like non-prefetchable BARs.
        long prefLeft = at.Pref, memNeed = 0;
        var spilled = new List<BarSpec>();
        foreach (var bar in bars.Where(b => b.Kind is "mem32" or "mem64"))
            memNeed += HotplugFacts.Size(bar.Size);
        foreach (var bar in bars.Where(b => b.Kind is "mem32pref" or "mem64pref").OrderByDescending(b => HotplugFacts.Size(b.Size)))
        {
            long size = HotplugFacts.Size(bar.Size);
            if (size <= prefLeft && (bar.Kind == "mem32pref" || at.Pref64))
            {
                prefLeft -= size;
                continue;
            }
            memNeed += size;
            spilled.Add(bar);
        }
        if (memNeed > at.Mem)
        {
            string spill = spilled.Count == 0 ? ""
                : LiveLayout.Inv($"; prefetchable BAR(s) of {string.Join(" + ", spilled.Select(b => Mib(HotplugFacts.Size(b.Size))))} do not fit the {Mib(at.Pref)} prefetchable window and fall back to the memory window");
            reasons.Add(new HotplugReason
            {
                Code = HotplugReasons.BarWindow,
                Layer = HotplugLayers.Guest,
                ControllerIndex = bus,
                Message = LiveLayout.Inv(
                    $"the device's memory BARs ({Mib(need.Mem)} memory + {Mib(need.Pref)} prefetchable) do not fit {place}: {Mib(at.Mem)} memory and {Mib(at.Pref)} {(at.Pref64 ? "64-bit " : "")}prefetchable left ({at.Basis}){spill}"),
            });
        }
        return reasons;
    }

    /// <summary>A size in its largest unit, with one decimal where it is not whole: 16 GiB, 2 MiB, 491.9 MiB, 64 B.</summary>
    public static string Mib(long bytes)
    {
        if (bytes >= long.MaxValue / 8) return "unlimited";
        foreach (var (unit, name) in new[] { (1L << 40, "TiB"), (1L << 30, "GiB"), (1L << 20, "MiB"), (1L << 10, "KiB") })
        {
            if (bytes < unit) continue;
            return bytes % unit == 0
                ? LiveLayout.Inv($"{bytes / unit} {name}")
                : LiveLayout.Inv($"{Math.Floor(bytes * 10.0 / unit) / 10:0.0} {name}");
        }
        return LiveLayout.Inv($"{bytes} B");
    }

    public static string Kib(long bytes) => Mib(bytes);
}
