using DevAddr.Core.Model;

namespace DevAddr.Core.Validation;

internal sealed partial class PlanValidator
{
    private const long IoWindowGranule = 4 << 10;
    private const long MemWindowGranule = 1 << 20;

    private bool IsExpander(PciBus b) => b.Model.Defaults == "busNr";

    /// <summary>
    /// The expander bus a bus sits behind (walking up through the PCI controllers), or null for the root
    /// hierarchy (also when the chain is broken or cyclic; those are reported by other rules).
    /// </summary>
    private PciBus? ExpanderOf(int busIndex)
    {
        // A walk that takes more steps than there are buses has gone round a cycle.
        for (int steps = 0; busIndex != 0 && steps <= _buses.Count && _buses.TryGetValue(busIndex, out var bus); steps++)
        {
            if (IsExpander(bus)) return bus;
            if (bus.Device.Address is not PciAddress a) return null;
            busIndex = a.Bus;
        }
        return null;
    }

    /// <summary>
    /// Expander bus numbers: present, 1-254, unique; the root hierarchy needs a number per bridge or port
    /// below the lowest expander, and each expander needs its own numbers plus one per bridge or port behind
    /// it below the next expander's (or up to 255).
    /// </summary>
    private void CheckBusNumbers()
    {
        List<(PciBus Bus, int Nr)>? expanders = null;
        Dictionary<int, PciBus>? byNr = null;
        foreach (var e in _buses.Values)
        {
            if (!IsExpander(e)) continue;
            (expanders ??= []).Add((e, 0));
        }
        bool anyExpander = expanders is not null;
        if (expanders is not null)
        {
            var all = expanders.OrderBy(e => e.Bus.Index).ToList();
            expanders.Clear();
            foreach (var (e, _) in all)
            {
                if (e.Device.Controller?.BusNr is not int nr)
                    Fail("busnr-present", e.Device, Inv($"{e.Device.Id}: expander bus {e.Index} has no busNr"));
                else if (nr is < 1 or > 254)
                    Fail("busnr-range", e.Device, Inv($"{e.Device.Id}: expander bus {e.Index} has busNr {nr}, outside 1-254"));
                else if (!(byNr ??= []).TryAdd(nr, e))
                    Fail("busnr-unique", e.Device, Inv($"{e.Device.Id} and {byNr[nr].Device.Id} share busNr {nr}"));
                else
                    expanders.Add((e, nr));
            }
        }
        // Bus numbers each hierarchy needs: the root bus 0, each expander its own, plus every bridge or port in it
        // (and the bus numbers a root port reserves for hotplug).
        int rootNeed = 1;
        var need = expanders is { Count: > 0 } ? expanders.ToDictionary(e => e.Bus.Index, e => e.Bus.Model.BusNumbers) : null;
        foreach (var b in _buses.Values)
        {
            if (b.Model.Root || IsExpander(b) || b.Device.Address is not PciAddress a) continue;
            int numbers = b.Model.BusNumbers + Math.Max(0, b.Device.Controller?.Reserve?.Bus ?? 0);
            // (Behind an expander without a usable busNr, the numbers count nowhere: that expander is reported.)
            var owner = anyExpander ? ExpanderOf(a.Bus) : null;
            if (owner is null) rootNeed += numbers;
            else if (need is not null && need.ContainsKey(owner.Value.Index)) need[owner.Value.Index] += numbers;
        }
        if (expanders is not { Count: > 0 } || need is null)
        {
            if (rootNeed > 256)
                Fail("busnr-space", null, Inv($"the bridges and ports (with their bus reserves) need {rootNeed} bus numbers, but a PCI domain has 256"));
            return;
        }

        var sorted = expanders.OrderBy(e => e.Nr).ToList();
        if (sorted[0].Nr < rootNeed)
            Fail("busnr-space", sorted[0].Bus.Device,
                Inv($"{sorted[0].Bus.Device.Id}: busNr {sorted[0].Nr} leaves {sorted[0].Nr} bus numbers below it, but the root bus and the {rootNeed - 1} bridge(s) and port(s) not behind an expander need {rootNeed}"));
        for (int i = 0; i < sorted.Count; i++)
        {
            var (bus, nr) = sorted[i];
            int limit = i + 1 < sorted.Count ? sorted[i + 1].Nr : 256;
            if (nr + need[bus.Index] > limit)
                Fail("busnr-space", bus.Device,
                    Inv($"{bus.Device.Id}: expander bus {bus.Index} (busNr {nr}) needs {need[bus.Index]} bus number(s) for itself and what sits behind it, but only {limit - nr} are free below {(limit == 256 ? "256" : $"the next busNr {limit}")}"));
        }
    }

    /// <summary>
    /// I/O port space and the 32-bit MMIO hole: BARs of the devices (the device's own <c>tunables.bars</c>, else the
    /// catalog's) and the windows of the bridges above them.
    /// </summary>
    private void CheckBudgets()
    {
        long ioSpace = Size(_machine.IoSpace), mmio32 = Size(_machine.Mmio32Window);
        if (ioSpace <= 0 && mmio32 <= 0) return;
        GroupByBus();
        var need = WindowNeed(0);
        _visiting.Clear();
        if (ioSpace > 0 && need.IoBytes > ioSpace)
            Fail("io-window-budget", null,
                Inv($"the plan needs {need.IoBytes / 1024.0:0.#} KiB of I/O space ({need.IoWindows} bridge/port window(s) of at least 4 KiB plus the devices' I/O BARs), but machine type {_machine.Name} has {ioSpace / 1024} KiB"));
        if (mmio32 > 0 && need.MemBytes > mmio32)
            Fail("mmio32-budget", null,
                Inv($"the plan needs {need.MemBytes >> 20} MiB of 32-bit MMIO ({need.MemWindows} bridge/port window(s) plus the devices' 32-bit BARs), but machine type {_machine.Name} has {mmio32 >> 20} MiB below 4 GiB"));
    }

    /// <summary>
    /// Groups the devices with a PCI address in domain 0 by bus: <see cref="_byBus"/> holds their positions, by bus and
    /// then in list order, and <see cref="_onBus"/> each bus's range of it.
    /// </summary>
    private void GroupByBus()
    {
        _byBus.Clear();
        _onBus.Clear();
        for (int i = 0; i < _devices.Count; i++)
            if (_devices[i].Address is PciAddress { Domain: 0 } p)
                _byBus.Add(((long)p.Bus << 32) | (uint)i);
        _byBus.Sort();
        for (int k = 0; k < _byBus.Count; k++)
        {
            int bus = (int)(_byBus[k] >> 32);
            _onBus[bus] = _onBus.TryGetValue(bus, out var range) ? (range.Start, range.Count + 1) : (k, 1);
        }
    }

    /// <summary>The window a port's reserve asks for (I/O, or 32-bit memory plus 32-bit prefetchable), in granules.</summary>
    private static (long Io, long Mem) ReservedWindows(PciBus bus)
    {
        if (bus.Device.Controller?.Reserve is not { } r) return (0, 0);
        static long Up(long? v, long g) => v is > 0 ? (v.Value + g - 1) / g * g : 0;
        return (Up(r.Io, IoWindowGranule), Up(r.Mem, MemWindowGranule) + Up(r.Pref32, MemWindowGranule));
    }

    /// <summary>The positions of the devices with a PCI address in domain 0, by bus (in list order) in the low 32 bits.</summary>
    private readonly List<long> _byBus = [];
    /// <summary>Each bus's range of <see cref="_byBus"/>.</summary>
    private readonly Dictionary<int, (int Start, int Count)> _onBus = [];
    private readonly HashSet<int> _visiting = [];

    /// <summary>What a bus needs of I/O space and of 32-bit MMIO, and how many windows of each sit below it.</summary>
    private readonly record struct Need(long IoBytes, int IoWindows, long MemBytes, int MemWindows);

    private static long RoundUp(long bytes, long granule) => (bytes + granule - 1) / granule * granule;

    /// <summary>
    /// What bus <paramref name="busIndex"/> needs of I/O space and 32-bit MMIO: its endpoints' BARs plus, per child
    /// controller, the child's need rounded up to a window granule (when the child opens a window of that kind) or passed
    /// through (expanders and switch upstream ports without a window of their own).
    /// </summary>
    private Need WindowNeed(int busIndex)
    {
        if (!_visiting.Add(busIndex)) return default;
        long io = 0, mem = 0;
        int ioWindows = 0, memWindows = 0;
        var (start, count) = _onBus.GetValueOrDefault(busIndex);
        for (int k = start; k < start + count; k++)
        {
            int i = (int)(_byBus[k] & 0xffffffffL);
            var d = _devices[i];
            if (IsPciController(d))
            {
                int idx = d.Index ?? 0;
                if (idx == busIndex || !_buses.TryGetValue(idx, out var child) || !ReferenceEquals(child.Device, d)) continue;
                var below = WindowNeed(idx);
                ioWindows += below.IoWindows;
                memWindows += below.MemWindows;
                var (ioReserved, memReserved) = ReservedWindows(child);
                if (below.IoBytes != 0 || ioReserved != 0)
                {
                    if (child.Model.IoWindow)
                    {
                        io += Math.Max(RoundUp(below.IoBytes, IoWindowGranule), ioReserved);
                        ioWindows++;
                    }
                    else
                    {
                        io += below.IoBytes;
                    }
                }
                if (below.MemBytes != 0 || memReserved != 0)
                {
                    if (!child.Model.Root && !IsExpander(child))
                    {
                        mem += Math.Max(RoundUp(below.MemBytes, MemWindowGranule), memReserved);
                        memWindows++;
                    }
                    else
                    {
                        mem += below.MemBytes;
                    }
                }
                continue;
            }
            var bars = d.Tunables?.Bars ?? _rules[i]?.Bars;
            if (bars is null) continue;
            for (int b = 0; b < bars.Count; b++)
            {
                var bar = bars[b];
                if (bar is null) continue;
                if (bar.Kind == "io") io += Size(bar.Size);
                else if (bar.Kind is "mem32" or "mem32pref") mem += Size(bar.Size);
            }
        }
        _visiting.Remove(busIndex);
        return new Need(io, ioWindows, mem, memWindows);
    }
}
