using DevAddr.Core.Catalog;
using DevAddr.Core.Model;
using DevAddr.Core.Topology;

namespace DevAddr.Core.Policy.Libvirt;

internal sealed partial class LibvirtPolicy
{
    /// <summary>
    /// PCI placement by an engine (the optimizing policy): fixed addresses, chipset places and user controllers
    /// are placed as libvirt does, without adding buses; everything else is left to the engine.
    /// </summary>
    private void AssignPciWithEngine(IPciPlacementEngine engine)
    {
        var pciControllers = ControllersOf("pci").ToList();
        int nbuses = pciControllers.Count == 0 ? 0 : pciControllers.Max(c => c.Idx) + 1;
        if (_machine.PciRoot is null) return;
        if (nbuses == 0)
        {
            var needy = All.FirstOrDefault(d => d.PciFlags != ConnectFlags.None);
            if (needy is not null)
                throw Error(ErrorCodes.Unsupported, "No PCI buses available", needy, "pci-bus-exists");
            return;
        }
        var set = CreateAddressSet(nbuses, dryRun: false);
        // Index gaps get controllers of the default model, as libvirt adds them.
        for (int i = 1; i < nbuses; i++)
        {
            if (FindController("pci", i) is not null) continue;
            string model = set.Buses[i].Model!;
            var gap = MaybeAddController("pci", i, model, "PCI controller indexes must not leave gaps");
            var cm = set.ControllerModel(model);
            gap.Rule = cm.Rule;
            gap.PciFlags = cm.Upstream;
        }
        pciControllers = ControllersOf("pci").ToList();
        ApplyChipset(set, allowAuto: false);
        foreach (var c in _controllers.Where(c => c.IsPciController && c.PciWanted && c.PciFlags != ConnectFlags.None))
            ReserveNext(set, c);
        // Existing devices that may move still hold their old place (a move never frees it for others).
        foreach (var d in _devices.Where(d => d.PciWanted && _movable.ContainsKey(d.Id)))
            if (_movable[d.Id] is PciAddress old && old.Bus < set.Count)
                set.ReserveAddr(old, d.PciFlags, fromConfig: true, d.Id);

        var buses = new List<PciBusInfo>();
        foreach (var c in pciControllers.OrderBy(c => c.Idx))
        {
            var bus = set.Buses[c.Idx];
            var free = new List<int>();
            for (int s = bus.MinSlot; s <= bus.MaxSlot; s++)
                if (bus.Functions[s] == 0) free.Add(s);
            buses.Add(new PciBusInfo
            {
                Index = c.Idx,
                Model = c.Model!,
                Address = c.Pci,
                NumaNode = NodeOf(c),
                Hotplug = (bus.Flags & ConnectFlags.Hotpluggable) != 0,
                FreeSlots = free,
                BusNr = c.Controller?.BusNr,
                Reserve = c.Controller?.Reserve,
            });
        }

        var items = new List<PciItem>();
        foreach (var pass in _catalog.PciPassOrder)
        {
            IEnumerable<WorkDevice> candidates = pass switch
            {
                "pci-controller" => [],
                "controller" => _controllers.Where(c => !c.IsPciController && c.Rule.Pass == "controller"),
                "video" => Videos,
                _ => _devices.Where(d => d.Rule.Pass == pass),
            };
            items.AddRange(candidates.Where(d => d.PciWanted && d.PciFlags != ConnectFlags.None).Select(ToItem));
        }
        var fixedItems = All.Where(d => d.Address is PciAddress && !d.IsPciController).Select(ToItem).ToList();

        var problem = new PciProblem
        {
            Machine = _machine,
            Policy = _request.Policy,
            NumaNodes = _request.NumaNodes,
            Buses = buses,
            Items = items,
            Fixed = fixedItems,
            MaxControllerIndex = _controllers.Where(c => c.IsPciController).Max(c => c.Idx),
            Catalog = _catalog,
            MoveWeight = _moveWeight,
            HostTopology = _host,
        };
        var offPci = TunablesOffPci(items);
        var result = engine.Place(problem);
        if (result.Error is not null) throw new PlanningException(result.Error);

        foreach (var added in result.AddedControllers)
        {
            var c = new WorkDevice(added, int.MaxValue, NewId(added.Id)) { Added = true, Reason = added.Reason };
            var model = _catalog.PciControllerInfo(c.Model!)!;
            c.Rule = model.Rule;
            c.PciFlags = model.Upstream;
            AddController(c);
        }
        foreach (var (index, busNr) in result.ExpanderBusNumbers)
        {
            var c = FindController("pci", index)!;
            c.Controller = c.Options with { BusNr = busNr };
        }
        if (result.PciHole64 is long hole && FindController("pci", 0) is { } root)
            root.Controller = root.Options with { PciHole64 = hole };
        var byId = All.ToDictionary(d => d.Id, StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (!result.Addresses.TryGetValue(item.Device.Id, out var a))
                throw Error(ErrorCodes.NoSpace, "the placement engine left the device without an address", byId[item.Device.Id], "address-present");
            byId[item.Device.Id].Address = a;
        }
        _report = result.Report is { } report && offPci.Count > 0 ? report with { Unmet = [.. report.Unmet, .. offPci] } : result.Report;
        FillPciControllerDefaults();
        SetAllMultifunction();
    }

    /// <summary>
    /// PCI placement tunables (numaNode, busKind, hotpluggable, portReserve, p2pGroup, group) on a device this machine
    /// does not put on PCI (CCW, spapr-vio, virtio-mmio, ISA, USB...): no placement can meet them. A required one
    /// refuses the request naming the device, the tunable and the bus the device is on; a preferred one is reported
    /// as unmet.
    /// </summary>
    private List<UnmetPreference> TunablesOffPci(List<PciItem> items)
    {
        var unmet = new List<UnmetPreference>();
        var onPci = items.Select(i => i.Device.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var d in All)
        {
            if (d.Tunables is not { } t || onPci.Contains(d.Id) || d.Address is PciAddress) continue;
            string bus = d.Address is { } a ? $"a {a.Kind} address" : "no PCI address";
            string where = $"on machine type {_machine.Name} the device gets {bus}, not a PCI one";
            foreach (var (name, required) in PciTunables(t))
            {
                if (required)
                    throw Error(ErrorCodes.InvalidInput,
                        $"device '{d.Id}': tunables.{name} places PCI devices only; {where} (drop the tunable or give it mode 'prefer')", d, "pci-tunable");
                unmet.Add(new UnmetPreference { Tunable = name, DeviceId = d.Id, Message = $"device '{d.Id}': tunables.{name} not met: {where}" });
            }
        }
        return unmet;
    }

    private static IEnumerable<(string Name, bool Required)> PciTunables(DeviceTunables t)
    {
        if (t.NumaNode is { } numa) yield return ("numaNode", numa.IsRequired);
        if (t.BusKind is { Value: "pcie" or "pci" } kind) yield return ("busKind", kind.IsRequired);
        if (t.Hotpluggable is { } hp) yield return ("hotpluggable", hp.IsRequired);
        if (t.P2pGroup is { } p2p) yield return ("p2pGroup", p2p.IsRequired);
        if (t.PortReserve is not null) yield return ("portReserve", true);
        if (t.Group is not null) yield return ("group", true);
    }

    private int? NodeOf(WorkDevice controller)
    {
        // The NUMA node of an expander, or of the expander a bus hangs under.
        var seen = new HashSet<int>();
        var c = controller;
        while (c is not null && seen.Add(c.Idx))
        {
            if (c.Controller?.NumaNode is int n) return n;
            if (c.Pci is not { } a || a.Bus == c.Idx) return null;
            c = FindController("pci", a.Bus);
        }
        return null;
    }

    private PciItem ToItem(WorkDevice d)
    {
        var host = HostFunction(d);
        return new()
        {
            Device = d.ToDevice(),
            Flags = d.PciFlags,
            HotplugCapable = d.Rule.Hotplug,
            Bars = d.Tunables?.Bars ?? (host is null ? d.Rule.Bars : host.Bars.Select(b => new BarSpec(b.Size.ToString(System.Globalization.CultureInfo.InvariantCulture), b.Kind)).ToList()),
            PriorAddress = _movable.TryGetValue(d.Id, out var prior) ? prior as PciAddress : null,
            Host = host,
        };
    }

    /// <summary>The host function a passed-through device is, when the request carries a host topology.</summary>
    private HostPciFunction? HostFunction(WorkDevice d) =>
        _host is not null && d.Host?.Address is string a && Host.HostTopologies.IsHostPci(d.ToDevice()) ? _host.Find(a) : null;
}
