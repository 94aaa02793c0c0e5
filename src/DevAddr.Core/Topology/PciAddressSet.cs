using DevAddr.Core.Catalog;
using DevAddr.Core.Model;

namespace DevAddr.Core.Topology;

/// <summary>One PCI bus (a PCI controller instance) and the functions in use on it.</summary>
internal sealed class PciBus
{
    public string? Model { get; private set; }
    public ConnectFlags Flags { get; set; }
    public int MinSlot { get; private set; }
    public int MaxSlot { get; private set; }
    /// <summary>Per slot, one bit per function in use.</summary>
    public Span<byte> Functions => _functions;
    /// <summary>Per slot, whether an aggregate (multifunction-packed) device holds it.</summary>
    public Span<bool> Aggregate => _aggregate;

    // In the bus object itself: a plan makes two sets of buses, and separate arrays would be two more objects a bus.
    private SlotBytes _functions;
    private SlotFlags _aggregate;

    [System.Runtime.CompilerServices.InlineArray(PciAddress.SlotLast + 1)]
    private struct SlotBytes
    {
        private byte _slot;
    }

    [System.Runtime.CompilerServices.InlineArray(PciAddress.SlotLast + 1)]
    private struct SlotFlags
    {
        private bool _slot;
    }

    public void SetModel(PciControllerInfo info, bool allowHotplug)
    {
        var model = info.Model;
        Model = model.Model;
        Flags = info.Accepts | (model.Hotplug && allowHotplug ? ConnectFlags.Hotpluggable : ConnectFlags.None);
        MinSlot = model.MinSlot;
        MaxSlot = model.MaxSlot;
    }

    /// <summary>Back to a bus without a model and with every function free.</summary>
    public void Clear()
    {
        Model = null;
        Flags = ConnectFlags.None;
        MinSlot = MaxSlot = 0;
        _functions = default;
        _aggregate = default;
    }

    public bool IsEmpty => !Functions.ContainsAnyExcept((byte)0);

    public bool IsFullyReserved
    {
        get
        {
            for (int s = MinSlot; s <= MaxSlot; s++)
                if (Functions[s] == 0) return false;
            return true;
        }
    }
}

/// <summary>A function of a slot of a bus in domain 0: a place the planner reserves, made a <see cref="PciAddress"/> only when a device takes it.</summary>
internal readonly record struct PciPlace(int Bus, int Slot, int Function)
{
    public PciAddress ToAddress(bool? multifunction = null) => new(0, Bus, Slot, Function, multifunction);

    public override string ToString() => ToAddress().ToString();
}

/// <summary>
/// The set of PCI buses of a guest and the addresses reserved on them: the shared topology model of the
/// planner. In a dry run, buses are added on demand (growth) to find out which controllers are needed.
/// </summary>
internal sealed class PciAddressSet
{
    private readonly DeviceCatalog _catalog;
    private readonly MachineType _machine;

    public PciAddressSet(DeviceCatalog catalog, MachineType machine, int nbuses, bool dryRun)
    {
        _catalog = catalog;
        _machine = machine;
        Reset(nbuses, dryRun);
    }

    /// <summary>Starts again with <paramref name="nbuses"/> buses without models and nothing reserved (the bus objects are kept).</summary>
    public void Reset(int nbuses, bool dryRun)
    {
        DryRun = dryRun;
        if (Buses.Count > nbuses) Buses.RemoveRange(nbuses, Buses.Count - nbuses);
        foreach (var bus in Buses) bus.Clear();
        while (Buses.Count < nbuses) Buses.Add(new PciBus());
    }

    public List<PciBus> Buses { get; } = [];
    public bool DryRun { get; private set; }
    public int Count => Buses.Count;

    public PciControllerInfo ControllerModel(string model) =>
        _catalog.PciControllerInfo(model) ?? throw PlanningException.Create(ErrorCodes.UnknownModel, $"unknown PCI controller model '{model}'");

    public void SetBusModel(int index, string model, bool allowHotplug) =>
        Buses[index].SetModel(ControllerModel(model), allowHotplug);

    public bool SlotInUse(int bus, int slot) => bus < Buses.Count && Buses[bus].Functions[slot] != 0;

    /// <summary>Whether a device of <paramref name="devFlags"/> may sit at <paramref name="addr"/> on a bus of <paramref name="busFlags"/>.</summary>
    public static bool FlagsCompatible(PciAddress addr, ConnectFlags busFlags, ConnectFlags devFlags, bool fromConfig, out string? error)
    {
        var why = Incompatibility(addr.Bus, busFlags, ref devFlags, fromConfig);
        error = why switch
        {
            FlagsMismatch.None => null,
            FlagsMismatch.NotIntegrated => $"The device at PCI address {addr} needs to be an integrated device (bus=0)",
            FlagsMismatch.NoAutoAssign => $"The device at PCI address {addr} was auto-assigned this address, but the PCI controller with index='{addr.Bus}' doesn't allow auto-assignment",
            FlagsMismatch.Type => $"The device at PCI address {addr} cannot be plugged into the PCI controller with index='{addr.Bus}'. It requires a controller that accepts a {ConnectTypes.Describe(devFlags)}.",
            _ => $"The device at PCI address {addr} requires hotplug capability, but the PCI controller with index='{addr.Bus}' doesn't support hotplug",
        };
        return why == FlagsMismatch.None;
    }

    /// <summary>As <see cref="FlagsCompatible(PciAddress, ConnectFlags, ConnectFlags, bool, out string?)"/>, without the message (the search for a free slot asks this of every slot it passes).</summary>
    public static bool FlagsCompatible(int bus, ConnectFlags busFlags, ConnectFlags devFlags, bool fromConfig) =>
        Incompatibility(bus, busFlags, ref devFlags, fromConfig) == FlagsMismatch.None;

    private enum FlagsMismatch { None, NotIntegrated, NoAutoAssign, Type, Hotplug }

    /// <summary>virDomainPCIAddressFlagsCompatible: why a device with <paramref name="devFlags"/> cannot sit on a bus with <paramref name="busFlags"/> (the flags it was judged by stay in <paramref name="devFlags"/>).</summary>
    private static FlagsMismatch Incompatibility(int bus, ConnectFlags busFlags, ref ConnectFlags devFlags, bool fromConfig)
    {
        if ((devFlags & ConnectFlags.Integrated) != 0)
        {
            // Bus 0 takes an integrated device of either kind (pvpanic is conventional PCI, on pcie-root too).
            if (bus != 0) return FlagsMismatch.NotIntegrated;
            busFlags |= ConnectFlags.AutoAssign | (devFlags & ConnectFlags.PciDevice);
        }

        if (fromConfig)
        {
            const ConnectFlags endpoints = ConnectFlags.PciDevice | ConnectFlags.PcieDevice;
            if ((busFlags & endpoints) != 0) busFlags |= endpoints;
            devFlags &= ~ConnectFlags.Hotpluggable;
            if ((devFlags & ConnectFlags.PciBridge) != 0) devFlags |= ConnectFlags.PciDevice;
        }
        else if ((devFlags & ConnectFlags.AutoAssign) != 0 && (busFlags & ConnectFlags.AutoAssign) == 0)
        {
            return FlagsMismatch.NoAutoAssign;
        }

        if ((devFlags & busFlags & ConnectFlags.TypesMask) == 0) return FlagsMismatch.Type;
        if ((devFlags & ConnectFlags.Hotpluggable) != 0 && (busFlags & ConnectFlags.Hotpluggable) == 0) return FlagsMismatch.Hotplug;
        return FlagsMismatch.None;
    }

    /// <summary>Checks that an address exists and suits the device; throws a precise error otherwise.</summary>
    public void Validate(PciAddress addr, ConnectFlags flags, bool fromConfig, string? deviceId)
    {
        if (Buses.Count == 0)
            throw PlanningException.Create(ErrorCodes.AddressConflict, "No PCI buses available", deviceId, "pci-bus-exists");
        if (addr.Domain != 0)
            throw PlanningException.Create(ErrorCodes.AddressConflict, $"Invalid PCI address {addr}. Only PCI domain 0 is available", deviceId, "pci-domain");
        Validate(new PciPlace(addr.Bus, addr.Slot, addr.Function), flags, fromConfig, deviceId);
    }

    /// <summary>As <see cref="Validate(PciAddress, ConnectFlags, bool, string?)"/>, for a place in domain 0.</summary>
    private void Validate(PciPlace addr, ConnectFlags flags, bool fromConfig, string? deviceId)
    {
        if (Buses.Count == 0)
            throw PlanningException.Create(ErrorCodes.AddressConflict, "No PCI buses available", deviceId, "pci-bus-exists");
        if (addr.Bus >= Buses.Count)
            throw PlanningException.Create(ErrorCodes.AddressConflict, $"Invalid PCI address {addr}. Only PCI buses up to {Buses.Count - 1} are available", deviceId, "pci-bus-exists");
        var bus = Buses[addr.Bus];
        if (!FlagsCompatible(addr.Bus, bus.Flags, flags, fromConfig)
            && !FlagsCompatible(addr.ToAddress(), bus.Flags, flags, fromConfig, out var error))
            throw PlanningException.Create(ErrorCodes.AddressConflict, error!, deviceId, "pci-bus-accepts-device");
        if (bus.MinSlot > 0 && addr.Slot < bus.MinSlot)
            throw PlanningException.Create(ErrorCodes.AddressConflict, $"Invalid PCI address {addr}. slot must be >= {bus.MinSlot}", deviceId, "pci-slot-range");
        if (addr.Slot > bus.MaxSlot)
            throw PlanningException.Create(ErrorCodes.AddressConflict, $"Invalid PCI address {addr}. slot must be <= {bus.MaxSlot}", deviceId, "pci-slot-range");
        if (addr.Function > PciAddress.FunctionLast)
            throw PlanningException.Create(ErrorCodes.AddressConflict, $"Invalid PCI address {addr}. function must be <= {PciAddress.FunctionLast}", deviceId, "pci-function-range");
    }

    /// <summary>
    /// Reserves one function. In a dry run, buses up to the address's bus are added first, which can move
    /// the address to the next bus (a conventional PCI device behind a newly added pcie-to-pci-bridge);
    /// the address actually reserved is returned.
    /// </summary>
    public PciAddress ReserveAddr(PciAddress addr, ConnectFlags flags, bool fromConfig, string? deviceId)
    {
        if (DryRun)
        {
            int bus = addr.Bus;
            Grow(ref bus, flags, deviceId);
            if (bus != addr.Bus) addr = addr with { Bus = bus };
        }
        Validate(addr, flags, fromConfig, deviceId);
        Mark(new PciPlace(addr.Bus, addr.Slot, addr.Function), flags, deviceId);
        return addr;
    }

    /// <summary>As <see cref="ReserveAddr(PciAddress, ConnectFlags, bool, string?)"/>, for a place in domain 0.</summary>
    public PciPlace Reserve(PciPlace place, ConnectFlags flags, bool fromConfig, string? deviceId)
    {
        if (DryRun)
        {
            int bus = place.Bus;
            Grow(ref bus, flags, deviceId);
            place = place with { Bus = bus };
        }
        Validate(place, flags, fromConfig, deviceId);
        Mark(place, flags, deviceId);
        return place;
    }

    /// <summary>Marks a validated function as used.</summary>
    private void Mark(PciPlace place, ConnectFlags flags, string? deviceId)
    {
        var b = Buses[place.Bus];
        ref byte functions = ref b.Functions[place.Slot];
        if ((functions & (1 << place.Function)) != 0)
            throw PlanningException.Create(ErrorCodes.AddressConflict, $"Attempted double use of PCI Address {place}", deviceId, "pci-address-unique");
        if (functions == 0 && (flags & ConnectFlags.AggregateSlot) != 0)
            b.Aggregate[place.Slot] = true;
        functions |= (byte)(1 << place.Function);
    }

    /// <summary>Finds the first free compatible place (buses in index order, slots upwards), growing in a dry run.</summary>
    public PciAddress GetNextAddr(ConnectFlags flags, int function, string? deviceId) =>
        GetNext(flags, function, deviceId).ToAddress();

    private PciPlace GetNext(ConnectFlags flags, int function, string? deviceId)
    {
        if (Buses.Count == 0)
            throw PlanningException.Create(ErrorCodes.NoSpace, "No PCI buses available", deviceId, "pci-bus-exists");
        int fn = function < 0 ? 0 : function;
        for (int busIndex = 0; busIndex < Buses.Count; busIndex++)
        {
            if (FindUnusedOnBus(busIndex, flags, function, fn, out var found))
                return found;
        }
        if (DryRun)
        {
            int bus = Buses.Count;
            Grow(ref bus, flags, deviceId);
            return new PciPlace(bus, Buses[bus].MinSlot, fn);
        }
        throw PlanningException.Create(ErrorCodes.NoSpace, "No more available PCI slots", deviceId, "pci-free-slot");
    }

    private bool FindUnusedOnBus(int busIndex, ConnectFlags flags, int function, int fn, out PciPlace found)
    {
        found = default;
        var bus = Buses[busIndex];
        if (!FlagsCompatible(busIndex, bus.Flags, flags, fromConfig: false))
            return false;
        for (int slot = bus.MinSlot; slot <= bus.MaxSlot; slot++)
        {
            if (bus.Functions[slot] == 0)
            {
                found = new PciPlace(busIndex, slot, fn);
                return true;
            }
            if ((flags & ConnectFlags.AggregateSlot) != 0 && bus.Aggregate[slot])
            {
                if ((bus.Functions[slot] & (1 << fn)) == 0)
                {
                    found = new PciPlace(busIndex, slot, fn);
                    return true;
                }
                if (function == -1)
                {
                    for (int f = 0; f <= PciAddress.FunctionLast; f++)
                    {
                        if ((bus.Functions[slot] & (1 << f)) == 0)
                        {
                            found = new PciPlace(busIndex, slot, f);
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }

    /// <summary>Reserves the first free compatible place (see <see cref="GetNextAddr"/>).</summary>
    public PciPlace ReserveNext(ConnectFlags flags, int function, string? deviceId) =>
        Reserve(GetNext(flags, function, deviceId), flags, fromConfig: false, deviceId);

    /// <summary>Adds buses so that <paramref name="bus"/> exists (dry run growth); may move the target bus by one.</summary>
    public void Grow(ref int bus, ConnectFlags flags, string? deviceId)
    {
        int add = bus - Buses.Count + 1;
        if (add <= 0) return;

        string model;
        bool needDmi = false, needPcieToPci = false;
        if ((flags & ConnectFlags.PciDevice) != 0 && _machine.MultipleRoots)
        {
            model = "pci-root";  // machines with several PCI roots (pseries) grow by another root
        }
        else if ((flags & ConnectFlags.PciDevice) != 0)
        {
            model = "pci-bridge";
            bool haveBridgeParent = Buses.Any(b => (b.Flags & ConnectFlags.PciBridge) != 0);
            if (!haveBridgeParent)
            {
                if (_machine.PcieToPciBridge) needPcieToPci = true;
                else needDmi = true;
                if (add == 1)
                {
                    add++;
                    bus++;
                }
            }
        }
        else if ((flags & (ConnectFlags.PcieDevice | ConnectFlags.PcieSwitchUpstreamPort)) != 0)
        {
            model = "pcie-root-port";
        }
        else
        {
            string? controller =
                (flags & ConnectFlags.PcieRootPort) != 0 ? "pcie-root-port"
                : (flags & ConnectFlags.PcieSwitchUpstreamPort) != 0 ? "pcie-switch-upstream-port"
                : (flags & ConnectFlags.PcieSwitchDownstreamPort) != 0 ? "pcie-switch-downstream-port"
                : (flags & ConnectFlags.DmiToPciBridge) != 0 ? "dmi-to-pci-bridge"
                : (flags & ConnectFlags.PciExpanderBus) != 0 ? "pci-expander-bus"
                : (flags & ConnectFlags.PcieExpanderBus) != 0 ? "pcie-expander-bus"
                : (flags & ConnectFlags.PciBridge) != 0 ? "pci-bridge"
                : null;
            throw PlanningException.Create(ErrorCodes.NoSpace,
                controller is not null
                    ? $"a PCI slot is needed to connect a PCI controller model='{controller}', but none is available, and it cannot be automatically added"
                    : $"Cannot automatically add a new PCI bus for a device with connect flags {(int)flags:x2}", deviceId, "pci-growth");
        }

        int i = Buses.Count;
        for (int k = 0; k < add; k++) Buses.Add(new PciBus());
        if (needDmi)
        {
            SetBusModel(i++, "dmi-to-pci-bridge", allowHotplug: false);
        }
        if (needPcieToPci)
        {
            SetBusModel(i, "pcie-root-port", allowHotplug: false);
            Buses[i].Flags = ConnectFlags.PcieToPciBridge;
            i++;
            SetBusModel(i++, "pcie-to-pci-bridge", allowHotplug: false);
        }
        for (; i < Buses.Count; i++) SetBusModel(i, model, allowHotplug: false);
    }
}
