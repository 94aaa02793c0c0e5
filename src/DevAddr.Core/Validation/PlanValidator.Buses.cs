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
        var seen = new HashSet<int>();
        while (busIndex != 0 && seen.Add(busIndex) && _buses.TryGetValue(busIndex, out var bus))
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
        var expanders = new List<(PciBus Bus, int Nr)>();
        var byNr = new Dictionary<int, PciBus>();
        foreach (var e in _buses.Values.Where(IsExpander).OrderBy(b => b.Index))
        {
            if (e.Device.Controller?.BusNr is not int nr)
                Fail("busnr-present", e.Device, Inv($"{e.Device.Id}: expander bus {e.Index} has no busNr"));
            else if (nr is < 1 or > 254)
                Fail("busnr-range", e.Device, Inv($"{e.Device.Id}: expander bus {e.Index} has busNr {nr}, outside 1-254"));
            else if (!byNr.TryAdd(nr, e))
                Fail("busnr-unique", e.Device, Inv($"{e.Device.Id} and {byNr[nr].Device.Id} share busNr {nr}"));
            else
                expanders.Add((e, nr));
        }
        // Bus numbers each hierarchy needs: the root bus 0, each expander its own, plus every bridge or port in it
        // (and the bus numbers a root port reserves for hotplug).
        int rootNeed = 1;
        var need = expanders.ToDictionary(e => e.Bus.Index, e => e.Bus.Model.BusNumbers);
        foreach (var b in _buses.Values.Where(b => !b.Model.Root && !IsExpander(b)))
        {
            if (b.Device.Address is not PciAddress a) continue;
            int numbers = b.Model.BusNumbers + Math.Max(0, b.Device.Controller?.Reserve?.Bus ?? 0);
            var owner = ExpanderOf(a.Bus);
            if (owner is null) rootNeed += numbers;
            else if (need.ContainsKey(owner.Index)) need[owner.Index] += numbers;
        }
        if (expanders.Count == 0)
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
        _onBus = [];
        foreach (var d in _devices)
        {
            if (d.Address is not PciAddress { Domain: 0 } p) continue;
            if (!_onBus.TryGetValue(p.Bus, out var list)) _onBus[p.Bus] = list = [];
            list.Add(d);
        }
        if (ioSpace > 0)
        {
            var (total, windows) = WindowNeed(0, "io", IoWindowGranule, b => b.Model.IoWindow, []);
            if (total > ioSpace)
                Fail("io-window-budget", null,
                    Inv($"the plan needs {total / 1024.0:0.#} KiB of I/O space ({windows} bridge/port window(s) of at least 4 KiB plus the devices' I/O BARs), but machine type {_machine.Name} has {ioSpace / 1024} KiB"));
        }
        if (mmio32 > 0)
        {
            var (total, windows) = WindowNeed(0, "mem32", MemWindowGranule, b => !b.Model.Root && !IsExpander(b), []);
            if (total > mmio32)
                Fail("mmio32-budget", null,
                    Inv($"the plan needs {total >> 20} MiB of 32-bit MMIO ({windows} bridge/port window(s) plus the devices' 32-bit BARs), but machine type {_machine.Name} has {mmio32 >> 20} MiB below 4 GiB"));
        }
    }

    /// <summary>The window a port's reserve asks for (I/O, or 32-bit memory plus 32-bit prefetchable), in granules.</summary>
    private static long ReservedWindow(PciBus bus, string kind, long granule)
    {
        if (bus.Device.Controller?.Reserve is not { } r) return 0;
        static long Up(long? v, long g) => v is > 0 ? (v.Value + g - 1) / g * g : 0;
        return kind == "io" ? Up(r.Io, granule) : Up(r.Mem, granule) + Up(r.Pref32, granule);
    }

    /// <summary>The devices with a PCI address in domain 0, by bus (in list order), as <see cref="CheckBudgets"/> found them.</summary>
    private Dictionary<int, List<Device>> _onBus = [];

    private static readonly List<Device> s_noDevices = [];

    /// <summary>
    /// What bus <paramref name="busIndex"/> needs of one resource: its endpoints' BARs plus, per child
    /// controller, the child's need rounded up to a window granule (when the child opens a window) or passed
    /// through (expanders and switch upstream ports without a window of their own).
    /// </summary>
    private (long Bytes, int Windows) WindowNeed(int busIndex, string kind, long granule, Func<PciBus, bool> opensWindow, HashSet<int> visiting)
    {
        if (!visiting.Add(busIndex)) return (0, 0);
        long bytes = 0;
        int windows = 0;
        foreach (var d in _onBus.TryGetValue(busIndex, out var onBus) ? onBus : s_noDevices)
        {
            if (IsPciController(d))
            {
                int idx = d.Index ?? 0;
                if (idx == busIndex || !_buses.TryGetValue(idx, out var child) || !ReferenceEquals(child.Device, d)) continue;
                var (childBytes, childWindows) = WindowNeed(idx, kind, granule, opensWindow, visiting);
                windows += childWindows;
                long reserved = ReservedWindow(child, kind, granule);
                if (childBytes == 0 && reserved == 0) continue;
                if (opensWindow(child))
                {
                    bytes += Math.Max((childBytes + granule - 1) / granule * granule, reserved);
                    windows++;
                }
                else
                {
                    bytes += childBytes;
                }
                continue;
            }
            var bars = d.Tunables?.Bars ?? Rule(d)?.Bars;
            if (bars is null) continue;
            foreach (var bar in bars)
            {
                if (bar is null) continue;
                bool counts = kind == "io" ? bar.Kind == "io" : bar.Kind is "mem32" or "mem32pref";
                if (counts) bytes += Size(bar.Size);
            }
        }
        visiting.Remove(busIndex);
        return (bytes, windows);
    }
}
