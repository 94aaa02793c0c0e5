using System.Globalization;
using DevAddr.Core.Catalog;
using DevAddr.Core.Model;

namespace DevAddr.Core.Validation;

/// <summary>
/// Checks a plan against the addressing invariants, independently of the code that produced it: it reads
/// only the plan and the catalog. Reports every violation, sorted by rule then device.
/// </summary>
internal sealed class PlanValidator(DeviceCatalog catalog)
{
    private readonly List<PlanError> _errors = [];

    private void Fail(string rule, Device? d, string message) =>
        _errors.Add(new PlanError { Code = "invalid-plan", Rule = rule, DeviceId = d?.Id, Message = message });

    public IReadOnlyList<PlanError> Validate(Plan plan)
    {
        _errors.Clear();
        var machine = catalog.FindMachine(plan.Machine.Arch, plan.Machine.Type);
        if (machine is null)
        {
            Fail("known-machine", null, $"unknown machine type '{plan.Machine.Type}' for '{plan.Machine.Arch}'");
            return _errors;
        }
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in plan.Devices)
            if (!ids.Add(d.Id)) Fail("device-id-unique", d, $"duplicate device id '{d.Id}'");

        CheckPci(plan, machine);
        CheckDrives(plan);
        CheckUsb(plan);
        CheckVirtioSerial(plan);
        CheckAddressPresence(plan, machine);
        return _errors.OrderBy(e => e.Rule, StringComparer.Ordinal).ThenBy(e => e.DeviceId, StringComparer.Ordinal)
            .ThenBy(e => e.Message, StringComparer.Ordinal).ToList();
    }

    private static bool IsEndpointPci(DeviceModelRule? r) => r is not null && r.Connect != "none";

    private DeviceModelRule? Rule(Device d) => catalog.Resolve(d.Kind, d.Type, d.Bus, d.Model);

    private void CheckPci(Plan plan, MachineType machine)
    {
        var buses = new Dictionary<int, (Device Dev, PciControllerModel Model)>();
        foreach (var c in plan.Devices.Where(d => d.Kind == "controller" && d.Type == "pci"))
        {
            var m = c.Model is null ? null : catalog.FindPciController(c.Model);
            if (m is null) { Fail("known-model", c, $"unknown PCI controller model '{c.Model}'"); continue; }
            int idx = c.Index ?? 0;
            if (!buses.TryAdd(idx, (c, m))) Fail("pci-index-unique", c, $"two PCI controllers have index {idx}");
            if (m.Root && idx != 0) Fail("pci-root-index", c, $"{m.Model} must have index 0");
            if (idx == 0 && m.Model != machine.PciRoot) Fail("pci-root-model", c, $"PCI controller 0 must be {machine.PciRoot}, not {m.Model}");
        }

        var used = new Dictionary<(int, int), Dictionary<int, Device>>();
        foreach (var d in plan.Devices)
        {
            if (d.Address is not PciAddress a) continue;
            if (a.Domain != 0) Fail("pci-domain", d, $"{d.Id}: PCI address {a} is not in domain 0");
            if (!buses.TryGetValue(a.Bus, out var bus)) { Fail("pci-bus-exists", d, $"{d.Id}: PCI address {a} names bus {a.Bus}, which has no PCI controller"); continue; }
            if (a.Slot < bus.Model.MinSlot || a.Slot > bus.Model.MaxSlot)
                Fail("pci-slot-range", d, $"{d.Id}: slot {a.Slot} is outside {bus.Model.Model}'s slots {bus.Model.MinSlot}-{bus.Model.MaxSlot}");
            if (a.Function > 7) Fail("pci-function-range", d, $"{d.Id}: function {a.Function} > 7");
            var key = (a.Bus, a.Slot);
            if (!used.TryGetValue(key, out var fns)) used[key] = fns = [];
            if (!fns.TryAdd(a.Function, d)) Fail("pci-address-unique", d, $"{d.Id} and {fns[a.Function].Id} both use PCI address {a}");

            string? needs = null;
            if (d.Kind == "controller" && d.Type == "pci")
            {
                var own = catalog.FindPciController(d.Model ?? "");
                if (own is { Root: false }) needs = own.Is;
            }
            else if (IsEndpointPci(Rule(d)) || d.Kind != "controller" || d.Type != "pci")
            {
                needs = "endpoint";
            }
            bool ok = needs switch
            {
                null => true,
                "endpoint" => bus.Model.Accepts.Contains("pci-device") || bus.Model.Accepts.Contains("pcie-device"),
                "pci-bridge" => bus.Model.Accepts.Contains("pci-bridge") || bus.Model.Accepts.Contains("pci-device"),
                _ => bus.Model.Accepts.Contains(needs),
            };
            if (!ok) Fail("pci-bus-accepts-device", d, $"{d.Id} at {a}: {bus.Model.Model} (index {a.Bus}) does not accept a {needs}");
            if (Rule(d)?.Integrated == true && a.Bus != 0) Fail("pci-integrated", d, $"{d.Id} must sit on bus 0");
            if (d.Kind == "controller" && d.Type == "pci" && d.Model == "pci-bridge" && (d.Index ?? 0) <= a.Bus)
                Fail("bridge-index-order", d, $"pci-bridge index {d.Index} must be larger than its bus {a.Bus}");
        }

        foreach (var ((bus, slot), fns) in used)
        {
            if (fns.Count > 1 || fns.Keys.Any(f => f != 0))
            {
                if (!fns.TryGetValue(0, out var head))
                    Fail("pci-function-zero", fns.Values.First(), $"slot {bus:x2}:{slot:x2} uses functions {string.Join(",", fns.Keys.Order())} but not function 0");
                else if (fns.Count > 1 && ((PciAddress)head.Address!).Multifunction == false)
                    Fail("pci-multifunction", head, $"{head.Id} at function 0 of a shared slot has multifunction='off'");
            }
        }

        var busNrs = new Dictionary<int, Device>();
        var chassisPorts = new Dictionary<(int, int), Device>();
        foreach (var (idx, (c, m)) in buses.OrderBy(kv => kv.Key))
        {
            if (m.Defaults == "busNr")
            {
                if (c.Controller?.BusNr is not int nr) Fail("busnr-present", c, $"expander bus {idx} has no busNr");
                else if (nr is < 1 or > 254) Fail("busnr-range", c, $"expander bus {idx} busNr {nr} is outside 1-254");
                else if (!busNrs.TryAdd(nr, c)) Fail("busnr-unique", c, $"expander buses {busNrs[nr].Id} and {c.Id} share busNr {nr}");
                if (c.Controller?.NumaNode is int node && node < 0) Fail("numa-node-range", c, $"NUMA node {node} is negative");
            }
            if (m.Defaults == "chassis-port" && c.Controller is { Chassis: int ch, Port: int port })
            {
                if (!chassisPorts.TryAdd((ch, port), c)) Fail("chassis-port-unique", c, $"{c.Id} and {chassisPorts[(ch, port)].Id} share chassis {ch} port {port}");
            }
            if (c.Controller?.Hotplug == false && !m.Hotplug) Fail("hotplug-flag", c, $"{m.Model} has no hotplug to turn off");
        }
        if (busNrs.Count > 0)
        {
            int needed = buses.Values.Where(b => b.Model.Defaults != "busNr").Sum(b => b.Model.BusNumbers) + 1;
            int lowest = busNrs.Keys.Min();
            if (lowest <= buses.Values.Count(b => !b.Model.Root && b.Model.Defaults != "busNr") && lowest < needed)
                Fail("busnr-range", busNrs[lowest], $"expander busNr {lowest} leaves too few bus numbers below it for {needed - 1} bridges and ports");
        }
    }

    private void CheckDrives(Plan plan)
    {
        var seen = new Dictionary<(string, int, int, int, int), Device>();
        foreach (var d in plan.Devices)
        {
            if (d.Address is not DriveAddress a) continue;
            string bus = d.Kind == "hostdev" ? "scsi" : d.Bus ?? "";
            var cont = plan.Devices.FirstOrDefault(c => c.Kind == "controller" && c.Type == bus && (c.Index ?? 0) == a.Controller);
            if (cont is null) { Fail("drive-controller-exists", d, $"{d.Id}: no {bus} controller with index {a.Controller}"); continue; }
            if (!seen.TryAdd((bus, a.Controller, a.Bus, a.Target, a.Unit), d))
                Fail("drive-address-unique", d, $"{d.Id} and {seen[(bus, a.Controller, a.Bus, a.Target, a.Unit)].Id} share drive address {a}");
            var rule = Rule(cont);
            switch (bus)
            {
                case "ide" when a.Bus > 1 || a.Unit > 1 || a.Target != 0:
                    Fail("drive-address-range", d, $"{d.Id}: IDE address {a} outside bus 0-1, unit 0-1"); break;
                case "sata" when a.Bus != 0 || a.Target != 0 || a.Unit >= (rule?.DrivesPerController ?? 6):
                    Fail("drive-address-range", d, $"{d.Id}: SATA address {a} outside unit 0-{(rule?.DrivesPerController ?? 6) - 1}"); break;
                case "scsi" when a.Bus != 0 || (rule?.ScsiUnits is int n && a.Unit >= n) || (rule?.ScsiReservedUnit is int r && a.Unit == r):
                    Fail("drive-address-range", d, $"{d.Id}: SCSI address {a} is not a usable unit of {cont.Model}"); break;
            }
        }
    }

    private void CheckUsb(Plan plan)
    {
        var seen = new Dictionary<(int, string), Device>();
        var hubs = plan.Devices.Where(d => d.Kind == "hub" && d.Address is UsbAddress).Select(d => (UsbAddress)d.Address!).ToHashSet();
        foreach (var d in plan.Devices)
        {
            if (d.Address is not UsbAddress a) continue;
            var cont = plan.Devices.FirstOrDefault(c => c.Kind == "controller" && c.Type == "usb" && (c.Index ?? 0) == a.Bus && c.Model != "none");
            if (cont is null) { Fail("usb-bus-exists", d, $"{d.Id}: no USB controller with index {a.Bus}"); continue; }
            if (!seen.TryAdd((a.Bus, a.Port), d)) Fail("usb-address-unique", d, $"{d.Id} and {seen[(a.Bus, a.Port)].Id} share USB port {a.Bus}:{a.Port}");
            var path = a.Port.Split('.');
            if (path.Length > 4) Fail("usb-port-path", d, $"{d.Id}: USB port {a.Port} nests deeper than 4");
            int rootPorts = cont.Controller?.Ports ?? Rule(cont)?.UsbPorts ?? 0;
            if (!int.TryParse(path[0], NumberStyles.None, CultureInfo.InvariantCulture, out int first) || first < 1 || first > rootPorts)
                Fail("usb-port-range", d, $"{d.Id}: root port {path[0]} is outside 1-{rootPorts} of {cont.Model}");
            for (int i = 1; i < path.Length; i++)
            {
                var parent = new UsbAddress(a.Bus, string.Join('.', path.Take(i)));
                if (!hubs.Contains(parent)) Fail("usb-hub-exists", d, $"{d.Id}: no hub at USB port {parent.Port}");
                if (!int.TryParse(path[i], NumberStyles.None, CultureInfo.InvariantCulture, out int p) || p < 1 || p > 8)
                    Fail("usb-port-range", d, $"{d.Id}: hub port {path[i]} is outside 1-8");
            }
        }
    }

    private void CheckVirtioSerial(Plan plan)
    {
        var seen = new Dictionary<(int, int), Device>();
        foreach (var d in plan.Devices)
        {
            if (d.Address is not VirtioSerialAddress a) continue;
            var cont = plan.Devices.FirstOrDefault(c => c.Kind == "controller" && c.Type == "virtio-serial" && (c.Index ?? 0) == a.Controller);
            if (cont is null) { Fail("virtio-serial-controller-exists", d, $"{d.Id}: no virtio-serial controller {a.Controller}"); continue; }
            int ports = cont.Controller?.Ports ?? Rule(cont)?.SerialPorts ?? 31;
            if (a.Port < 0 || a.Port >= ports) Fail("virtio-serial-port-range", d, $"{d.Id}: port {a.Port} outside 0-{ports - 1}");
            if (!seen.TryAdd((a.Controller, a.Port), d)) Fail("virtio-serial-port-unique", d, $"{d.Id} and {seen[(a.Controller, a.Port)].Id} share virtio-serial port {a.Controller}:{a.Port}");
        }
    }

    private void CheckAddressPresence(Plan plan, MachineType machine)
    {
        foreach (var d in plan.Devices)
        {
            if (d.Kind == "controller" && d.Type == "pci")
            {
                var m = catalog.FindPciController(d.Model ?? "");
                if (m is { Root: false } && d.Address is not PciAddress) Fail("address-present", d, $"{d.Id} ({d.Model}) has no PCI address");
                continue;
            }
            var rule = Rule(d);
            if (rule is null) continue;
            if (rule.Connect != "none" && machine.PciRoot is not null && d.Address is null)
                Fail("address-present", d, $"{d.Id} ({d.Kind}) needs a PCI address");
            else if (rule.Attach is "usb" or "usb-hub" && d.Address is not UsbAddress && !(d.Kind == "controller"))
                Fail("address-present", d, $"{d.Id} ({d.Kind}) needs a USB address");
            else if (rule.Attach == "drive" && d.Address is not DriveAddress)
                Fail("address-present", d, $"{d.Id} ({d.Kind}) needs a drive address");
            else if (rule.Attach == "virtio-serial" && d.Address is not VirtioSerialAddress)
                Fail("address-present", d, $"{d.Id} ({d.Kind}) needs a virtio-serial address");
        }
    }
}
