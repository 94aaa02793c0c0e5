using System.Globalization;
using DevAddr.Core.Model;

namespace DevAddr.Core.Validation;

internal sealed partial class PlanValidator
{
    private const int HubPorts = 8;
    private const int MaxUsbDepth = 4;

    /// <summary>Highest SCSI unit (LUN) of any controller (virtio-scsi). The catalog's per-model <c>scsiUnits</c> and
    /// <c>scsiReservedUnit</c> are libvirt's limits for placing SCSI host devices automatically (libvirt itself gives disks
    /// units 0-6 on every model), not hardware limits: a disk at unit 7 of an lsilogic controller (the unit libvirt keeps
    /// free for the controller) is defined by libvirt 9.0 and started by QEMU.</summary>
    private const int MaxScsiUnit = 16383;

    /// <summary>Drive addresses: the controller exists, the address is unique and within the controller's buses, targets and units.</summary>
    private void CheckDrives()
    {
        var seen = _drives;
        seen.Clear();
        foreach (var d in _devices)
        {
            if (d.Address is not DriveAddress a) continue;
            string bus = d.Kind == "hostdev" ? "scsi" : d.Bus ?? "";
            var cont = FindController(bus, a.Controller);
            if (cont is null)
            {
                Fail("drive-controller-exists", d, Inv($"{d.Id}: drive address {a} names {(bus.Length == 0 ? "a" : bus)} controller {a.Controller}, which does not exist"));
                continue;
            }
            string? range = null;
            var rule = Rule(cont);
            if (a.Bus < 0 || a.Target < 0 || a.Unit < 0)
                range = "fields must not be negative";
            else switch (bus)
            {
                case "ide" when a.Bus > 1 || a.Target != 0 || a.Unit > 1:
                    range = "IDE has buses 0-1, target 0, units 0-1"; break;
                case "sata" when a.Bus != 0 || a.Target != 0 || a.Unit >= (rule?.DrivesPerController ?? 6):
                    range = Inv($"SATA has bus 0, target 0, units 0-{(rule?.DrivesPerController ?? 6) - 1}"); break;
                case "fdc" when a.Controller != 0 || a.Bus != 0 || a.Target != 0 || a.Unit > 1:
                    range = "the floppy controller is 0 with bus 0, target 0, units 0-1"; break;
                case "scsi" when a.Bus != 0:
                    range = "SCSI controllers have one bus (0)"; break;
                case "scsi" when cont.Model is "virtio-scsi" or "virtio-transitional" or "virtio-non-transitional" ? a.Target > 255 : a.Target != 0:
                    range = Inv($"{cont.Model ?? "this"} SCSI controller takes target {(cont.Model?.StartsWith("virtio", StringComparison.Ordinal) == true ? "0-255" : "0")}"); break;
                case "scsi" when rule?.MaxScsiId is int maxId && a.Unit > maxId:
                    range = Inv($"{cont.Model} SCSI controller takes units (SCSI ids) 0-{maxId} (QEMU refuses a higher id)"); break;
                case "scsi" when a.Unit > MaxScsiUnit:
                    range = Inv($"SCSI units are 0-{MaxScsiUnit}"); break;
            }
            if (range is not null)
            {
                Fail("drive-address-range", d, Inv($"{d.Id}: drive address {a} is not usable: {range}"));
                continue;
            }
            if (!seen.TryAdd((bus, a.Controller, a.Bus, a.Target, a.Unit), d))
                Fail("drive-address-unique", d, Inv($"{d.Id} and {seen[(bus, a.Controller, a.Bus, a.Target, a.Unit)].Id} share {bus} drive address {a}"));
        }
    }

    private readonly Dictionary<(string, int, int, int, int), Device> _drives = [];

    /// <summary>USB: controller exists, ports attribute fits the model, port paths parse, are in range, hang off hubs, and are unique.</summary>
    private void CheckUsb()
    {
        // Companion controllers share their master's index: a bus has the most ports any of them gives.
        var rootPorts = _usbRootPorts;
        rootPorts.Clear();
        for (int i = 0; i < _devices.Count; i++)
        {
            var c = _devices[i];
            if (!IsController(c, "usb") || c.Model == "none") continue;
            if (c.Controller?.Ports is int given)
            {
                if (_rules[i]?.MaxUsbPorts is not int max)
                    Fail("usb-port-count", c, Inv($"{c.Id}: USB controller model '{c.Model}' does not take a ports attribute"));
                else if (given < 1 || given > max)
                    Fail("usb-port-count", c, Inv($"{c.Id}: '{c.Model}' supports 1-{max} ports, not {given}"));
            }
            int ports = c.Controller?.Ports ?? _rules[i]?.UsbPorts ?? 0;
            int idx = c.Index ?? 0;
            if (!rootPorts.TryGetValue(idx, out var have) || ports > have.Ports) rootPorts[idx] = (ports, c);
        }
        if (rootPorts.Count == 0 && !HasUsbAddress()) return;

        var located = _usbLocated;
        located.Clear();
        var hubs = _usbHubs;
        hubs.Clear();
        foreach (var d in _devices)
        {
            if (d.Address is not UsbAddress a) continue;
            if (!rootPorts.ContainsKey(a.Bus))
            {
                Fail("usb-bus-exists", d, Inv($"{d.Id}: USB address names bus {a.Bus}, which has no USB controller"));
                continue;
            }
            if (UsbPath.Parse(a.Bus, a.Port) is not { } path)
            {
                Fail("usb-port-path", d, Inv($"{d.Id}: USB port '{a.Port}' is not a dot-separated path of 1 to {MaxUsbDepth} port numbers"));
                continue;
            }
            located.Add((d, path));
            if (d.Kind == "hub") hubs.Add(path);
        }

        var seen = _usbSeen;
        seen.Clear();
        foreach (var (d, path) in located)
        {
            var (ports, cont) = rootPorts[path.Bus];
            if (path[0] > ports)
                Fail("usb-port-range", d, Inv($"{d.Id}: root port {path[0]} is outside 1-{ports} of {cont.Model} (bus {path.Bus})"));
            for (int i = 1; i < path.Length; i++)
            {
                if (!hubs.Contains(path.Prefix(i)))
                    Fail("usb-hub-exists", d, Inv($"{d.Id}: no hub at USB port {path.Prefix(i)} of bus {path.Bus}"));
                if (path[i] > HubPorts)
                    Fail("usb-port-range", d, Inv($"{d.Id}: hub port {path[i]} is outside 1-{HubPorts}"));
            }
            if (!seen.TryAdd(path, d))
                Fail("usb-address-unique", d, Inv($"{d.Id} and {seen[path].Id} share USB port {path} of bus {path.Bus}"));
        }
        located.Clear();
        hubs.Clear();
        seen.Clear();
        rootPorts.Clear();
    }

    private bool HasUsbAddress()
    {
        foreach (var d in _devices)
            if (d.Address is UsbAddress) return true;
        return false;
    }

    private readonly Dictionary<int, (int Ports, Device Controller)> _usbRootPorts = [];
    private readonly List<(Device Device, UsbPath Path)> _usbLocated = [];
    private readonly HashSet<UsbPath> _usbHubs = [];
    private readonly Dictionary<UsbPath, Device> _usbSeen = [];

    /// <summary>A USB port path on a bus: 1 to 4 port numbers (each at least 1).</summary>
    private readonly record struct UsbPath(int Bus, int Length, int P0, int P1, int P2, int P3)
    {
        public int this[int i] => i switch { 0 => P0, 1 => P1, 2 => P2, _ => P3 };

        /// <summary>The path of the first <paramref name="length"/> ports (the hub a port hangs off).</summary>
        public UsbPath Prefix(int length) =>
            new(Bus, length, P0, length > 1 ? P1 : 0, length > 2 ? P2 : 0, length > 3 ? P3 : 0);

        /// <summary>The dotted form (1.2.3).</summary>
        public override string ToString()
        {
            var sb = new System.Text.StringBuilder();
            for (int i = 0; i < Length; i++)
            {
                if (i > 0) sb.Append('.');
                sb.Append(this[i].ToString(CultureInfo.InvariantCulture));
            }
            return sb.ToString();
        }

        /// <summary>A port path (1 to 4 positive numbers separated by dots), or null.</summary>
        public static UsbPath? Parse(int bus, string? port)
        {
            if (string.IsNullOrEmpty(port)) return null;
            Span<int> p = stackalloc int[MaxUsbDepth];
            int n = 0;
            foreach (var range in port.AsSpan().Split('.'))
            {
                if (n == MaxUsbDepth) return null;
                if (!int.TryParse(port.AsSpan()[range], NumberStyles.None, CultureInfo.InvariantCulture, out p[n]) || p[n] < 1)
                    return null;
                n++;
            }
            return new UsbPath(bus, n, p[0], p[1], p[2], p[3]);
        }
    }

    /// <summary>virtio-serial: the controller exists, bus 0, port within its ports (0 only for consoles), unique.</summary>
    private void CheckVirtioSerial()
    {
        Dictionary<(int, int), Device>? seen = null;
        foreach (var d in _devices)
        {
            if (d.Address is not VirtioSerialAddress a) continue;
            seen ??= [];
            var cont = FindController("virtio-serial", a.Controller);
            if (cont is null)
            {
                Fail("virtio-serial-controller-exists", d, Inv($"{d.Id}: virtio-serial controller {a.Controller} does not exist"));
                continue;
            }
            int ports = cont.Controller?.Ports ?? Rule(cont)?.SerialPorts ?? 31;
            int first = d.Kind == "console" ? 0 : 1;
            if (a.Bus != 0 || a.Port < first || a.Port >= ports)
            {
                Fail("virtio-serial-port-range", d, Inv($"{d.Id}: virtio-serial address {a.Controller}:{a.Bus}:{a.Port} is outside bus 0, ports {first}-{ports - 1}{(a.Bus != 0 ? " (libvirt defines another bus; QEMU has bus 0 only: Bus 'virtio-serial0.1' not found)" : "")}"));
                continue;
            }
            if (!seen.TryAdd((a.Controller, a.Port), d))
                Fail("virtio-serial-port-unique", d, Inv($"{d.Id} and {seen[(a.Controller, a.Port)].Id} share virtio-serial port {a.Controller}:{a.Port}"));
        }
    }

    /// <summary>CCID slots name an existing controller and are unique; DIMM slots are unique.</summary>
    private void CheckCcidAndDimm()
    {
        Dictionary<(int, int), Device>? ccid = null;
        Dictionary<int, Device>? dimm = null;
        foreach (var d in _devices)
        {
            if (d.Address is not (CcidAddress or DimmAddress)) continue;
            ccid ??= [];
            dimm ??= [];
            switch (d.Address)
            {
                case CcidAddress c when FindController("ccid", c.Controller) is null:
                    Fail("ccid-controller-exists", d, Inv($"{d.Id}: CCID controller {c.Controller} does not exist"));
                    break;
                case CcidAddress c when !ccid.TryAdd((c.Controller, c.Slot), d):
                    Fail("ccid-slot-unique", d, Inv($"{d.Id} and {ccid[(c.Controller, c.Slot)].Id} share CCID slot {c.Controller}:{c.Slot}"));
                    break;
                case DimmAddress m when !dimm.TryAdd(m.Slot, d):
                    Fail("dimm-slot-unique", d, Inv($"{d.Id} and {dimm[m.Slot].Id} share DIMM slot {m.Slot}"));
                    break;
            }
        }
    }

    /// <summary>
    /// The kind of address a device attaches by (<c>pci</c>, <c>drive</c>, <c>usb</c>, ...); null when it takes none
    /// (ISA and chipset devices, the root PCI controller) or its model is unknown (reported elsewhere).
    /// </summary>
    private string? WantedAddressKind(int i)
    {
        var d = _devices[i];
        if (IsPciController(d))
        {
            var m = d.Model is null ? null : catalog.FindPciController(d.Model);
            return m is null || m.Root ? null : "pci";
        }
        var rule = _rules[i];
        if (rule is null) return null;
        return rule.Attach switch
        {
            "drive" => "drive",
            "usb" or "usb-hub" => "usb",
            "virtio-serial" => "virtio-serial",
            "ccid" => "ccid",
            "dimm" => "dimm",
            "spapr-vio" => _machine.SpaprVio ? "spapr-vio" : null,
            "ccw" => _machine.Ccw ? "ccw" : null,
            _ => rule.Connect != "none" && _machine.PciRoot is not null ? "pci" : null,
        };
    }

    /// <summary>Device kinds that may sit on the pseries spapr-vio bus.</summary>
    private static readonly string[] s_spaprVioKinds = ["interface", "controller", "serial", "nvram", "tpm"];

    /// <summary>
    /// Whether an address of another kind than the wanted one is right: a PCI device may be on channel I/O (s390x
    /// CCW) or virtio-mmio (ARM and RISC-V virt, and a virtio device on x86), and a NIC, controller or serial on
    /// spapr-vio (pseries), as libvirt keeps them.
    /// </summary>
    private bool AcceptsOtherKind(int i, string wanted, DeviceAddress a) => a switch
    {
        CcwAddress => wanted == "pci" && _machine.Ccw && !(_devices[i].Kind == "hostdev" && _devices[i].Type == "pci"),
        VirtioMmioAddress => _rules[i]?.Connect is { } connect && connect != "none" &&
                             (_machine.VirtioMmio || (!_machine.Ccw && !_machine.SpaprVio && connect == "virtio")),
        SpaprVioAddress => _machine.SpaprVio && s_spaprVioKinds.Contains(_devices[i].Kind),
        _ => false,
    };

    /// <summary>
    /// libvirt's "assign me an address" placeholder, 0000:00:00.0, kept (as a bare <c>&lt;address type='pci'/&gt;</c>)
    /// on a device that takes no address at all (e.g. an fdc controller, a tpm-crb): not a place on the PCI bus.
    /// </summary>
    private bool IsUnassignedPlaceholder(int i) =>
        _devices[i].Address is PciAddress { Domain: 0, Bus: 0, Slot: 0, Function: 0 } && !IsPciController(_devices[i]) && WantedAddressKind(i) is null;

    /// <summary>Every device that needs an address has one, of the kind its attachment uses.</summary>
    private void CheckAddressPresence()
    {
        for (int i = 0; i < _devices.Count; i++)
        {
            var d = _devices[i];
            if (IsPciController(d) && d.Model is not null && catalog.FindPciController(d.Model) is { Root: true })
            {
                if (d.Address is not null)
                    Fail("address-kind", d, Inv($"{d.Id}: the root PCI controller has no address, but {d.Address} is given"));
                continue;
            }
            string? wanted = WantedAddressKind(i);
            if (wanted is null)
            {
                // A console keeps whatever address it was given (a virtio console on s390x may hold a CCW device number).
                if (d.Kind != "console" && d.Address is SpaprVioAddress or CcwAddress or VirtioMmioAddress && !AcceptsOtherKind(i, "none", d.Address))
                    Fail("address-kind", d, Inv($"{d.Id} ({d.Kind}{(d.Model is null ? "" : " " + d.Model)}) takes no address on machine type {_machine.Name}, not {d.Address.Kind} ({d.Address}){(d.Address is SpaprVioAddress ? ": only pseries has the spapr-vio bus" : "")}"));
                continue;
            }
            if (d.Address is null)
                Fail("address-present", d, Inv($"{d.Id} ({d.Kind}{(d.Model is null ? "" : " " + d.Model)}) needs a {wanted} address"));
            else if (d.Address is not OtherAddress && d.Address.Kind != wanted && !AcceptsOtherKind(i, wanted, d.Address))
                Fail("address-kind", d, Inv($"{d.Id} ({d.Kind}{(d.Model is null ? "" : " " + d.Model)}) needs a {wanted} address, not {d.Address.Kind} ({d.Address})"));
        }
    }
}
