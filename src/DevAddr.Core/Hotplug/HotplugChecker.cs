using DevAddr.Core.Catalog;
using DevAddr.Core.Model;
using DevAddr.Core.Topology;

namespace DevAddr.Core.Hotplug;

/// <summary>
/// Live hotplug feasibility, the way libvirt 9.0 attaches devices to a running guest (attach-device --live):
/// the address set of the running guest, no PCI controller ever added, HOTPLUGGABLE added to the device's
/// connect flags, the first free compatible slot at function 0; then what QEMU refuses and whether the
/// device's BARs fit the windows its port or bridge got at boot. Devices are attached in the order given;
/// each feasible one takes its place before the next is checked (an infeasible one takes none: a manager
/// would not attach it).
/// </summary>
internal sealed partial class HotplugChecker
{
    private readonly LiveLayout _l;
    private readonly Windows _w;
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly List<(Device Device, HotplugVerdict Verdict, ConnectFlags Flags, DeviceAddress? Alternative)> _done = [];
    private readonly SortedSet<string> _assumptions = new(StringComparer.Ordinal);
    private MachineHotplug _machine = null!;

    private HotplugChecker(LiveLayout layout)
    {
        _l = layout;
        _w = new Windows(layout);
        foreach (var d in layout.Devices) _ids.Add(d.Id);
    }

    public static HotplugCheckResult Run(Plan layout, IReadOnlyList<Device> devices, HotplugOptions? options, DeviceCatalog catalog)
    {
        var (live, error) = LiveLayout.Create(layout, options, catalog, HotplugFacts.Default);
        if (error is not null) return new HotplugCheckResult.Failure(error);
        var input = CheckInput(layout, devices);
        if (input is not null) return new HotplugCheckResult.Failure(input);

        var checker = new HotplugChecker(live!);
        foreach (var d in devices) checker._ids.Add(d.Id);
        var machine = checker._machine = checker.MachineAnswer();
        var verdicts = devices.Select(checker.Check).ToList();
        return new HotplugCheckResult.Checked(new HotplugReport
        {
            Feasible = verdicts.All(v => v.Feasible),
            Summary = LayoutPlans.Summarize(verdicts.Count(v => v.Feasible), verdicts.Count, "hot-plugged", verdicts.Select(v => v.Reasons)),
            Machine = machine,
            Devices = verdicts,
            Suggestions = checker.Suggest(),
            Assumptions = checker.Assumptions(),
            LayoutAfter = LayoutPlans.Of(live!),
        });
    }

    private static PlanError? CheckInput(Plan layout, IReadOnlyList<Device> devices)
    {
        var ids = new HashSet<string>(layout.Devices.Where(d => d is not null).Select(d => d.Id), StringComparer.Ordinal);
        for (int i = 0; i < devices.Count; i++)
        {
            var d = devices[i];
            if (d is null || string.IsNullOrEmpty(d.Id) || string.IsNullOrEmpty(d.Kind))
                return new PlanError { Code = ErrorCodes.InvalidInput, Message = LiveLayout.Inv($"devices[{i}] needs an id and a kind"), Rule = "device-id" };
            if (!ids.Add(d.Id))
                return new PlanError
                {
                    Code = ErrorCodes.InvalidInput,
                    Message = $"device id '{d.Id}' is already used (by the layout or an earlier device to add)",
                    DeviceId = d.Id,
                    Rule = "device-id-unique",
                };
        }
        return null;
    }

    private IReadOnlyList<string> Assumptions()
    {
        var profile = _l.Profile;
        var list = new List<string>
        {
            $"firmware profile '{profile.Name}': {profile.Description}",
        };
        if (_l.Options.Reserves.Count == 0)
            list.Add("no port or bridge of the layout has an io/mem/pref32/pref64 reserve (QEMU's default is none); windows of empty ports are the firmware profile's");
        list.AddRange(_assumptions);
        return list;
    }

    /// <summary>Root-bus hotplug and free hot-pluggable places, before any device is added.</summary>
    private MachineHotplug MachineAnswer()
    {
        var root = _l.BusModel(0);
        int ports = 0, pciSlots = 0;
        foreach (var (index, _) in _l.PciControllers)
        {
            var bus = _l.Set.Buses[index];
            if ((bus.Flags & ConnectFlags.Hotpluggable) == 0 || _l.QemuRefusal(index) is not null) continue;
            for (int s = bus.MinSlot; s <= bus.MaxSlot; s++)
            {
                if (bus.Functions[s] != 0) continue;
                if (_l.IsPort(index)) ports++;
                else if ((bus.Flags & ConnectFlags.PciDevice) != 0) pciSlots++;
            }
        }
        if (root is null)
            return new MachineHotplug
            {
                Machine = _l.Machine.Name,
                RootBus = "none",
                NeedsPreallocatedPorts = false,
                Message = $"machine type {_l.Machine.Name} has no PCI bus: PCI devices cannot be hot-plugged",
            };
        string? qemu = _l.QemuRefusal(0);
        bool rootHotplug = root.Hotplug && !_l.HotplugOff(0) && qemu is null;
        string where = _l.Machine.IsPcie || ports > 0
            ? LiveLayout.Inv($"this guest has {ports} free hot-pluggable PCI Express port(s) and {pciSlots} free hot-pluggable conventional PCI slot(s)")
            : LiveLayout.Inv($"this guest has {pciSlots} free hot-pluggable PCI slot(s)");
        int? freeCcw = _l.Machine.Ccw ? CcwAddress.DevnoLast + 1 - _l.CcwDevnosInUse().Count : null;
        string message = RootBusAnswer(root, rootHotplug, qemu, freeCcw) + "; " + where;
        if (_l.AcpiRootHotplug && _l.Options.Acpi is null)
            _assumptions.Add("the layout does not say whether the guest has ACPI: i440fx root-bus hotplug is assumed to work (it needs <features><acpi/>)");
        if (!_l.Machine.IsPcie && !_l.AcpiRootHotplug)
            _assumptions.Add($"{_l.Machine.Name}: the windows of the PCI host bridges are not modelled (no limit on BARs is checked)");
        return new MachineHotplug
        {
            Machine = _l.Machine.Name,
            RootBus = root.Model,
            RootBusHotplug = rootHotplug,
            NeedsPreallocatedPorts = _l.Machine.IsPcie || !rootHotplug,
            FreeHotplugPorts = ports,
            FreeHotplugPciSlots = pciSlots,
            FreeCcwDevnos = freeCcw,
            Message = message,
        };
    }

    /// <summary>The machine's hotplug answer in words, without the free places.</summary>
    private string RootBusAnswer(PciControllerModel root, bool rootHotplug, string? qemu, int? freeCcw)
    {
        string name = _l.Machine.Name;
        if (_l.Machine.IsPcie)
            return $"{name}: the root bus ({root.Model}) never accepts hotplug; PCI Express devices need pre-allocated empty pcie-root-ports (or switch downstream ports), conventional PCI devices a slot on a pcie-to-pci-bridge or pci-bridge";
        if (rootHotplug && _l.Machine.RootModelName is { } phb)
            return LiveLayout.Inv($"{name}: the PCI host bridges ({_l.PciControllers.Values.Count(c => c.Model == root.Model)} × {root.Model}, {phb}) accept hotplug (PAPR dynamic reconfiguration, no ACPI needed); libvirt adds no host bridge at hotplug; spapr-vio devices (spapr-vlan NICs, ibmvscsi controllers and their disks, spapr-vty serials, NVRAM, TPM) cannot be hot-plugged");
        if (rootHotplug && freeCcw is int ccw)
            return LiveLayout.Inv($"{name}: virtio devices are hot-plugged on channel I/O, at the lowest free CCW device number fe.0.xxxx ({ccw} free); the root bus ({root.Model}) accepts hotplug for PCI devices (host devices, devices given a PCI address), each with zPCI ids");
        if (rootHotplug)
            return _l.AcpiRootHotplug
                ? $"{name}: the root bus ({root.Model}) accepts hotplug (ACPI PCI hotplug{(_l.Options.Acpi is null ? ", assuming the guest has ACPI" : "")})"
                : $"{name}: the root bus ({root.Model}) accepts hotplug";
        return _l.HotplugOff(0)
            ? $"{name}: hotplug is off on the root bus ({root.Model} hotplug='off'; libvirt still picks root-bus slots and QEMU refuses them, so give devices an explicit address on a pci-bridge)"
            : $"{name}: the root bus ({root.Model}) needs ACPI for hotplug and the guest has none (QEMU: {qemu}); devices need free slots of a pci-bridge";
    }

    private HotplugVerdict Check(Device d)
    {
        d = AttachPostParse(d);
        var v = new HotplugVerdict { DeviceId = d.Id, Device = LiveLayout.DescribeDevice(d) };
        if (_exited is not null)
            return Done(d, v with
            {
                LibvirtError = "domain is not running",
                Reasons = [new HotplugReason { Code = HotplugReasons.GuestNotRunning, Layer = HotplugLayers.Qemu, Message = $"QEMU exited while '{_exited}' was hot-plugged: the guest is no longer running" }],
            });
        var live = _l.Facts.LiveAttach.First(r => r.Matches(d, _l.Machine.Name));
        if (live.Layer is not null)
        {
            string message = live.Format(d.Kind, d.Type, d.Bus, d.Model);
            return Done(d, v with
            {
                LibvirtError = live.Layer == HotplugLayers.Qemu ? "unable to execute QEMU command 'device_add': " + message : message,
                Reasons = [new HotplugReason { Code = HotplugReasons.LiveAttachUnsupported, Layer = live.Layer, Message = message }],
            });
        }
        if (live.Note is not null) _assumptions.Add($"{d.Kind}: {live.Note}");
        if (d.Kind == "controller" && (d.Index is null || d.Model is null))
        {
            // As libvirt's post-parse: the lowest unused index of the type, the machine's default SCSI model.
            var used = _l.Devices.Where(c => c.Kind == "controller" && c.Type == d.Type).Select(c => c.Index ?? 0).ToHashSet();
            int index = d.Index ?? Enumerable.Range(0, used.Count + 1).First(i => !used.Contains(i));
            d = d with { Index = index, Model = d.Model ?? (d.Type == "scsi" ? _l.Machine.DefaultScsiModel : null) };
        }

        var rule = _l.Rule(d) ?? new DeviceModelRule { Kind = d.Kind, Connect = "none" };
        var extra = new List<HotplugReason>();
        if (d.Host?.Address is string host)
        {
            var twin = _l.Devices.FirstOrDefault(o => o.Host?.Address == host && o.Type == d.Type && o.Kind == d.Kind);
            if (twin is not null)
                extra.Add(new HotplugReason
                {
                    Code = HotplugReasons.HostdevInUse,
                    Layer = HotplugLayers.Libvirt,
                    Message = $"host device {host} is already assigned to this guest (device '{twin.Id}')",
                });
        }

        var flags = _l.EndpointFlags(d, rule);
        var result = Place(d, rule, flags, v);
        var verdict = result.Verdict;
        if (extra.Count > 0)
            verdict = verdict with { Reasons = [.. extra, .. verdict.Reasons], LibvirtError = verdict.LibvirtError ?? extra[0].Message };
        verdict = verdict with { Feasible = verdict.Reasons.Count == 0 };
        if (verdict.Feasible)
            _l.Add(result.Placed);
        else
            foreach (var c in verdict.AddedControllers) _l.Remove(c);
        if (!verdict.Feasible && verdict.AddedControllers.Count > 0)
            verdict = verdict with { AddedControllers = [] };
        if (_leaked is { } slot)
        {
            _l.Mark(slot);
            _leaked = null;
        }
        _done.Add((d, verdict, flags, _alternative));
        _alternative = null;
        return verdict;
    }

    /// <summary>
    /// Where libvirt attaches the device (PCI, channel I/O, spapr-vio, or the device's own bus), then what QEMU's
    /// device_add does with it there.
    /// </summary>
    private (HotplugVerdict Verdict, Device Placed) Place(Device d, DeviceModelRule rule, ConnectFlags flags, HotplugVerdict v)
    {
        var transport = TransportOf(d, rule);
        (HotplugVerdict Verdict, Device Placed) result = transport switch
        {
            Transport.Pci => CheckPci(d with { Address = d.Address as PciAddress }, flags == ConnectFlags.None ? ConnectFlags.PciDevice | ConnectFlags.AutoAssign : flags, v),
            Transport.Ccw => CheckCcw(d, v),
            Transport.SpaprVio => (v with { Address = d.Address, Place = "the spapr-vio bus" }, d),
            _ => rule.Attach switch
            {
                "usb" => CheckUsb(d, v),
                "virtio-serial" => CheckVirtioSerial(d, v),
                "virtio-console" => CheckVirtioConsole(d, v),
                "drive" => CheckScsi(d, v),
                "dimm" => CheckDimm(d, v),
                _ => (v, d),
            },
        };
        return (QemuDeviceProblems(result.Placed, transport, result.Verdict), result.Placed);
    }

    private DeviceAddress? _alternative;

    /// <summary>A PCI slot libvirt reserved for a device it then refused, and does not release (s390x zPCI id clash).</summary>
    private PciAddress? _leaked;

    /// <summary>The device whose failed hotplug made QEMU exit (s390x zPCI rollback), after which nothing attaches.</summary>
    private string? _exited;

    private HotplugVerdict Done(Device d, HotplugVerdict v)
    {
        var verdict = v with { Feasible = v.Reasons.Count == 0 };
        _done.Add((d, verdict, ConnectFlags.None, null));
        return verdict;
    }

    // ---- PCI ----

    private (HotplugVerdict Verdict, Device Placed) CheckPci(Device d, ConnectFlags flags, HotplugVerdict v)
    {
        var hp = flags | ConnectFlags.Hotpluggable;
        var reasons = new List<HotplugReason>();
        string? libvirtError = null;
        PciAddress? place = null;
        bool given = d.Address is PciAddress g && (g.Domain != 0 || g.Bus != 0 || g.Slot != 0);
        if (given)
        {
            var want = (PciAddress)d.Address!;
            var errors = ValidateGiven(want, hp);
            if (errors.Count > 0)
            {
                libvirtError = errors[0].Message;
                reasons.AddRange(errors.Select(e => new HotplugReason
                {
                    Code = HotplugReasons.AddressInvalid,
                    Layer = HotplugLayers.Libvirt,
                    Message = e.Message,
                    ControllerIndex = e.Bus,
                }));
                if (want.Domain == 0 && want.Bus < _l.Set.Count && (_l.Set.Buses[want.Bus].Flags & ConnectFlags.Hotpluggable) == 0)
                {
                    var model = _l.BusModel(want.Bus);
                    reasons.Add(model is { Hotplug: true }
                        ? new HotplugReason { Code = HotplugReasons.PortHotplugOff, Layer = HotplugLayers.Libvirt, ControllerIndex = want.Bus, Message = $"the address is on {_l.Describe(want.Bus)}: hotplug is off there" }
                        : new HotplugReason { Code = HotplugReasons.BusNeverHotplug, Layer = HotplugLayers.Libvirt, ControllerIndex = want.Bus, Message = $"the address is on {_l.Describe(want.Bus)}; a {model?.Model ?? "bus of this kind"} never accepts hotplug" });
                }
                _alternative = FindAlternative(d, hp, want);
            }
            else
            {
                place = (PciAddress)d.Address! with { Multifunction = null };
            }
        }
        else
        {
            place = NextFree(hp);
            if (place is null)
            {
                libvirtError = "No more available PCI slots";
                reasons.AddRange(ExplainNoSlot(d, flags));
            }
        }

        if (place is not null && _l.Machine.Zpci && LiveLayout.HasZpci(d))
        {
            var (ids, zpciReason, zpciError) = EnsureZpci((d.Address as PciAddress)?.Zpci, place);
            if (zpciReason is null)
            {
                place = place with { Zpci = ids };
            }
            else
            {
                reasons.Add(zpciReason);
                libvirtError ??= zpciError;
                _leaked = place;
                _alternative = FindAlternative(d, hp, place) is { } free ? free with { Zpci = new ZpciIds(_l.FreeZpciUid(), _l.FreeZpciFid()) } : null;
                place = null;
            }
        }

        if (place is not null)
        {
            var more = PlaceProblems(d, place);
            reasons.AddRange(more.Reasons);
            libvirtError ??= more.LibvirtError;
            if (more.Reasons.Count > 0 && !given)
                _alternative = FindAlternative(d, hp, place);
        }
        var placed = d with { Address = place ?? d.Address };
        return (v with
        {
            Address = place,
            Place = place is null ? null : _l.Describe(place.Bus),
            PciPath = place is null ? null : _l.PathOf(place),
            LibvirtError = libvirtError,
            Reasons = reasons,
        }, placed);
    }

    /// <summary>QEMU refusals and window problems at a place libvirt accepts.</summary>
    private (List<HotplugReason> Reasons, string? LibvirtError) PlaceProblems(Device d, PciAddress place)
    {
        var reasons = new List<HotplugReason>();
        string? error = null;
        string? qemu = _l.QemuRefusal(place.Bus);
        if (qemu is not null)
        {
            error = "unable to execute QEMU command 'device_add': " + qemu;
            reasons.Add(new HotplugReason
            {
                Code = HotplugReasons.QemuBusNoHotplug,
                Layer = HotplugLayers.Qemu,
                ControllerIndex = place.Bus,
                Message = $"libvirt picks {place} on {_l.Describe(place.Bus)}, but QEMU refuses: {qemu}",
            });
        }
        var bars = _l.BarsOf(d);
        if (bars.Count == 0)
        {
            if (d.Kind == "hostdev" || d.Type == "hostdev")
                _assumptions.Add($"device '{d.Id}': BAR sizes unknown (give tunables.bars); its window check was skipped");
        }
        else
        {
            reasons.AddRange(Windows.Fit(bars, _w.At(place.Bus), _l.Describe(place.Bus), place.Bus));
        }
        return (reasons, error);
    }

    /// <summary>libvirt's automatic choice: the first free compatible hot-pluggable slot in bus order, function 0.</summary>
    private PciAddress? NextFree(ConnectFlags hp)
    {
        try
        {
            return _l.Set.GetNextAddr(hp, 0, null);
        }
        catch (PlanningException)
        {
            return null;
        }
    }

    /// <summary>A free place where libvirt, QEMU and the windows all agree (to attach with an explicit address), or null.</summary>
    private PciAddress? FindAlternative(Device d, ConnectFlags hp, PciAddress skip)
    {
        for (int b = 0; b < _l.Set.Count; b++)
        {
            var bus = _l.Set.Buses[b];
            var probe = new PciAddress(0, b, bus.MinSlot, 0);
            if (!PciAddressSet.FlagsCompatible(probe.Bus, bus.Flags, hp, fromConfig: false)) continue;
            for (int s = bus.MinSlot; s <= bus.MaxSlot; s++)
            {
                if (bus.Functions[s] != 0 || (b == skip.Bus && s == skip.Slot && skip.Function == 0)) continue;
                var a = new PciAddress(0, b, s, 0);
                if (PlaceProblems(d, a).Reasons.Count == 0) return a;
                break; // the windows of a bus are the same for each of its free slots
            }
        }
        return null;
    }

    private sealed record GivenError(string Message, int? Bus);

    /// <summary>A user-given address, checked in libvirt's order (function, domain, bus, hotplug, type, slot, in use).</summary>
    private List<GivenError> ValidateGiven(PciAddress a, ConnectFlags hp)
    {
        var errors = new List<GivenError>();
        string addr = a.ToString();
        if (a.Function != 0)
            errors.Add(new("Only PCI device addresses with function=0 are supported", a.Bus));
        if (a.Domain != 0)
        {
            errors.Add(new($"Invalid PCI address {addr}. Only PCI domain 0 is available", null));
            return errors;
        }
        if (a.Bus >= _l.Set.Count)
        {
            errors.Add(new(_l.Set.Count == 0 ? "No PCI buses available" : $"Invalid PCI address {addr}. Only PCI buses up to {_l.Set.Count - 1} are available", null));
            return errors;
        }
        var bus = _l.Set.Buses[a.Bus];
        if ((hp & ConnectFlags.Integrated) != 0 && a.Bus != 0)
            errors.Add(new($"The device at PCI address {addr} needs to be an integrated device (bus=0)", a.Bus));
        if ((bus.Flags & ConnectFlags.Hotpluggable) == 0)
            errors.Add(new($"The device at PCI address {addr} requires hotplug capability, but the PCI controller with index='{a.Bus}' doesn't support hotplug", a.Bus));
        if (!PciAddressSet.FlagsCompatible(a, bus.Flags, hp & ~ConnectFlags.Hotpluggable, fromConfig: true, out var typeError) && typeError is not null
            && !typeError.Contains("integrated", StringComparison.Ordinal))
            errors.Add(new(typeError, a.Bus));
        if (bus.MinSlot > 0 && a.Slot < bus.MinSlot)
            errors.Add(new($"Invalid PCI address {addr}. slot must be >= {bus.MinSlot}", a.Bus));
        else if (a.Slot > bus.MaxSlot)
            errors.Add(new($"Invalid PCI address {addr}. slot must be <= {bus.MaxSlot}", a.Bus));
        else if ((bus.Functions[a.Slot] & (1 << Math.Min(a.Function, PciAddress.FunctionLast))) != 0)
            errors.Add(new($"Attempted double use of PCI Address {addr}", a.Bus));
        return errors;
    }

    /// <summary>Why there is no free hot-pluggable place: the kind mismatch, ports with hotplug off, buses that never hot-plug.</summary>
    private List<HotplugReason> ExplainNoSlot(Device d, ConnectFlags flags)
    {
        string kind = ConnectTypes.Describe(flags);
        var offPlaces = new List<int>();
        var neverPlaces = new Dictionary<int, int>();
        var otherKind = new List<int>();
        int compatibleHotplugBuses = 0;
        for (int b = 0; b < _l.Set.Count; b++)
        {
            var bus = _l.Set.Buses[b];
            var model = _l.BusModel(b);
            bool typeOk = (flags & bus.Flags & ConnectFlags.TypesMask) != 0;
            bool hot = (bus.Flags & ConnectFlags.Hotpluggable) != 0;
            if (typeOk && hot) compatibleHotplugBuses++;
            int free = 0;
            for (int s = bus.MinSlot; s <= bus.MaxSlot; s++)
                if (bus.Functions[s] == 0) free++;
            if (free == 0) continue;
            if (typeOk && model is { Hotplug: true } && _l.HotplugOff(b)) offPlaces.Add(b);
            else if (typeOk && model is { Hotplug: false }) neverPlaces[b] = free;
            else if (!typeOk && hot && (bus.Flags & (ConnectFlags.PciDevice | ConnectFlags.PcieDevice)) != 0) otherKind.Add(b);
        }

        var reasons = new List<HotplugReason>();
        string head = $"No more available PCI slots: no free hot-pluggable place accepts a {kind}";
        if (compatibleHotplugBuses == 0)
            head += (flags & ConnectFlags.PciDevice) != 0 && _l.Machine.IsPcie
                ? $" (the guest has no hot-pluggable bus for conventional PCI devices: a pcie-to-pci-bridge or pci-bridge)"
                : $" (the guest has no hot-pluggable bus for it)";
        else
            head += LiveLayout.Inv($" (every place on the {compatibleHotplugBuses} hot-pluggable bus(es) that accept one is taken)");
        reasons.Add(new HotplugReason { Code = HotplugReasons.NoFreeSlot, Layer = HotplugLayers.Libvirt, Message = head });

        if (otherKind.Count > 0)
        {
            string other = (flags & ConnectFlags.PciDevice) != 0 ? "PCI Express devices" : "conventional PCI devices";
            reasons.Add(new HotplugReason
            {
                Code = HotplugReasons.BusKind,
                Layer = HotplugLayers.Libvirt,
                ControllerIndex = otherKind[0],
                Message = LiveLayout.Inv(
                    $"{LiveLayout.DescribeDevice(d)} is a {kind}; the {otherKind.Count} free hot-pluggable place(s) ({List(otherKind)}) take {other} only"),
            });
        }
        foreach (int b in offPlaces)
            reasons.Add(new HotplugReason
            {
                Code = HotplugReasons.PortHotplugOff,
                Layer = HotplugLayers.Libvirt,
                ControllerIndex = b,
                Message = $"{_l.Describe(b)} is free and accepts a {kind}, but its hotplug is off",
            });
        foreach (var (b, free) in neverPlaces)
            reasons.Add(new HotplugReason
            {
                Code = HotplugReasons.BusNeverHotplug,
                Layer = HotplugLayers.Libvirt,
                ControllerIndex = b,
                Message = LiveLayout.Inv($"{_l.Describe(b)} has {free} free slot(s) for a {kind}, but a {_l.BusModel(b)!.Model} never accepts hotplug"),
            });
        return reasons;
    }

    private string List(IReadOnlyList<int> buses) =>
        string.Join(", ", buses.Take(4).Select(_l.Describe)) + (buses.Count > 4 ? LiveLayout.Inv($", and {buses.Count - 4} more") : "");
}
