using DevAddr.Core.Catalog;
using DevAddr.Core.Model;
using DevAddr.Core.Topology;

namespace DevAddr.Core.Policy.Libvirt;

internal sealed partial class LibvirtPolicy
{
    /// <summary>The primary videos, in list order (allocates nothing to walk).</summary>
    private Matching PrimaryVideos => OfKind("video").Where(static v => v.Primary == true);

    /// <summary>The other videos, in list order (allocates nothing to walk).</summary>
    private Matching OtherVideos => OfKind("video").Where(static v => v.Primary != true);

    /// <summary>The videos, primary ones first, each group in list order.</summary>
    private IEnumerable<WorkDevice> Videos => PrimaryVideos.Concat(OtherVideos);

    /// <summary>The first of <see cref="Videos"/>: the first primary video, else the first video (null without one).</summary>
    private WorkDevice? PrimaryVideo() => PrimaryVideos.FirstOrDefault() ?? OtherVideos.FirstOrDefault();

    private void AssignPciAddresses()
    {
        var pciControllers = ControllersOf("pci").ToList();
        int maxIdx = pciControllers.Count == 0 ? -1 : pciControllers.Max(c => c.Idx);
        int nbuses = maxIdx + 1;
        // A machine without PCI (vexpress) gets no PCI addresses at all (qemuDomainSupportsPCI).
        if (_machine.PciRoot is null) return;
        if (nbuses == 0)
        {
            var needy = All.FirstOrDefault(d => d.PciFlags != ConnectFlags.None);
            if (needy is not null)
                throw Error(ErrorCodes.Unsupported, "No PCI buses available", needy, "pci-bus-exists");
            return;
        }

        // Dry run: find out which buses have to be added.
        var dry = CreateAddressSet(nbuses, dryRun: true);
        ApplyChipset(dry);
        if (_machine.SpareBridgeSlot && dry.Buses.Any(b => !b.IsFullyReserved))
            dry.ReserveNext(ConnectFlags.PciDevice | ConnectFlags.AutoAssign, -1, null);
        AssignDeviceSlots(dry);
        if (_machine.SpareRootPort && maxIdx <= 0 && dry.Count > maxIdx + 1)
            dry.ReserveNext(ConnectFlags.PcieDevice | ConnectFlags.AutoAssign, -1, null);
        for (int i = 1; i < dry.Count; i++)
        {
            if (FindController("pci", i) is not null) continue;
            string model = dry.Buses[i].Model!;
            var c = MaybeAddController("pci", i, model, AddedBusReason(model));
            if (_machine.Zpci) _noZpci.Add(c);
            var cm = dry.ControllerModel(model);
            c.Rule = cm.Rule;
            c.PciFlags = cm.Upstream;
            // A PCI root (another pseries PHB) plugs into nothing.
            if (c.PciFlags != ConnectFlags.None) dry.ReserveNext(c.PciFlags, -1, c.Id);
        }
        nbuses = dry.Count;

        // Final pass: every address is computed again with the complete controller list, without growth.
        var final = CreateAddressSet(nbuses, dryRun: false, reuse: dry);
        ApplyChipset(final);
        AssignDeviceSlots(final);
        FillPciControllerDefaults();
        SetAllMultifunction();
    }

    private static string AddedBusReason(string model) => model switch
    {
        "pcie-root-port" => "a PCI Express device needed a pcie-root-port (or one is kept spare for hotplug)",
        "pcie-to-pci-bridge" => "a conventional PCI device needed a pcie-to-pci-bridge",
        "pci-bridge" => "devices needed more conventional PCI slots",
        "dmi-to-pci-bridge" => "a pci-bridge needed a dmi-to-pci-bridge",
        "pci-root" => "devices needed more PCI slots: another PCI host bridge",
        _ => $"a {model} was needed",
    };

    /// <summary>The address set of a pass, with the given addresses reserved (in <paramref name="reuse"/>, emptied first, when given).</summary>
    private PciAddressSet CreateAddressSet(int nbuses, bool dryRun, PciAddressSet? reuse = null)
    {
        var set = reuse ?? new PciAddressSet(_catalog, _machine, nbuses, dryRun);
        reuse?.Reset(nbuses, dryRun);
        foreach (var c in ControllersOf("pci"))
        {
            if (c.Idx >= nbuses)
                throw Error(ErrorCodes.InvalidInput, $"Inappropriate new pci controller index {c.Idx} exceeds addrs array length", c, "pci-index");
            set.SetBusModel(c.Idx, c.Model!, allowHotplug: c.Controller?.Hotplug != false);
        }
        string defaultModel = _machine.MultipleRoots ? "pci-root" : set.Buses[0].Model == "pcie-root" ? "pcie-root-port" : "pci-bridge";
        for (int i = 0; i < nbuses; i++)
            if (set.Buses[i].Model is null)
                set.SetBusModel(i, defaultModel, allowHotplug: true);

        // Existing addresses are reserved in libvirt's iteration order, which decides which of two clashing devices is named.
        foreach (var d in InIterationOrder(d => d.PciPresent && !IsFixedChipsetController(d, out _)))
        {
            d.Address = set.ReserveAddr(d.Pci!, d.PciFlags, fromConfig: true, d.Id);
        }
        return set;
    }

    private bool IsFixedChipsetController(WorkDevice d, out FixedController? fixedController)
    {
        fixedController = null;
        if (!d.IsController) return false;
        fixedController = FixedControllerOf(d);
        if (fixedController is null || !fixedController.InChipsetSlot) return false;
        return d.Pci is { } p && RootAddress.TryParse(fixedController.Address, out var fa) &&
               p.Bus == fa.Bus && p.Slot == fa.Slot && p.Function == fa.Function;
    }

    /// <summary>The machine's fixed chipset place for this controller, if it has one.</summary>
    private FixedController? FixedControllerOf(WorkDevice c)
    {
        var fixedControllers = _machine.FixedControllers;
        for (int i = 0; i < fixedControllers.Count; i++)
        {
            var f = fixedControllers[i];
            if (f.Type == c.Type && f.Index == c.Idx && (f.Models.Count == 0 || f.Models.Contains(c.Model ?? "default"))) return f;
        }
        return null;
    }

    private ConnectFlags ChipsetFlags => _machine.IsPcie
        ? ConnectFlags.PcieDevice
        : ConnectFlags.AutoAssign | ConnectFlags.PciDevice;

    /// <summary>Fixed chipset places: controllers at fixed addresses, reserved functions, primary video, ich9 sound.</summary>
    private void ApplyChipset(PciAddressSet set, bool allowAuto = true)
    {
        var flags = ChipsetFlags;
        int usb2Sets = 0;
        foreach (var c in _controllers)
        {
            var fixedController = FixedControllerOf(c);
            if (fixedController is not null)
            {
                RootAddress.TryParse(fixedController.Address, out var fa);
                var want = new PciPlace(fa.Bus, fa.Slot, fa.Function);
                if (c.PciPresent)
                {
                    var p = c.Pci!;
                    if (p.Domain != 0 || p.Bus != want.Bus || p.Slot != want.Slot || p.Function != want.Function)
                        throw Error(ErrorCodes.AddressConflict, fixedController.Error, c, "fixed-chipset-address");
                }
                else
                {
                    c.Address = want.ToAddress();
                }
                if (fixedController.InChipsetSlot)
                    set.Reserve(want, flags, fromConfig: true, c.Id);
                continue;
            }
            if (c.Type == "usb" && c.Model == "ich9-uhci1" && c.Address is null && _machine.Usb2CompanionSlots.Count > 0)
            {
                foreach (int slot in _machine.Usb2CompanionSlots)
                {
                    if (set.SlotInUse(0, slot)) continue;
                    var a = new PciAddress(0, 0, slot, 0, true);
                    set.ReserveAddr(a, flags, fromConfig: true, c.Id);
                    c.Address = a;
                    usb2Sets++;
                    break;
                }
            }
            if (c.Type == "pci" && c.Model == "dmi-to-pci-bridge" && c.Address is null && _machine.DmiToPciBridgeSlot is int dmiSlot
                && !set.SlotInUse(0, dmiSlot))
            {
                var a = new PciAddress(0, 0, dmiSlot, 0);
                set.ReserveAddr(a, flags, fromConfig: true, c.Id);
                c.Address = a;
            }
        }

        foreach (var text in _machine.ReservedAddresses)
        {
            RootAddress.TryParse(text, out var r);
            set.Reserve(new PciPlace(r.Bus, r.Slot, r.Function), flags, fromConfig: true, null);
        }

        var primary = PrimaryVideo();
        if (_machine.PrimaryVideoSlot is int videoSlot && primary is not null && primary.PciFlags != ConnectFlags.None && primary.PciWanted)
        {
            if (set.SlotInUse(0, videoSlot))
            {
                if (allowAuto) ReserveNext(set, primary);
            }
            else
            {
                var a = new PciAddress(0, 0, videoSlot, 0);
                set.ReserveAddr(a, flags, fromConfig: true, primary.Id);
                primary.Address = a;
            }
        }

        if (_machine.Ich9SoundSlot is int soundSlot && !set.SlotInUse(0, soundSlot))
        {
            var sound = OfKind("sound").FirstOrDefault(s => s.Model == "ich9" && s.PciWanted);
            if (sound is not null)
            {
                var a = new PciAddress(0, 0, soundSlot, 0);
                set.ReserveAddr(a, flags, fromConfig: true, sound.Id);
                sound.Address = a;
            }
        }
    }

    private void ReserveNext(PciAddressSet set, WorkDevice d)
    {
        var place = set.ReserveNext(d.PciFlags, -1, d.Id);
        if (!set.DryRun) d.Address = place.ToAddress();
    }

    /// <summary>The automatic placement passes, in catalog order.</summary>
    private void AssignDeviceSlots(PciAddressSet set)
    {
        // The passes a device or a controller other than a PCI one takes, a bit each: the walks of the other passes are skipped.
        ulong taken = 0;
        foreach (var c in _controllers)
            if (!c.IsPciController) taken |= PassBit(PassRank(c));
        foreach (var d in _devices)
            taken |= PassBit(PassRank(d));

        var passes = _catalog.PciPassOrder;
        for (int rank = 0; rank < passes.Count; rank++)
        {
            string pass = passes[rank];
            if (pass == "pci-controller")
            {
                foreach (var c in _controllers)
                    if (c.IsPciController) AssignSlot(set, c);
            }
            else if (pass == "video")
            {
                foreach (var v in PrimaryVideos) AssignSlot(set, v);
                foreach (var v in OtherVideos) AssignSlot(set, v);
            }
            else if (rank < 64 && (taken & (1UL << rank)) == 0)
            {
                // No device takes this pass.
            }
            else if (pass == "controller")
            {
                foreach (var c in _controllers)
                    if (!c.IsPciController && PassRank(c) == rank) AssignSlot(set, c);
            }
            else if (pass == "hostdev")
            {
                // libvirt's host device list starts with the host devices of <interface type='hostdev'> (read before <hostdev>).
                foreach (var d in _devices)
                    if (d.Kind == "interface" && PassRank(d) == rank) AssignSlot(set, d);
                foreach (var d in _devices)
                    if (d.Kind != "interface" && PassRank(d) == rank) AssignSlot(set, d);
            }
            else
            {
                foreach (var d in _devices)
                    if (PassRank(d) == rank) AssignSlot(set, d);
            }
        }
    }

    /// <summary>The bit of a pass rank in a mask of passes (none for no pass; ranks from 64 on are always walked).</summary>
    private static ulong PassBit(int rank) => rank is >= 0 and < 64 ? 1UL << rank : 0;

    /// <summary>The rank of a device's placement pass, looked up once per rule.</summary>
    private int PassRank(WorkDevice d) => d.PassRank != -2 ? d.PassRank : d.PassRank = _catalog.PassRank(d.Rule.Pass);

    private void AssignSlot(PciAddressSet set, WorkDevice d)
    {
        if (!d.PciWanted || d.PciFlags == ConnectFlags.None) return;
        if (d.Rule.CompanionFunction is int fn)
            AssignCompanion(set, d, fn);
        else
            ReserveNext(set, d);
    }

    /// <summary>ich9 USB2 sets: members of one index share a slot, each at its fixed function.</summary>
    private void AssignCompanion(PciAddressSet set, WorkDevice c, int function)
    {
        var sibling = _controllers.FirstOrDefault(o => o.Type == "usb" && o.Idx == c.Idx && o.Rule.CompanionFunction is not null && o.PciPresent);
        bool? multi = function == 0 ? true : null;
        if (sibling is not null)
        {
            var s = sibling.Pci!;
            var a = new PciAddress(s.Domain, s.Bus, s.Slot, function, multi);
            set.ReserveAddr(a, c.PciFlags, fromConfig: true, c.Id);
            c.Address = a;
        }
        else
        {
            var place = set.ReserveNext(c.PciFlags, function, c.Id);
            if (!set.DryRun) c.Address = place.ToAddress(multi);
        }
    }

    private static readonly ControllerOptions s_noOptions = new();

    /// <summary>Options libvirt fills in for PCI controllers after placement (chassis, port, busNr, QEMU model).</summary>
    private void FillPciControllerDefaults()
    {
        foreach (var c in ControllersOf("pci"))
        {
            var model = _catalog.FindPciController(c.Model!)!;
            // The options are read once and copied at most once (a plan fills them in for every PCI controller).
            var given = c.Controller ?? s_noOptions;
            string? modelName = given.ModelName ?? model.QemuModel ?? (model.Root ? _machine.RootModelName : null);
            int? targetIndex = given.TargetIndex, chassisNr = given.ChassisNr, chassis = given.Chassis, port = given.Port, busNr = given.BusNr;
            if (model.Root && _machine.RootTargetIndex && targetIndex is null)
            {
                c.Controller = given with { ModelName = modelName };  // this PHB counts with its model name from now on, as in libvirt's walk
                int target = c.Idx == 0 ? 0 : NewTargetIndex();
                if (target < 0)
                    throw Error(ErrorCodes.NoSpace, $"No usable target index found for {c.Pci?.Bus ?? 0}", c, "pci-target-index");
                targetIndex = target;
            }
            var p = c.Pci;
            switch (model.Defaults)
            {
                case "chassisNr":
                    chassisNr ??= c.Idx;
                    break;
                case "chassis-port" when p is not null:
                    chassis ??= c.Idx;
                    port ??= (p.Slot << 3) + p.Function;
                    break;
                case "chassis-slot" when p is not null:
                    chassis ??= c.Idx;
                    port ??= p.Slot;
                    break;
                case "busNr" when busNr is null:
                    int lowest = ControllersOf("pci").Select(x => x.Controller?.BusNr).Where(b => b is not null).Select(b => b!.Value).DefaultIfEmpty(256).Min();
                    if (lowest <= 2)
                        throw Error(ErrorCodes.NoSpace,
                            $"No free busNr lower than current lowest busNr is available to auto-assign to bus {p?.Bus ?? 0}. Must be manually assigned", c, "busnr-free");
                    busNr = lowest - 2;
                    break;
            }
            var o = modelName == given.ModelName && targetIndex == given.TargetIndex && chassisNr == given.ChassisNr &&
                    chassis == given.Chassis && port == given.Port && busNr == given.BusNr
                ? given
                : given with { ModelName = modelName, TargetIndex = targetIndex, ChassisNr = chassisNr, Chassis = chassis, Port = port, BusNr = busNr };
            c.Controller = o == s_noOptions ? null : o;
            if (c.Model == "pci-bridge" && p is not null && c.Idx <= p.Bus)
                throw Error(ErrorCodes.AddressConflict,
                    $"PCI controller at index {c.Idx} (0x{c.Idx:x2}) has bus='0x{p.Bus:x2}', but index must be larger than bus", c, "bridge-index-order");
        }
    }

    /// <summary>A key for the slot of a PCI address (domain, bus and slot).</summary>
    private static long SlotKey(PciAddress a) => ((long)a.Domain << 40) | ((long)a.Bus << 5) | (uint)a.Slot;

    /// <summary>Function 0 of every slot with other functions in use gets multifunction='on' (unless set).</summary>
    private void SetAllMultifunction()
    {
        if (!All.Any(static d => d.Address is PciAddress { Function: not 0 })) return;
        // The first device at function 0 of each slot, in list order, by its position in the list: a guest of up to
        // 256 devices searches a list of them in order, a larger one a table.
        int n = _controllers.Count + _devices.Count;
        bool small = n <= 256;
        Span<long> slots = small ? stackalloc long[n] : default;
        Span<int> positions = small ? stackalloc int[n] : default;
        var table = small ? null : new Dictionary<long, int>();
        int heads = 0, pos = 0;
        foreach (var d in All)
        {
            if (d.Address is PciAddress { Function: 0 } h)
            {
                if (table is not null) table.TryAdd(SlotKey(h), pos);
                else
                {
                    slots[heads] = SlotKey(h);
                    positions[heads++] = pos;
                }
            }
            pos++;
        }
        foreach (var d in All)
        {
            if (d.Address is not PciAddress a || a.Function == 0) continue;
            int at = table is not null ? table.GetValueOrDefault(SlotKey(a), -1)
                : slots[..heads].IndexOf(SlotKey(a)) is int i and >= 0 ? positions[i] : -1;
            var head = at < 0 ? null : at < _controllers.Count ? _controllers[at] : _devices[at - _controllers.Count];
            if (head is not null && head.Pci!.Multifunction is null)
                head.Address = head.Pci with { Multifunction = true };
            else if (head is not null && head.Pci!.Multifunction == false)
                // libvirt's define keeps this, but QEMU refuses to start such a guest: say so now.
                throw Error(ErrorCodes.AddressConflict,
                    $"The device at PCI address {head.Pci} has multifunction='off', but {d.Id} uses function {a.Function} of the same slot", head, "pci-multifunction");
        }
    }
}
