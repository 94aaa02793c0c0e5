using System.Globalization;
using DevAddr.Core.Catalog;
using DevAddr.Core.Model;
using DevAddr.Core.Policy.Libvirt;
using DevAddr.Core.Topology;

namespace DevAddr.Core.Hotplug;

/// <summary>
/// A running guest as libvirt sees it at hotplug time: the PCI address set cached at start (no growth, no new
/// PCI controllers), every function in use reserved, plus what QEMU and the firmware add (buses QEMU refuses
/// hotplug on, the windows ports and bridges got at boot).
/// </summary>
internal sealed class LiveLayout
{
    private readonly SortedDictionary<int, Device> _pci = [];

    private LiveLayout(DeviceCatalog catalog, HotplugFacts facts, MachineType machine, Plan plan, HotplugOptions options, FirmwareProfile profile)
    {
        Catalog = catalog;
        Facts = facts;
        Machine = machine;
        Plan = plan;
        Options = options;
        Profile = profile;
        Devices = [.. plan.Devices];
        foreach (var d in Devices.Where(IsPciController))
            _pci.TryAdd(d.Index ?? 0, d);
        int nbuses = _pci.Count == 0 ? 0 : _pci.Keys.Max() + 1;
        Set = new PciAddressSet(catalog, machine, nbuses, dryRun: false);
        string fill = machine.IsPcie ? "pcie-root-port" : "pci-bridge";
        for (int i = 0; i < nbuses; i++)
        {
            // libvirt 9.0 keeps pci-root hot-pluggable in its address set even with hotplug='off' (QEMU then refuses).
            if (_pci.TryGetValue(i, out var c) && c.Model is not null && catalog.FindPciController(c.Model) is not null)
                Set.SetBusModel(i, c.Model, allowHotplug: c.Controller?.Hotplug != false || c.Model == facts.AcpiRootHotplug.RootModel);
            else
                Set.SetBusModel(i, fill, allowHotplug: true);
        }
        foreach (var text in machine.ReservedAddresses)
            if (RootAddress.TryParse(text, out var r))
                Mark(new PciAddress(0, r.Bus, r.Slot, r.Function));
        foreach (var d in Devices)
            if (d.Address is PciAddress a)
                Mark(a);
        if (machine.Zpci) CompleteZpci();
        BusNumbers = PredictBusNumbers();
    }

    /// <summary>
    /// At start libvirt gives every PCI device that has no zPCI ids yet (a pci-bridge it added in the definition)
    /// the lowest free ones, in its device iteration order, as in the cold plan's assignment.
    /// </summary>
    private void CompleteZpci()
    {
        var order = Devices.Select((d, i) => (d, i))
            .OrderBy(x => LibvirtPolicy.IterationRank(x.d.Kind)).ThenBy(x => x.i).Select(x => x.i).ToList();
        foreach (int i in order)
        {
            var d = Devices[i];
            if (d.Address is not PciAddress p || !HasZpci(d) || p.Zpci is { Uid: not null, Fid: not null }) continue;
            Devices[i] = d with { Address = p with { Zpci = new ZpciIds(p.Zpci?.Uid ?? FreeZpciUid(), p.Zpci?.Fid ?? FreeZpciFid()) } };
        }
    }

    /// <summary>Whether a PCI device carries zPCI ids on s390x: every device but the character devices.</summary>
    public static bool HasZpci(Device d) => LibvirtPolicy.ZpciKind(d.Kind);

    /// <summary>The lowest zPCI uid (from 1) no device has.</summary>
    public int FreeZpciUid()
    {
        var used = Devices.Select(d => (d.Address as PciAddress)?.Zpci?.Uid).OfType<int>().ToHashSet();
        int uid = 1;
        while (used.Contains(uid)) uid++;
        return uid;
    }

    /// <summary>The lowest zPCI fid (from 0) no device has.</summary>
    public long FreeZpciFid()
    {
        var used = Devices.Select(d => (d.Address as PciAddress)?.Zpci?.Fid).OfType<long>().ToHashSet();
        long fid = 0;
        while (used.Contains(fid)) fid++;
        return fid;
    }

    /// <summary>The device holding a zPCI uid or fid, or null.</summary>
    public Device? ZpciHolder(int? uid, long? fid) =>
        Devices.FirstOrDefault(d => d.Address is PciAddress { Zpci: { } z } && ((uid is not null && z.Uid == uid) || (fid is not null && z.Fid == fid)));

    /// <summary>The device holding a complete CCW address, or null.</summary>
    public Device? CcwHolder(CcwAddress a) => Devices.FirstOrDefault(d => d.Address is CcwAddress { IsComplete: true } c && c == a);

    /// <summary>
    /// The lowest free device number in channel subsystem 0xfe, subchannel set 0 (virDomainCCWAddressAssign from a
    /// fresh address set: every complete CCW address of the guest is taken), or null when all 65536 are taken.
    /// </summary>
    public CcwAddress? FreeCcw()
    {
        var used = CcwDevnosInUse();
        for (int devno = 0; devno <= CcwAddress.DevnoLast; devno++)
            if (!used.Contains(devno)) return new CcwAddress(CcwAddress.CssidLast, 0, devno);
        return null;
    }

    /// <summary>The device numbers taken in channel subsystem 0xfe, subchannel set 0.</summary>
    public HashSet<int> CcwDevnosInUse() =>
        Devices.Select(d => d.Address).OfType<CcwAddress>()
            .Where(c => c is { IsComplete: true, Cssid: CcwAddress.CssidLast, Ssid: 0 })
            .Select(c => c.Devno!.Value).ToHashSet();

    public DeviceCatalog Catalog { get; }
    public HotplugFacts Facts { get; }
    public MachineType Machine { get; }
    public Plan Plan { get; }
    public HotplugOptions Options { get; }
    public FirmwareProfile Profile { get; }
    public List<Device> Devices { get; }
    public PciAddressSet Set { get; }
    public List<string> Assumptions { get; } = [];

    /// <summary>Guest bus number of every PCI controller index, as firmware numbers them (depth-first).</summary>
    public IReadOnlyDictionary<int, int> BusNumbers { get; private set; }

    public IReadOnlyDictionary<int, Device> PciControllers => _pci;

    /// <summary>Builds the live layout; an error when the machine, the firmware profile or the layout is unusable.</summary>
    public static (LiveLayout? Layout, PlanError? Error) Create(Plan plan, HotplugOptions? options, DeviceCatalog catalog, HotplugFacts facts)
    {
        options ??= new HotplugOptions();
        // Reserves the plan's controllers carry (e.g. spare root ports an optimized plan added), then the caller's.
        var planReserves = plan.Devices.Where(d => d is { Kind: "controller", Type: "pci", Controller.Reserve: not null })
            .GroupBy(d => d.Index ?? 0).ToDictionary(g => g.Key, g => g.First().Controller!.Reserve!);
        if (planReserves.Count > 0)
        {
            foreach (var (index, r) in options.Reserves) planReserves[index] = r;
            options = options with { Reserves = planReserves };
        }
        var machine = plan.Machine is { Arch: not null, Type: not null } m ? catalog.FindMachine(m.Arch, m.Type) : null;
        if (machine is null)
            return (null, Error(ErrorCodes.UnknownModel, $"unknown machine type '{plan.Machine?.Type}' for architecture '{plan.Machine?.Arch}'", "known-machine"));
        var profile = facts.FindProfile(options.Firmware);
        if (profile is null)
            return (null, Error(ErrorCodes.InvalidInput,
                $"unknown firmware profile '{options.Firmware}' (known: {string.Join(", ", facts.FirmwareProfiles.Select(p => p.Name))})", "firmware-profile"));
        foreach (var (index, reserve) in options.Reserves)
        {
            if (reserve.Io < 0 || reserve.Mem < 0 || reserve.Pref32 < 0 || reserve.Pref64 < 0)
                return (null, Error(ErrorCodes.InvalidInput, $"the reserve of PCI controller {index} has a negative size", "reserve-range"));
            if (reserve.Pref32 is not null && reserve.Pref64 is not null)
                return (null, Error(ErrorCodes.InvalidInput, $"PCI controller {index}: pref32-reserve and pref64-reserve cannot both be set (QEMU refuses)", "reserve-range"));
        }

        // Budget rules are heuristics of the cold planner; a running guest that exceeds them still runs.
        var blocking = AddressPlanner.Validate(plan, catalog)
            .Where(e => e.Rule is not ("io-window-budget" or "mmio32-budget"))
            .ToList();
        if (blocking.Count > 0)
            return (null, Error(ErrorCodes.InvalidInput,
                $"the layout is not a valid plan ({blocking.Count} violation(s)): " +
                string.Join("; ", blocking.Take(5).Select(e => $"{e.Rule}: {e.Message}")) + (blocking.Count > 5 ? "; ..." : ""),
                "layout-valid"));

        foreach (var (index, _) in options.Reserves)
        {
            if (!plan.Devices.Any(d => IsPciController(d) && (d.Index ?? 0) == index))
                return (null, Error(ErrorCodes.InvalidInput, $"a reserve names PCI controller {index}, which the layout does not have", "reserve-controller"));
        }
        return (new LiveLayout(catalog, facts, machine, plan, options, profile), null);
    }

    private static PlanError Error(string code, string message, string rule) => new() { Code = code, Message = message, Rule = rule };

    public static bool IsPciController(Device d) => d.Kind == "controller" && d.Type == "pci";

    public void Mark(PciAddress a)
    {
        if (a.Domain != 0 || a.Bus >= Set.Count || a.Slot > PciAddress.SlotLast || a.Function > PciAddress.FunctionLast) return;
        Set.Buses[a.Bus].Functions[a.Slot] |= (byte)(1 << a.Function);
    }

    public void Unmark(PciAddress a)
    {
        if (a.Domain != 0 || a.Bus >= Set.Count || a.Slot > PciAddress.SlotLast || a.Function > PciAddress.FunctionLast) return;
        var functions = Set.Buses[a.Bus].Functions;
        functions[a.Slot] = (byte)(functions[a.Slot] & ~(1 << a.Function));
    }

    /// <summary>Adds a hot-plugged device (and re-numbers buses when it is a controller).</summary>
    public void Add(Device d)
    {
        Devices.Add(d);
        if (d.Address is PciAddress a) Mark(a);
    }

    public void Remove(Device d)
    {
        Devices.Remove(d);
        if (d.Address is PciAddress a && !Devices.Any(o => o.Address is PciAddress b && b.Bus == a.Bus && b.Slot == a.Slot && b.Function == a.Function))
            Unmark(a);
    }

    /// <summary>Whether the root bus's hotplug is ACPI PCI hotplug on this machine type (i440fx).</summary>
    public bool AcpiRootHotplug => Facts.AcpiRootHotplug.Machines.Contains(Machine.Name, StringComparer.Ordinal);

    /// <summary>Why QEMU refuses hotplug on the SCSI bus of SCSI controller <paramref name="index"/> (ibmvscsi), or null.</summary>
    public string? ScsiBusRefusal(int index)
    {
        var c = Devices.FirstOrDefault(c => c.Kind == "controller" && c.Type == "scsi" && (c.Index ?? 0) == index);
        return c is null ? null : Facts.NoHotplugBus(QemuBusRule.Scsi, c.Model)?.Format(index);
    }

    /// <summary>Why QEMU refuses hotplug on the spapr-vio bus, or null.</summary>
    public string? SpaprVioRefusal => Facts.NoHotplugBus(QemuBusRule.SpaprVio, null)?.Message;

    public PciControllerModel? BusModel(int index) =>
        _pci.TryGetValue(index, out var c) && c.Model is not null ? Catalog.FindPciController(c.Model) : null;

    public bool HotplugOff(int index) => _pci.TryGetValue(index, out var c) && c.Controller?.Hotplug == false;

    /// <summary>A port: one downstream slot (pcie-root-port, switch downstream port).</summary>
    public bool IsPort(int index) => BusModel(index) is { MaxSlot: 0, Root: false } m && m.Defaults != "busNr";

    /// <summary>A host bridge: the root bus or an expander bus (windows come from the machine's PCI holes).</summary>
    public bool IsHostBridge(int index) => BusModel(index) is { } m && (m.Root || m.Defaults == "busNr");

    /// <summary>QEMU's name of the bus: pci.0 / pcie.0 for the root, pci.N for the others.</summary>
    public string QemuBusName(int index) => index == 0 ? (BusModel(0)?.Model == "pcie-root" ? "pcie.0" : "pci.0") : Inv($"pci.{index}");

    /// <summary>Why QEMU refuses hotplug on a bus libvirt treats as hot-pluggable, or null.</summary>
    public string? QemuRefusal(int index)
    {
        var model = BusModel(index);
        if (model is null) return null;
        if (Facts.NoHotplugBus(QemuBusRule.Pci, model.Model) is { } rule) return rule.Format(index);
        if (AcpiRootHotplug && model.Model == Facts.AcpiRootHotplug.RootModel && (Options.Acpi == false || HotplugOff(index))) return Facts.AcpiRootHotplug.Message;
        return null;
    }

    /// <summary>The bus in words: "pcie-root-port index 4 at 00:01.3", "pci-root (bus 0)".</summary>
    public string Describe(int index)
    {
        if (!_pci.TryGetValue(index, out var c)) return Inv($"PCI bus {index}");
        string off = c.Controller?.Hotplug == false ? ", hotplug='off'" : "";
        return c.Address is PciAddress a
            ? Inv($"{c.Model} index {index} at {a.Bus:x2}:{a.Slot:x2}.{a.Function:x}{off}")
            : Inv($"{c.Model} (bus {index}{off})");
    }

    /// <summary>Slot/function chain from the root bus, e.g. <c>01.3/00.0</c>; independent of guest bus numbering.</summary>
    public string PathOf(PciAddress a)
    {
        var parts = new List<string> { Inv($"{a.Slot:x2}.{a.Function:x}") };
        var seen = new HashSet<int>();
        int bus = a.Bus;
        while (bus != 0 && seen.Add(bus) && _pci.TryGetValue(bus, out var c) && c.Address is PciAddress up)
        {
            parts.Insert(0, Inv($"{up.Slot:x2}.{up.Function:x}"));
            bus = up.Bus;
        }
        return string.Join('/', parts);
    }

    /// <summary>The guest-visible bus:slot.function (predicted bus number).</summary>
    public string GuestBdf(PciAddress a) =>
        Inv($"{a.Domain:x4}:{(BusNumbers.TryGetValue(a.Bus, out int n) ? n : a.Bus):x2}:{a.Slot:x2}.{a.Function:x}");

    /// <summary>The PCI controllers from the root bus (not included) down to bus <paramref name="bus"/>.</summary>
    public IReadOnlyList<Device> ControllersAbove(int bus)
    {
        var chain = new List<Device>();
        var seen = new HashSet<int>();
        while (bus != 0 && seen.Add(bus) && _pci.TryGetValue(bus, out var c))
        {
            chain.Insert(0, c);
            if (c.Address is not PciAddress up) break;
            bus = up.Bus;
        }
        return chain;
    }

    /// <summary>NUMA node of the expander a bus sits behind, if any.</summary>
    public int? NumaNodeOf(int bus)
    {
        var seen = new HashSet<int>();
        while (seen.Add(bus) && _pci.TryGetValue(bus, out var c))
        {
            if (c.Controller?.NumaNode is int n) return n;
            if (c.Address is not PciAddress up) return null;
            bus = up.Bus;
        }
        return null;
    }

    /// <summary>PCI controllers sitting on <paramref name="bus"/>, by slot and function.</summary>
    public IEnumerable<(int Index, PciAddress Address)> ChildBuses(int bus) =>
        _pci.Where(kv => kv.Key != bus && kv.Value.Address is PciAddress a && a.Bus == bus && a.Domain == 0)
            .Select(kv => (kv.Key, (PciAddress)kv.Value.Address!))
            .OrderBy(x => x.Item2.Slot).ThenBy(x => x.Item2.Function);

    /// <summary>
    /// Firmware bus numbering: depth-first from bus 0 in slot/function order, each bridge or port taking the next
    /// number; an expander bus has its busNr and numbers its own bridges from busNr + 1.
    /// </summary>
    private Dictionary<int, int> PredictBusNumbers()
    {
        var numbers = new Dictionary<int, int>();
        if (!_pci.ContainsKey(0)) return numbers;
        numbers[0] = 0;
        var expanders = new List<int>();
        void Walk(int bus, ref int next)
        {
            foreach (var (child, _) in ChildBuses(bus))
            {
                if (numbers.ContainsKey(child)) continue;
                if (BusModel(child) is { Defaults: "busNr" })
                {
                    expanders.Add(child);
                    continue;
                }
                numbers[child] = next++;
                Walk(child, ref next);
            }
        }
        int next = 1;
        Walk(0, ref next);
        for (int i = 0; i < expanders.Count; i++)
        {
            int x = expanders[i];
            int nr = _pci[x].Controller?.BusNr ?? 0;
            numbers[x] = nr;
            int n = nr + 1;
            Walk(x, ref n);
        }
        return numbers;
    }

    public void Renumber() => BusNumbers = PredictBusNumbers();

    /// <summary>Catalog rule of a device (null when the catalog has none).</summary>
    public DeviceModelRule? Rule(Device d) => Catalog.Resolve(d.Kind, d.Type, d.Bus, d.Model);

    /// <summary>The device's BARs: its own <c>tunables.bars</c>, else the catalog's.</summary>
    public IReadOnlyList<BarSpec> BarsOf(Device d) => d.Tunables?.Bars ?? Rule(d)?.Bars ?? [];

    /// <summary>
    /// libvirt's connect flags of an endpoint (as the libvirt policy computes them): conventional PCI, or PCI
    /// Express on a PCI Express machine; a host device known to be conventional PCI is PCI.
    /// </summary>
    public ConnectFlags EndpointFlags(Device d, DeviceModelRule rule)
    {
        var pci = ConnectFlags.PciDevice | ConnectFlags.AutoAssign;
        var pcie = Machine.IsPcie ? ConnectFlags.PcieDevice | ConnectFlags.AutoAssign : pci;
        var flags = rule.Connect switch
        {
            "pci" => pci,
            "pcie" or "virtio" => pcie,
            _ => ConnectFlags.None,
        };
        if (d.Kind == "hostdev" && rule.Connect == "pcie" && d.Host?.PciExpress == false) flags = pci;
        if (flags != ConnectFlags.None && rule.Integrated) flags |= ConnectFlags.Integrated;
        return flags;
    }

    public static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    public static string DescribeDevice(Device d) =>
        string.Join('/', new[] { d.Kind, d.Type, d.Model }.Where(s => !string.IsNullOrEmpty(s)));
}
