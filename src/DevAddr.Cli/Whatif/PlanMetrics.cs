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
    /// <summary>Expander buses in the plan.</summary>
    public int ExpanderBuses { get; init; }
    /// <summary>
    /// With a host topology (or p2p groups): pairs of passed-through devices that share a host PCI Express switch or a
    /// p2p group (null otherwise).
    /// </summary>
    public int? P2pPairs { get; init; }
    /// <summary>Of <see cref="P2pPairs"/>, those under one guest switch.</summary>
    public int? P2pPairsKept { get; init; }
    /// <summary>With a host topology: the 64-bit windows as the firmware sizes them (the solver's window report).</summary>
    public long? Mmio64WindowBytes { get; init; }
    /// <summary>With a host topology: the guest's 64-bit PCI hole the plan sets.</summary>
    public long? PciHole64Bytes { get; init; }

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

        // A passed-through device's BARs are its host function's, when the request carries the host topology.
        var host = request.HostTopology is { } topology ? Core.Host.HostTopologyIndex.Create(topology).Index : null;
        IReadOnlyList<BarSpec>? HostBars(Device d) =>
            host?.Find(d.Host?.Address) is { } f && Core.Host.HostTopologies.IsHostPci(d)
                ? f.Bars.Select(b => new BarSpec(b.Size.ToString(System.Globalization.CultureInfo.InvariantCulture), b.Kind)).ToList()
                : null;

        var ioWindows = new HashSet<int>();
        long mmio32 = 0, mmio64 = 0;
        int numaMisses = 0;
        foreach (var d in plan.Devices)
        {
            if (d.Address is not PciAddress a || IsPciController(d)) continue;
            var bars = d.Tunables?.Bars ?? HostBars(d) ?? catalog.Resolve(d.Kind, d.Type, d.Bus, d.Model)?.Bars ?? [];
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

        var (pairs, kept) = P2p(plan, host, buses.ToDictionary(kv => kv.Key, kv => kv.Value.Device));
        return new PlanMetrics
        {
            ExpanderBuses = buses.Values.Count(b => b.Model.Defaults == "busNr"),
            P2pPairs = pairs,
            P2pPairsKept = kept,
            Mmio64WindowBytes = plan.Solver?.Windows?.Mmio64Bytes,
            PciHole64Bytes = plan.Solver?.Windows?.PciHole64Bytes,
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

    /// <summary>
    /// Pairs of passed-through devices that belong together (one host switch, or one p2p group), and how many of them
    /// the plan puts under one guest switch; nulls when the request has neither a host topology nor p2p groups.
    /// </summary>
    private static (int? Pairs, int? Kept) P2p(Plan plan, Core.Host.HostTopologyIndex? host, Dictionary<int, Device> buses)
    {
        var devices = plan.Devices.Where(d => d.Address is PciAddress && (d.Tunables?.P2pGroup is not null || host is not null && Core.Host.HostTopologies.IsHostPci(d))).ToList();
        if (host is null && devices.Count == 0) return (null, null);
        int? GuestSwitch(Device d)
        {
            int bus = ((PciAddress)d.Address!).Bus;
            var seen = new HashSet<int>();
            while (seen.Add(bus) && buses.TryGetValue(bus, out var c))
            {
                if (c.Model == "pcie-switch-upstream-port") return c.Index;
                if (c.Address is not PciAddress up) return null;
                bus = up.Bus;
            }
            return null;
        }
        string? HostSwitch(Device d) => host is not null && host.Find(d.Host?.Address) is { } f ? host.SwitchOf(f) : null;
        int pairs = 0, kept = 0;
        for (int i = 0; i < devices.Count; i++)
        {
            for (int j = i + 1; j < devices.Count; j++)
            {
                var (a, b) = (devices[i], devices[j]);
                bool together = HostSwitch(a) is string s && s == HostSwitch(b)
                    || a.Tunables?.P2pGroup?.Value is string g && g == b.Tunables?.P2pGroup?.Value;
                if (!together) continue;
                pairs++;
                if (GuestSwitch(a) is int w && w == GuestSwitch(b)) kept++;
            }
        }
        return (pairs, kept);
    }

    /// <summary>A catalog size (the catalog loader has checked it).</summary>
    private static long Size(string text) => SweepSpec.TryParseSize(text, out long n) ? n : 0;
}
