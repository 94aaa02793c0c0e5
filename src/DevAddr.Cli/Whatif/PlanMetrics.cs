using DevAddr.Core.Catalog;
using DevAddr.Core.Model;

namespace DevAddr.Cli.Whatif;

/// <summary>What one plan costs and leaves free: the figures a what-if comparison shows side by side.</summary>
internal sealed record PlanMetrics
{
    /// <summary>Size of one bridge or port I/O window (x86 I/O windows are 4 KiB aligned).</summary>
    public const long IoWindowBytes = 4 << 10;

    /// <summary>PCI controllers (ports, bridges, switches, expanders) the planner added; the root bus is not counted.</summary>
    public required int ControllersAdded { get; init; }
    /// <summary>pcie-root-ports in the plan.</summary>
    public required int RootPorts { get; init; }
    /// <summary>Empty hot-pluggable places of any kind (the plan summary's <c>freeHotplugSlots</c>).</summary>
    public required int SparePlaces { get; init; }
    /// <summary>Empty hot-pluggable root or downstream ports (the plan summary's <c>freeRootPorts</c>).</summary>
    public required int SpareRootPorts { get; init; }
    /// <summary>Per guest NUMA node: empty hot-pluggable ports (and free slots of hot-pluggable buses) behind an expander bus of that node.</summary>
    public required IReadOnlyDictionary<int, int> SpareByNode { get; init; }
    /// <summary>Guest PCI bus numbers used: bus 0 plus what each bridge, port and expander takes.</summary>
    public required int BusNumbers { get; init; }
    /// <summary>Bridges and ports with an I/O window (4 KiB each): those whose subtree holds a device with an I/O BAR.</summary>
    public required int IoWindows { get; init; }
    /// <summary>Sum of the devices' 32-bit memory BARs, in bytes.</summary>
    public required long Mmio32Bytes { get; init; }
    /// <summary>Sum of the devices' 64-bit memory BARs, in bytes.</summary>
    public required long Mmio64Bytes { get; init; }
    /// <summary>Memory the root ports reserve for hotplug (mem + pref32 + pref64 reserves), in bytes.</summary>
    public long ReservedBytes { get; init; }
    /// <summary>Devices with a <c>numaNode</c> tunable that sit behind no expander of that node.</summary>
    public required int NumaMisses { get; init; }
    /// <summary>Devices moved against the prior layout (null without one).</summary>
    public required int? Moved { get; init; }
    /// <summary>The solver's objective (null for the libvirt policy).</summary>
    public required long? Objective { get; init; }
    /// <summary><c>optimal</c> or <c>feasible</c> (optimize policy), <c>planned</c> (libvirt policy).</summary>
    public required string Status { get; init; }

    /// <summary>I/O space the windows take, in bytes.</summary>
    public long IoBytes => IoWindows * IoWindowBytes;

    /// <summary>Measures a plan of <paramref name="request"/>, with BARs and controller facts from the catalog.</summary>
    public static PlanMetrics Of(Plan plan, PlanRequest request, DeviceCatalog catalog)
    {
        var buses = new Dictionary<int, (Device Device, PciControllerModel Model)>();
        foreach (var d in plan.Devices)
            if (IsPciController(d) && d.Model is { } m && catalog.FindPciController(m) is { } model)
                buses.TryAdd(d.Index ?? 0, (d, model));

        // The expander a bus sits behind (walking up), or null for the root hierarchy.
        (Device Device, PciControllerModel Model)? ExpanderOf(int busIndex)
        {
            var seen = new HashSet<int>();
            while (seen.Add(busIndex) && buses.TryGetValue(busIndex, out var bus))
            {
                if (bus.Model.Defaults == "busNr") return bus;
                if (bus.Model.Root || bus.Device.Address is not PciAddress a) return null;
                busIndex = a.Bus;
            }
            return null;
        }

        var usedSlots = new HashSet<(int Bus, int Slot)>();
        foreach (var d in plan.Devices)
            if (d.Address is PciAddress { Domain: 0 } a) usedSlots.Add((a.Bus, a.Slot));

        var spareByNode = new SortedDictionary<int, int>();
        for (int n = 0; n < request.NumaNodes; n++) spareByNode[n] = 0;
        int busNumbers = 1;
        foreach (var (index, (device, model)) in buses)
        {
            if (model.Root) continue;
            busNumbers += model.BusNumbers;
            if (!model.Hotplug || device.Controller?.Hotplug == false) continue;
            if (ExpanderOf(index)?.Device.Controller?.NumaNode is not int node) continue;
            int free = 0;
            for (int s = model.MinSlot; s <= model.MaxSlot; s++)
                if (!usedSlots.Contains((index, s))) free++;
            spareByNode[node] = spareByNode.GetValueOrDefault(node) + free;
        }

        var ioWindows = new HashSet<int>();
        long mmio32 = 0, mmio64 = 0;
        int numaMisses = 0;
        foreach (var d in plan.Devices)
        {
            if (d.Address is not PciAddress a || IsPciController(d)) continue;
            var bars = d.Tunables?.Bars ?? catalog.Resolve(d.Kind, d.Type, d.Bus, d.Model)?.Bars ?? [];
            bool hasIo = false;
            foreach (var bar in bars)
            {
                long size = Size(bar.Size);
                switch (bar.Kind)
                {
                    case "io": hasIo = true; break;
                    case "mem32" or "mem32pref": mmio32 += size; break;
                    case "mem64" or "mem64pref": mmio64 += size; break;
                }
            }
            if (hasIo) AddIoWindows(a.Bus);
            if (d.Tunables?.NumaNode is { } want && ExpanderOf(a.Bus)?.Device.Controller?.NumaNode != want.Value) numaMisses++;
        }

        void AddIoWindows(int busIndex)
        {
            var seen = new HashSet<int>();
            while (seen.Add(busIndex) && buses.TryGetValue(busIndex, out var bus) && !bus.Model.Root)
            {
                if (bus.Model.IoWindow) ioWindows.Add(busIndex);
                if (bus.Device.Address is not PciAddress up) return;
                busIndex = up.Bus;
            }
        }

        return new PlanMetrics
        {
            ControllersAdded = buses.Values.Count(b => b.Device.Added && !b.Model.Root),
            RootPorts = plan.Summary.RootPorts,
            SparePlaces = plan.Summary.FreeHotplugSlots,
            SpareRootPorts = plan.Summary.FreeRootPorts,
            SpareByNode = spareByNode,
            BusNumbers = busNumbers,
            IoWindows = ioWindows.Count,
            Mmio32Bytes = mmio32,
            Mmio64Bytes = mmio64,
            NumaMisses = numaMisses,
            Moved = request.Prior is null ? null : plan.Stability?.Moved.Count ?? 0,
            ReservedBytes = plan.Devices.Sum(d => d?.Controller?.Reserve is { } r ? (r.Mem ?? 0) + (r.Pref32 ?? 0) + (r.Pref64 ?? 0) : 0),
            Objective = plan.Solver?.Objective,
            Status = plan.Solver?.Status ?? "planned",
        };
    }

    private static bool IsPciController(Device d) => d.Kind == "controller" && d.Type == "pci";

    /// <summary>A catalog size (the catalog loader has checked it).</summary>
    private static long Size(string text) => SweepSpec.TryParseSize(text, out long n) ? n : 0;
}
