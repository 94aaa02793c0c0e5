using DevAddr.Core.Catalog;
using DevAddr.Core.Model;
using DevAddr.Core.Topology;

namespace DevAddr.Core.Validation;

internal static partial class RequestChecks
{
    /// <summary>Highest SCSI unit (LUN) of any controller (virtio-scsi). The catalog's per-model <c>scsiUnits</c> and
    /// <c>scsiReservedUnit</c> are libvirt's limits for placing SCSI host devices automatically, not hardware limits, so
    /// they bound nothing here: libvirt defines a disk at unit 7 of an lsilogic controller and QEMU starts it.</summary>
    private const int MaxScsiUnit = 16383;

    private static readonly string[] s_virtioScsi = ["virtio-scsi", "virtio-transitional", "virtio-non-transitional"];

    /// <summary>
    /// Structural checks, then the checks that need the catalog: a user address must be of the kind the device
    /// attaches by and within the fixed limits of its controller, and controller options within their ranges.
    /// These inputs can never give a valid plan (libvirt rejects most of them at define time, QEMU the rest at
    /// start), so they are refused up front with the validator's rule name; where libvirt defines the guest
    /// and only QEMU refuses to start it, the message says so. Two address kinds libvirt itself replaces are let
    /// through to the policy: an all-zero PCI address (libvirt's "assign one") on a virtio channel, which gets a
    /// virtio-serial port, and, where the release still asks a PCI slot for it (libvirt 9.0), on a device libvirt
    /// gives no PCI connect flags (usb-net), which libvirt refuses in its PCI pass with its own error.
    /// </summary>
    public static void Check(PlanRequest request, DeviceCatalog catalog)
    {
        Check(request);
        var machine = catalog.FindMachine(request.Machine.Arch, request.Machine.Type);
        if (machine is null) return;
        // The release's rules where the policy names a known one; an unknown release is reported by the planner.
        bool usbNetOnUsb = PolicyVersions.LibvirtOf(request.Policy, catalog).Rules?.UsbNetOnUsb ?? false;
        // USB controllers may share an index (an EHCI1 with its UHCI companions); the USB pass checks those.
        foreach (var dup in request.Devices.Where(d => d.Kind == "controller" && d.Type != "usb" && d.Index is not null)
                     .GroupBy(d => (d.Type, d.Index)).Where(g => g.Count() > 1))
            throw PlanningException.Create(ErrorCodes.InvalidInput, $"Multiple '{dup.Key.Type}' controllers with index '{dup.Key.Index}'", dup.Skip(1).First().Id, "controller-index-unique");
        foreach (var d in request.Devices)
        {
            CheckOptions(d, machine, catalog);
            if (d.Address is null or OtherAddress) continue;
            var rule = catalog.Resolve(d.Kind, d.Type, d.Bus, d.Model);
            string[] allowed = AllowedAddressKinds(d, machine, catalog);
            if (!allowed.Contains(d.Address.Kind) && !LibvirtReplacesAddress(d, rule, usbNetOnUsb))
                throw PlanningException.Create(ErrorCodes.AddressConflict,
                    $"device '{d.Id}' ({d.Kind}{(d.Model is null ? "" : " " + d.Model)}) cannot have a {d.Address.Kind} address ({d.Address}); it takes {string.Join(" or ", allowed)}{AddressKindNote(d, rule)}",
                    d.Id, "address-kind");
            if (DriveRangeProblem(d, request, machine, catalog) is string problem)
                throw PlanningException.Create(ErrorCodes.AddressConflict, $"device '{d.Id}' has drive address {d.Address} out of range: {problem}", d.Id, "drive-address-range");
        }
    }

    /// <summary>Device kinds that may sit on the pseries spapr-vio bus.</summary>
    private static readonly string[] s_spaprVioKinds = ["interface", "controller", "serial", "nvram", "tpm", "console"];

    /// <summary>
    /// The address kinds a device may be given: its attachment's, PCI for PCI devices (and, as libvirt allows, for
    /// devices without any attachment); where the machine has them, CCW and virtio-mmio for those too (libvirt keeps
    /// them on any such device), and spapr-vio for NICs, controllers, serials, NVRAM and TPMs.
    /// </summary>
    private static string[] AllowedAddressKinds(Device d, MachineType machine, DeviceCatalog catalog)
    {
        if (d.Kind == "controller" && d.Type == "pci") return ["pci"];
        var rule = catalog.Resolve(d.Kind, d.Type, d.Bus, d.Model);
        string[] kinds = rule?.Attach switch
        {
            "drive" => ["drive"],
            "usb" or "usb-hub" => ["usb"],
            "virtio-serial" => ["virtio-serial"],
            "virtio-console" => ["virtio-serial", "pci"],
            "ccid" => ["ccid"],
            "dimm" => ["dimm"],
            "ccw" => ["ccw"],
            _ => ["pci"],
        };
        if (!kinds.Contains("pci")) return kinds;
        var more = new List<string>(kinds);
        // A PCI host device on CCW: libvirt refuses it ("PCI host devices must use 'pci' or 'unassigned' address type").
        if (machine.Ccw && !(d.Kind == "hostdev" && d.Type == "pci")) more.Add("ccw");
        // A CCW address on another machine is refused by the policy with libvirt's message.
        else if (!machine.Ccw) more.Add("ccw");
        if (machine.VirtioMmio || (!machine.Ccw && !machine.SpaprVio && rule?.Connect == "virtio")) more.Add("virtio-mmio");
        if (machine.SpaprVio && s_spaprVioKinds.Contains(d.Kind)) more.Add("spapr-vio");
        return [.. more];
    }

    /// <summary>libvirt's "assign one": a PCI address whose domain, bus and slot are 0 (virDeviceInfoPCIAddressIsWanted).</summary>
    private static bool IsEmptyPci(DeviceAddress? a) => a is PciAddress { Domain: 0, Bus: 0, Slot: 0 };

    /// <summary>
    /// Whether libvirt treats this address of the wrong kind as no address: an empty PCI address on a virtio
    /// channel (the channel takes a virtio-serial port, qemuDomainAssignVirtioSerialAddresses) or, in a release whose
    /// PCI pass still places them (libvirt 9.0), on a device with no PCI connect flags (usb-net: libvirt fails there,
    /// "Cannot automatically add a new PCI bus for a device with connect flags 00", and so does the policy; libvirt
    /// 11.3 keeps the empty PCI address, which QEMU cannot use, so it is refused here).
    /// </summary>
    private static bool LibvirtReplacesAddress(Device d, DeviceModelRule? rule, bool usbNetOnUsb) =>
        (IsEmptyPci(d.Address) && (rule?.Attach == "virtio-serial"
                                   || (!usbNetOnUsb && rule is { Connect: "none", Pass: not null })))
        // libvirt puts spapr-vlan NICs, ibmvscsi controllers and spapr-vty serials on spapr-vio whatever address they have.
        || (rule?.Attach == "spapr-vio" && d.Kind is "interface" or "controller" or "serial");

    /// <summary>What libvirt and QEMU make of an address of the wrong kind, where that is known, for the message.</summary>
    private static string AddressKindNote(Device d, DeviceModelRule? rule) => (d.Address, rule) switch
    {
        // Live: <sound model='usb'> with any PCI address and <interface><model type='usb-net'/> with a non-empty one are
        // defined with that address; QEMU then fails with "Device 'usb-audio' can't go on PCIE bus" (usb-net alike).
        (PciAddress, { Attach: "usb" }) when d.Kind is "sound" or "interface" =>
            "; libvirt defines the guest with that PCI address, but QEMU cannot start it (a USB device cannot go on a PCI bus)",
        (_, { Attach: "virtio-serial" }) => "; libvirt would drop it and give the channel a virtio-serial port, so give none (or an all-zero PCI address) or a virtio-serial one",
        _ => "",
    };

    /// <summary>Why a user drive address cannot be used on its controller (buses, targets, units per controller type and model), or null.</summary>
    private static string? DriveRangeProblem(Device d, PlanRequest request, MachineType machine, DeviceCatalog catalog)
    {
        if (d.Address is not DriveAddress a) return null;
        string bus = d.Kind == "hostdev" ? "scsi" : d.Bus ?? "";
        switch (bus)
        {
            // libvirt 9.0 refuses a target other than 0 (its wording); it defines other buses and units, which QEMU
            // then cannot start (live: "Bus 'ide.2' not found", "Can't create IDE unit 2, bus supports only 2 units").
            case "ide" when a.Target != 0:
                return "target must be 0 for ide controller";
            case "ide" when a.Bus > 1:
                return $"IDE has buses 0-1; libvirt defines bus {a.Bus}, but QEMU cannot start the guest (Bus 'ide.{a.Bus}' not found)";
            case "ide" when a.Unit > 1:
                return $"IDE has units 0-1; libvirt defines unit {a.Unit}, but QEMU cannot start the guest (Can't create IDE unit {a.Unit}, bus supports only 2 units)";
            // The same for SATA (live: unit 6 or 7 on the q35 AHCI gives "Bus 'ide.7' not found").
            case "sata" when a.Bus != 0:
                return "bus must be 0 for sata controller";
            case "sata" when a.Target != 0:
                return "target must be 0 for sata controller";
            case "sata":
                int units = catalog.Resolve("controller", "sata", null, null)?.DrivesPerController ?? 6;
                return a.Unit >= units
                    ? $"SATA has units 0-{units - 1} (an AHCI controller has {units} ports); libvirt defines unit {a.Unit}, but QEMU cannot start the guest (no bus for that port)"
                    : null;
            // Live: libvirt defines floppy unit 2; QEMU then fails "Can't create floppy unit 2, bus supports only 2 units".
            case "fdc" when a.Controller == 0 && a.Bus == 0 && a.Target == 0 && a.Unit > 1:
                return $"the floppy controller has units 0-1; libvirt defines unit {a.Unit}, but QEMU cannot start the guest (Can't create floppy unit {a.Unit}, bus supports only 2 units)";
            case "fdc" when a.Controller != 0 || a.Bus != 0 || a.Target != 0 || a.Unit > 1:
                return "there is one floppy controller (0) with bus 0, target 0, units 0-1";
            case "scsi":
                if (a.Bus != 0) return "SCSI controllers have one bus (0)";
                string model = request.Devices.FirstOrDefault(c => c.Kind == "controller" && c.Type == "scsi" && c.Index == a.Controller)?.Model
                               ?? machine.DefaultScsiModel;
                bool virtio = s_virtioScsi.Contains(model);
                if (virtio ? a.Target > 255 : a.Target != 0) return virtio ? "virtio-scsi has targets 0-255" : $"target must be 0 for controller model '{model}'";
                if (!virtio && catalog.Resolve("controller", "scsi", null, model)?.MaxScsiId is int maxId && a.Unit > maxId)
                    return $"SCSI controller model '{model}' takes units (SCSI ids) 0-{maxId}; libvirt defines unit {a.Unit}, but QEMU cannot start the guest (bad scsi device id: {a.Unit})";
                return a.Unit > MaxScsiUnit ? $"SCSI units are 0-{MaxScsiUnit}" : null;
            default:
                return null;
        }
    }

    /// <summary>Controller options within the ranges libvirt and QEMU accept.</summary>
    private static void CheckOptions(Device d, MachineType machine, DeviceCatalog catalog)
    {
        bool pci = d.Kind == "controller" && d.Type == "pci";
        if (pci && d.Model is not null && catalog.FindPciController(d.Model) is { Root: true } && d.Index is int index && index != 0
            && !(machine.MultipleRoots && d.Model == machine.PciRoot))
            throw PlanningException.Create(ErrorCodes.InvalidInput, $"controller '{d.Id}': pci-root and pcie-root controllers should have index 0", d.Id, "pci-root-index");
        if (d.Controller is not { } o) return;
        string? problem =
            o.NumaNode is < 0 ? $"NUMA node {o.NumaNode} is negative"
            : o.ChassisNr is < 1 or > 255 ? $"chassisNr '{o.ChassisNr}' out of range - must be 1-255"
            : o.Chassis is < 0 or > 255 ? $"chassis '{o.Chassis}' out of range - must be 0-255"
            : o.Port is < 0 or > 255 ? $"port '{o.Port}' out of range - must be 0-255"
            : null;
        if (problem is not null)
            throw PlanningException.Create(ErrorCodes.InvalidInput, $"controller '{d.Id}': {problem}", d.Id, "controller-option-range");
        if (o.Hotplug is not null && !(pci && d.Model is not null && catalog.FindPciController(d.Model) is { HotplugOption: true }))
            throw PlanningException.Create(ErrorCodes.InvalidInput,
                $"Option 'hotplug' is not valid for controller '{d.Id}' ({d.Type} {d.Model}); only pci-root, pcie-root-port and pcie-switch-downstream-port take it", d.Id, "hotplug-flag");
        if (d.Kind == "controller" && d.Type == "usb" && o.Ports is int ports)
        {
            string? model = d.Model ?? machine.DefaultUsbController;
            if (catalog.Resolve("controller", "usb", null, model)?.MaxUsbPorts is null)
                throw PlanningException.Create(ErrorCodes.InvalidInput, $"controller '{d.Id}': USB controller model '{model}' does not take a ports attribute", d.Id, "usb-port-count");
            if (ports < 1)
                throw PlanningException.Create(ErrorCodes.InvalidInput, $"controller '{d.Id}': a USB controller needs at least 1 port", d.Id, "usb-port-count");
        }
    }
}
