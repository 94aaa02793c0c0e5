using DevAddr.Core.Catalog;
using DevAddr.Core.Model;

namespace DevAddr.Core.Validation;

internal sealed partial class PlanValidator
{
    /// <summary>PCI controllers: known models, unique indexes, the root, and a tree hanging off the root.</summary>
    private void CheckPciControllers()
    {
        bool rootPresent = false;
        foreach (var c in _devices)
        {
            if (!IsPciController(c)) continue;
            if ((c.Index ?? 0) == 0) rootPresent = true;
            var m = c.Model is null ? null : catalog.FindPciController(c.Model);
            if (m is null)
            {
                Fail("known-model", c, Inv($"{c.Id}: unknown PCI controller model '{c.Model}'"));
                continue;
            }
            int idx = c.Index ?? 0;
            if (!_buses.TryAdd(idx, new PciBus(c, m, idx)))
                Fail("pci-index-unique", c, Inv($"{c.Id} and {_buses[idx].Device.Id} both have PCI controller index {idx}"));
            if (m.Root && idx != 0 && !(_machine.MultipleRoots && m.Model == _machine.PciRoot))
                Fail("pci-root-index", c, Inv($"{c.Id}: {m.Model} must have index 0, not {idx}"));
            if (idx == 0 && m.Model != _machine.PciRoot)
                Fail("pci-root-model", c, _machine.PciRoot is null
                    ? Inv($"{c.Id}: machine type {_machine.Name} has no PCI")
                    : Inv($"{c.Id}: PCI controller 0 must be {_machine.PciRoot}, not {m.Model}"));
        }
        if (_machine.PciRoot is not null && !rootPresent)
            Fail("pci-root-present", null, Inv($"machine type {_machine.Name} needs its {_machine.PciRoot} controller (index 0)"));

        foreach (var bus in _buses.Values)
        {
            if (bus.Model.Root) continue;
            // A walk up that takes more steps than there are buses has gone round a cycle.
            int steps = 0;
            var cur = bus;
            while (cur.Device.Address is PciAddress a && a.Bus != 0 && _buses.TryGetValue(a.Bus, out var parent))
            {
                if (a.Bus == bus.Index || ++steps > _buses.Count)
                {
                    Fail("pci-controller-tree", bus.Device, Inv($"{bus.Device.Id}: PCI controller {bus.Index} does not hang off the root bus (its buses form a cycle)"));
                    break;
                }
                cur = parent;
            }
        }

        // PCI Express ports identify themselves by (chassis, port); QEMU refuses two with the same pair.
        // (In index order: the second of a pair is the one reported.)
        _portBuses.Clear();
        foreach (var bus in _buses.Values)
            if (bus.Model.Defaults is "chassis-port" or "chassis-slot" && bus.Device.Controller is { Chassis: int, Port: int })
                _portBuses.Add(bus);
        _portBuses.Sort(static (a, b) => a.Index.CompareTo(b.Index));
        _ports.Clear();
        foreach (var bus in _portBuses)
        {
            var (chassis, port) = (bus.Device.Controller!.Chassis!.Value, bus.Device.Controller.Port!.Value);
            if (!_ports.TryAdd((chassis, port), bus.Device))
                Fail("chassis-port-unique", bus.Device, Inv($"{bus.Device.Id} and {_ports[(chassis, port)].Id} both have chassis {chassis} port {port}"));
        }
        _portBuses.Clear();
        _ports.Clear();
    }

    private readonly List<PciBus> _portBuses = [];
    private readonly Dictionary<(int, int), Device> _ports = [];

    /// <summary>The chipset functions a machine reserves, as (bus, slot, function) (a handful: searched in order).</summary>
    private (int Bus, int Slot, int Function)[] ReservedFunctions() =>
        s_reserved.GetValue(_machine, static machine =>
        {
            var list = new List<(int, int, int)>(machine.ReservedAddresses.Count);
            foreach (var text in machine.ReservedAddresses)
                if (RootAddress.TryParse(text, out var r)) list.Add(r);
            return [.. list];
        });

    /// <summary>Each machine type's reserved chipset functions, parsed once.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<MachineType, (int Bus, int Slot, int Function)[]> s_reserved = [];

    /// <summary>A key for a PCI function (slot and function in range).</summary>
    private static long FunctionKey(int bus, int slot, int function) => ((long)bus << 8) | ((long)slot << 3) | (long)function;

    /// <summary>The device at each PCI function, and per slot (the key of its function 0) a bit for each function in use.</summary>
    private readonly Dictionary<long, Device> _atAddress = [];
    private readonly Dictionary<long, byte> _slotFunctions = [];

    /// <summary>The device at a function of a slot, given the slot's mask of functions in use.</summary>
    private Device? At(int bus, int slot, byte mask, int function) =>
        (mask & (1 << function)) != 0 ? _atAddress[FunctionKey(bus, slot, function)] : null;

    /// <summary>PCI addresses: bus exists and accepts the device, slot and function in range, unique, functions and multifunction.</summary>
    private void CheckPciAddresses()
    {
        var reserved = ReservedFunctions();
        _atAddress.Clear();
        _slotFunctions.Clear();
        for (int i = 0; i < _devices.Count; i++)
        {
            var d = _devices[i];
            if (d.Address is not PciAddress a || IsUnassignedPlaceholder(i)) continue;
            if (a.Domain != 0)
            {
                Fail("pci-domain", d, Inv($"{d.Id}: PCI address {a} is not in domain 0"));
                continue;
            }
            if (!_buses.TryGetValue(a.Bus, out var bus))
            {
                Fail("pci-bus-exists", d, Inv($"{d.Id}: PCI address {a} names bus {a.Bus}, which has no PCI controller"));
                continue;
            }
            if (a.Slot < bus.Model.MinSlot || a.Slot > bus.Model.MaxSlot)
            {
                Fail("pci-slot-range", d, Inv($"{d.Id}: slot {a.Slot} is outside {bus.Model.Model}'s slots {bus.Model.MinSlot}-{bus.Model.MaxSlot} (bus {a.Bus})"));
                continue;
            }
            if (a.Function is < 0 or > PciAddress.FunctionLast)
            {
                Fail("pci-function-range", d, Inv($"{d.Id}: function {a.Function} of PCI address {a} is outside 0-{PciAddress.FunctionLast}"));
                continue;
            }
            if (reserved.Contains((a.Bus, a.Slot, a.Function)))
                Fail("pci-reserved-address", d, Inv($"{d.Id}: PCI address {a} is a chipset function of machine type {_machine.Name}"));
            long key = FunctionKey(a.Bus, a.Slot, a.Function);
            if (!_atAddress.TryAdd(key, d))
                Fail("pci-address-unique", d, Inv($"{d.Id} and {_atAddress[key].Id} both use PCI address {a}"));
            else
                _slotFunctions[key & ~7L] = (byte)(_slotFunctions.GetValueOrDefault(key & ~7L) | (1 << a.Function));

            string? needs = "endpoint";
            if (IsPciController(d))
            {
                var own = d.Model is null ? null : catalog.FindPciController(d.Model);
                needs = own is { Root: false } ? own.Is : null;
            }
            var accepts = bus.Model.Accepts;
            bool ok = needs switch
            {
                null => true,
                "endpoint" => accepts.Contains("pci-device") || accepts.Contains("pcie-device"),
                "pci-bridge" => accepts.Contains("pci-bridge") || accepts.Contains("pci-device") || accepts.Contains("pcie-device"),
                _ => accepts.Contains(needs),
            };
            if (!ok)
                Fail("pci-bus-accepts-device", d, Inv($"{d.Id} at {a}: {bus.Model.Model} (index {a.Bus}) does not accept a {(needs == "endpoint" ? "PCI endpoint" : needs)}"));
            if (!IsPciController(d) && _rules[i]?.Integrated == true && a.Bus != 0)
                Fail("pci-integrated", d, Inv($"{d.Id} is an integrated device and must sit on bus 0, not at {a}"));
            if (IsPciController(d) && d.Model == "pci-bridge" && (d.Index ?? 0) <= a.Bus)
                Fail("bridge-index-order", d, Inv($"{d.Id}: pci-bridge index {d.Index ?? 0} must be larger than its bus {a.Bus}"));
        }

        // (The errors are sorted at the end: the slots need no order here.)
        foreach (var (slotKey, mask) in _slotFunctions)
        {
            int busIndex = (int)(slotKey >> 8), slot = (int)((slotKey >> 3) & 31);
            int count = System.Numerics.BitOperations.PopCount(mask);
            bool chipsetZero = reserved.Contains((busIndex, slot, 0));
            bool multifunction = count > 1;
            for (int f = 0; !multifunction && f <= PciAddress.FunctionLast; f++)
                if (At(busIndex, slot, mask, f) is { } fd && ((PciAddress)fd.Address!).Multifunction == true) multifunction = true;
            var head = At(busIndex, slot, mask, 0);
            if (multifunction && head is null && !chipsetZero)
            {
                var functions = new List<int>(count);
                for (int f = 0; f <= PciAddress.FunctionLast; f++)
                    if ((mask & (1 << f)) != 0) functions.Add(f);
                var first = At(busIndex, slot, mask, functions[0])!;
                Fail("pci-function-zero", first,
                    Inv($"{first.Id}: slot {busIndex:x2}:{slot:x2} uses function(s) {string.Join(",", functions)} but nothing sits at function 0"));
            }
            else if (count > 1 && head is not null && ((PciAddress)head.Address!).Multifunction != true)
            {
                Fail("pci-multifunction", head,
                    Inv($"{head.Id}: function 0 of slot {busIndex:x2}:{slot:x2}, which has {count} functions in use, needs multifunction='on'"));
            }
        }

        _atAddress.Clear();
        _slotFunctions.Clear();

        foreach (var c in _devices)
        {
            if (c.Kind != "controller" || c.Address is not PciAddress p) continue;
            var fixedController = FixedController(c);
            if (fixedController is null || !RootAddress.TryParse(fixedController.Address, out var want))
                continue;
            if (p.Domain != 0 || p.Bus != want.Bus || p.Slot != want.Slot || p.Function != want.Function)
                Fail("fixed-chipset-address", c, Inv($"{c.Id}: {fixedController.Error}, not {p}"));
        }
    }

    /// <summary>The machine's fixed chipset controller a controller is (by type, index and model), or null.</summary>
    private FixedController? FixedController(Device c)
    {
        int idx = c.Index ?? 0;
        var fixedControllers = _machine.FixedControllers;
        for (int i = 0; i < fixedControllers.Count; i++)
        {
            var f = fixedControllers[i];
            if (f.Type == c.Type && f.Index == idx && (f.Models.Count == 0 || f.Models.Contains(c.Model ?? "default")))
                return f;
        }
        return null;
    }
}
