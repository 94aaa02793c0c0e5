using DevAddr.Core.Model;
using DevAddr.Core.Topology;

namespace DevAddr.Core.Hotplug;

/// <summary>Changes that would make the infeasible devices possible: now (an explicit address) or at the next cold plan.</summary>
internal sealed partial class HotplugChecker
{
    private const string QemuNs = "xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'";

    private IReadOnlyList<HotplugSuggestion> Suggest()
    {
        var all = _done.Concat(_nested).ToList();
        var failed = all.Where(x => !x.Verdict.Feasible).ToList();
        var list = new List<HotplugSuggestion>();
        bool Has((Device Device, HotplugVerdict Verdict, ConnectFlags Flags, DeviceAddress? Alternative) x, string code) =>
            x.Verdict.Reasons.Any(r => r.Code == code);

        // Now: an explicit address where libvirt, QEMU and the windows agree.
        foreach (var x in failed.Where(x => x.Alternative is not null))
            list.Add(AttachAddress(x.Device, x.Verdict, x.Alternative!));

        var machine = _machine;
        var noSlot = failed.Where(x => Has(x, HotplugReasons.NoFreeSlot)).ToList();
        if (_l.Machine.IsPcie)
        {
            var pcie = noSlot.Where(x => (x.Flags & ConnectFlags.PcieDevice) != 0).ToList();
            if (pcie.Count > 0)
            {
                int want = machine.FreeHotplugPorts + pcie.Count;
                list.Add(new HotplugSuggestion
                {
                    Code = "spare-root-ports",
                    ForDevices = pcie.Select(x => x.Device.Id).ToList(),
                    Message = LiveLayout.Inv(
                        $"add {pcie.Count} spare pcie-root-port(s) at the next cold plan: keep at least {want} empty hot-pluggable root ports (this guest has {machine.FreeHotplugPorts}); optimize policy: tunables hotplugReserve {want}"),
                    Tunables = new Tunables { HotplugReserve = new Tunable<int> { Value = want } },
                    Devices = Enumerable.Range(1, pcie.Count).Select(i => NewController($"hotplug-port{i}", "pcie-root-port", i)).ToList(),
                    LibvirtXml = string.Join("\n", Enumerable.Repeat("<controller type='pci' model='pcie-root-port'/>", pcie.Count)),
                });
            }
            var legacy = noSlot.Where(x => (x.Flags & ConnectFlags.PciDevice) != 0).ToList();
            if (legacy.Count > 0)
            {
                int bridges = (legacy.Count + 30) / 31;
                string models = PcieModels(legacy.Select(x => x.Device));
                list.Add(new HotplugSuggestion
                {
                    Code = "pcie-to-pci-bridge",
                    ForDevices = legacy.Select(x => x.Device.Id).ToList(),
                    Message = LiveLayout.Inv(
                        $"conventional PCI devices on {_l.Machine.Name} need a pcie-to-pci-bridge (31 hot-pluggable slots): add {bridges} at the next cold plan, each with a pcie-root-port to sit in (libvirt 9.0 adds no root port for a pcie-to-pci-bridge given in the definition: 'Cannot automatically add a new PCI bus'){(models.Length > 0 ? $", or use a PCI Express model ({models})" : "")}; the optimizing policy has no tunable for it: add it to the request"),
                    Devices = Enumerable.Range(1, bridges).SelectMany(i => new[]
                    {
                        NewController($"hotplug-bridge-port{i}", "pcie-root-port", 2 * i - 1),
                        NewController($"hotplug-pci-bridge{i}", "pcie-to-pci-bridge", 2 * i),
                    }).ToList(),
                    LibvirtXml = string.Join("\n", Enumerable.Repeat("<controller type='pci' model='pcie-root-port'/>\n<controller type='pci' model='pcie-to-pci-bridge'/>", bridges)),
                });
            }
        }
        else if (noSlot.Count > 0 && _l.Machine is { RootModelName: { } phb, PciRoot: { } root })
        {
            // pseries grows by PCI host bridges; libvirt adds none at hotplug.
            list.Add(new HotplugSuggestion
            {
                Code = "pci-host-bridge",
                ForDevices = noSlot.Select(x => x.Device.Id).ToList(),
                Message = LiveLayout.Inv(
                    $"every slot of the {_l.PciControllers.Count} PCI host bridge(s) is taken and libvirt adds none at hotplug: add a PCI host bridge ({phb}, 31 hot-pluggable slots) at the next cold plan"),
                Devices = [NewController("hotplug-phb1", root, 1)],
                LibvirtXml = $"<controller type='pci' model='{root}'><model name='{phb}'/></controller>",
            });
        }
        else if (noSlot.Count > 0)
        {
            int want = machine.FreeHotplugPciSlots + noSlot.Count;
            list.Add(new HotplugSuggestion
            {
                Code = "pci-bridge",
                ForDevices = noSlot.Select(x => x.Device.Id).ToList(),
                Message = LiveLayout.Inv(
                    $"keep at least {want} free hot-pluggable slots at the next cold plan (this guest has {machine.FreeHotplugPciSlots}): a pci-bridge adds 31; optimize policy: tunables hotplugReserve {want}"),
                Tunables = new Tunables { HotplugReserve = new Tunable<int> { Value = want } },
                Devices = [NewController("hotplug-pci-bridge1", "pci-bridge", 1)],
                LibvirtXml = "<controller type='pci' model='pci-bridge'/>",
            });
        }

        var off = failed.SelectMany(x => x.Verdict.Reasons.Where(r => r.Code == HotplugReasons.PortHotplugOff).Select(r => (x.Device.Id, Bus: r.ControllerIndex ?? 0))).ToList();
        if (off.Count > 0)
        {
            var buses = off.Select(o => o.Bus).Distinct().Order().ToList();
            list.Add(new HotplugSuggestion
            {
                Code = "port-hotplug-on",
                ForDevices = off.Select(o => o.Id).Distinct().ToList(),
                Message = $"turn hotplug on at the next cold plan for {string.Join(", ", buses.Select(_l.Describe))} (drop hotplug='off'; the optimizing policy's occupiedPortHotplug=false only turns it off on ports that hold devices, spare ports stay hot-pluggable)",
                LibvirtXml = string.Join("\n", buses.Select(b => LiveLayout.Inv(
                    $"<controller type='pci' index='{b}' model='{_l.BusModel(b)!.Model}'><target hotplug='on'/></controller>"))),
            });
        }

        var qemu = failed.Where(x => Has(x, HotplugReasons.QemuBusNoHotplug)).ToList();
        var acpi = qemu.Where(x => x.Verdict.Reasons.Any(r => r.Code == HotplugReasons.QemuBusNoHotplug && r.ControllerIndex == 0)).ToList();
        if (acpi.Count > 0)
            list.Add(_l.HotplugOff(0)
                ? new HotplugSuggestion
                {
                    Code = "root-hotplug-on",
                    ForDevices = acpi.Select(x => x.Device.Id).ToList(),
                    Message = "hotplug is off on the i440fx root bus: drop hotplug='off' on pci-root at the next cold boot, or keep a pci-bridge with free slots and attach with an explicit address on it",
                    LibvirtXml = "<controller type='pci' index='0' model='pci-root'/>",
                }
                : new HotplugSuggestion
                {
                    Code = "acpi",
                    ForDevices = acpi.Select(x => x.Device.Id).ToList(),
                    Message = "i440fx root-bus hotplug is ACPI PCI hotplug: give the guest <features><acpi/></features> (next boot), or add a pci-bridge (SHPC hotplug works without ACPI)",
                    LibvirtXml = "<features><acpi/></features>",
                });
        // PCI buses other than the root that QEMU takes no hotplug on (pxb); the other buses (spapr-vio, SCSI) name no PCI controller.
        var pxb = qemu.Except(acpi).Where(x => x.Verdict.Reasons.Any(r => r.Code == HotplugReasons.QemuBusNoHotplug && r.ControllerIndex is not null)).ToList();
        if (pxb.Count > 0)
        {
            var buses = pxb.SelectMany(x => x.Verdict.Reasons.Where(r => r.Code == HotplugReasons.QemuBusNoHotplug && r.ControllerIndex is not null).Select(r => r.ControllerIndex!.Value)).Distinct().Order().ToList();
            list.Add(new HotplugSuggestion
            {
                Code = "pci-bridge-on-expander",
                ForDevices = pxb.Select(x => x.Device.Id).ToList(),
                Message = $"QEMU does not hot-plug onto {string.Join(", ", buses.Select(_l.Describe))}: at the next cold plan put a pci-bridge on it (its slots are hot-pluggable and keep the NUMA node)",
                LibvirtXml = string.Join("\n", buses.Select(b => LiveLayout.Inv(
                    $"<controller type='pci' model='pci-bridge'><address type='pci' domain='0x0000' bus='0x{b:x2}' slot='0x01' function='0x0'/></controller>"))),
            });
        }

        foreach (var x in failed.Where(x => Has(x, HotplugReasons.BarWindow) || Has(x, HotplugReasons.IoWindow)))
            list.Add(ReserveSuggestion(x.Device, x.Verdict));

        var usb = failed.Where(x => Has(x, HotplugReasons.NoUsbPort)).ToList();
        if (usb.Count > 0)
            list.Add(new HotplugSuggestion
            {
                Code = "usb-ports",
                ForDevices = usb.Select(x => x.Device.Id).ToList(),
                Message = "at the next cold plan give the USB controller more ports (qemu-xhci: ports up to 15) or add a USB hub (8 ports); libvirt adds neither at hotplug",
                LibvirtXml = "<controller type='usb' model='qemu-xhci' ports='15'/>\n<hub type='usb'/>",
            });
        var serial = failed.Where(x => Has(x, HotplugReasons.NoVirtioSerialController) || Has(x, HotplugReasons.NoVirtioSerialPort)).ToList();
        if (serial.Count > 0)
            list.Add(new HotplugSuggestion
            {
                Code = "virtio-serial-ports",
                ForDevices = serial.Select(x => x.Device.Id).ToList(),
                Message = "at the next cold plan add a virtio-serial controller (31 ports) or raise its ports; libvirt never hot-plugs one",
                LibvirtXml = "<controller type='virtio-serial' ports='31'/>",
            });
        var scsi = _done.Where(x => Has(x, HotplugReasons.ScsiController)).ToList();
        if (scsi.Count > 0)
            list.Add(new HotplugSuggestion
            {
                Code = "scsi-controller",
                ForDevices = scsi.Select(x => x.Device.Id).ToList(),
                Message = "add the SCSI controller(s) at the next cold plan (a virtio-scsi controller takes 16384 units); at hotplug libvirt adds them only where a free hot-pluggable PCI place exists",
                LibvirtXml = "<controller type='scsi' model='virtio-scsi'/>",
            });
        foreach (var x in _done.Where(x => !x.Verdict.Feasible))
        {
            if (VirtioInstead(x.Device, x.Verdict) is not var (what, xml)) continue;
            list.Add(new HotplugSuggestion
            {
                Code = "virtio-model",
                Now = true,
                ForDevices = [x.Device.Id],
                Message = $"QEMU on {_l.Machine.Name} does not take '{x.Device.Id}' ({LiveLayout.DescribeDevice(x.Device)}) live: hot-plug {what} instead",
                LibvirtXml = xml,
            });
        }

        var memory = failed.Where(x => Has(x, HotplugReasons.NoMemorySlot)).ToList();
        if (memory.Count > 0)
            list.Add(new HotplugSuggestion
            {
                Code = "memory-slots",
                ForDevices = memory.Select(x => x.Device.Id).ToList(),
                Message = "raise the guest's memory slots (<maxMemory slots='N'>) at the next cold boot",
            });
        return list;
    }

    /// <summary>"attach with this address": a free PCI slot (with free zPCI ids on s390x) or a free CCW device number.</summary>
    private HotplugSuggestion AttachAddress(Device d, HotplugVerdict v, DeviceAddress a)
    {
        string instead = d.Address is null ? "" : $" instead of {d.Address}";
        if (a is CcwAddress c)
            return new HotplugSuggestion
            {
                Code = "attach-address",
                Now = true,
                ForDevices = [d.Id],
                Message = $"attach '{d.Id}' at a free CCW device number{instead}: {c} (or without an address: libvirt takes the lowest free one)",
                LibvirtXml = LiveLayout.Inv($"<address type='ccw' cssid='0x{c.Cssid:x2}' ssid='0x{c.Ssid:x}' devno='0x{c.Devno:x4}'/>"),
            };
        var p = (PciAddress)a;
        string zpci = p.Zpci is { } ids ? LiveLayout.Inv($"<zpci uid='0x{ids.Uid:x4}' fid='0x{ids.Fid:x8}'/>") : "";
        string xml = LiveLayout.Inv($"<address type='pci' domain='0x{p.Domain:x4}' bus='0x{p.Bus:x2}' slot='0x{p.Slot:x2}' function='0x0'") +
                     (zpci.Length == 0 ? "/>" : $">{zpci}</address>");
        return new HotplugSuggestion
        {
            Code = "attach-address",
            Now = true,
            ForDevices = [d.Id],
            Message = p.Zpci is not null
                ? $"attach '{d.Id}' with free zPCI ids instead of {ZpciText((d.Address as PciAddress)?.Zpci)}: {p.Zpci} at {p} on {_l.Describe(p.Bus)} (or without zPCI ids: libvirt takes the lowest free ones)"
                : v.Address is null && d.Address is PciAddress given
                    ? $"attach '{d.Id}' at a hot-pluggable place instead of {given}: {p} on {_l.Describe(p.Bus)} (or without an address)"
                    : $"attach '{d.Id}' with an explicit address on {_l.Describe(p.Bus)}: {p} (libvirt's own choice {v.Address} does not work)",
            LibvirtXml = xml,
        };
    }

    private static string ZpciText(ZpciIds? z) =>
        string.Join(" ", new[] { z?.Uid is int u ? LiveLayout.Inv($"uid=0x{u:x4}") : null, z?.Fid is long f ? LiveLayout.Inv($"fid=0x{f:x8}") : null }.OfType<string>());

    /// <summary>
    /// The model to hot-plug instead of one QEMU refuses on this machine (a spapr-vio NIC or SCSI controller on
    /// pseries, an emulated NIC on s390x), with its XML; null for other devices.
    /// </summary>
    private (string What, string Xml)? VirtioInstead(Device d, HotplugVerdict v)
    {
        bool Has(string code) => v.Reasons.Any(r => r.Code == code);
        bool refused = Has(HotplugReasons.QemuDeviceRefused)
                       || (_l.Rule(d)?.Attach == "spapr-vio" && Has(HotplugReasons.QemuBusNoHotplug))
                       || (v.Address is DriveAddress a && _l.ScsiBusRefusal(a.Controller) is not null && Has(HotplugReasons.QemuBusNoHotplug));
        if (!refused) return null;
        if (d.Kind == "interface") return ("a virtio NIC (same source, <model type='virtio'/>)", "<model type='virtio'/>");
        if (d.Kind == "controller" && d.Type == "scsi") return ("a virtio-scsi controller", "<controller type='scsi' model='virtio-scsi'/>");
        if (d.Kind == "disk" && d.Bus == "scsi")
        {
            int index = _l.Devices.Where(c => c.Kind == "controller" && c.Type == "scsi").Select(c => (c.Index ?? 0) + 1).DefaultIfEmpty(0).Max();
            return (LiveLayout.Inv($"a virtio-scsi controller first (index {index}), then the disk with a drive address on it"),
                LiveLayout.Inv($"<controller type='scsi' index='{index}' model='virtio-scsi'/>\n<address type='drive' controller='{index}' bus='0' target='0' unit='0'/>"));
        }
        return null;
    }

    /// <summary>PCI Express models of the same device kind (from the catalog), for devices that need a conventional PCI slot.</summary>
    private string PcieModels(IEnumerable<Device> devices)
    {
        var kinds = devices.Where(d => d.Kind != "hostdev").Select(d => d.Kind).Distinct().ToList();
        var models = _l.Catalog.DeviceRules
            .Where(r => kinds.Contains(r.Kind) && r.Connect is "pcie" or "virtio" && r.Model is not (null or "-" or "*") && r.Type is null && r.Bus is null)
            .Select(r => r.Model!)
            .Distinct()
            .ToList();
        return string.Join(", ", models);
    }

    /// <summary>
    /// A PCI controller for the next cold plan, indexed after the layout's controllers (a request that lists its
    /// PCI controllers can take it as is; one without would give an index-less controller index 0, which libvirt
    /// and the planner reserve for the root).
    /// </summary>
    private Device NewController(string id, string model, int offset) => new()
    {
        Id = id,
        Kind = "controller",
        Type = "pci",
        Model = model,
        Index = (_l.PciControllers.Count == 0 ? 0 : _l.PciControllers.Keys.Max()) + offset,
    };

    private static long NextPow2(long v)
    {
        long p = 1;
        while (p < v) p <<= 1;
        return p;
    }

    /// <summary>Window reserves that would let the device's BARs fit a port (or bridge) at the next cold plan.</summary>
    private HotplugSuggestion ReserveSuggestion(Device d, HotplugVerdict v)
    {
        var need = Demand.Of(_l.BarsOf(d));
        var props = new List<(string Name, long Bytes)>();
        if (need.Pref > 0) props.Add(("pref64-reserve", Math.Max(2L << 20, NextPow2(need.Pref))));
        if (need.Mem > 2L << 20) props.Add(("mem-reserve", NextPow2(need.Mem)));
        if (need.Io > 0) props.Add(("io-reserve", Math.Max(4096, NextPow2(need.Io))));
        var bus = v.Address is PciAddress a ? a.Bus : -1;
        bool onPort = bus >= 0 && _l.IsPort(bus);
        bool onRoot = bus >= 0 && _l.IsHostBridge(bus);
        string what = string.Join(", ", props.Select(p => $"{p.Name} {Windows.Mib(p.Bytes)}"));
        if (onRoot)
        {
            long hole = NextPow2(Math.Max(need.Pref, 1L << 31) * 2);
            return new HotplugSuggestion
            {
                Code = "pci-hole64",
                ForDevices = [d.Id],
                Message = $"the root bus's 64-bit PCI hole is too small for '{d.Id}': enlarge it at the next cold boot (QEMU {(_l.Machine.IsPcie ? "q35-pcihost" : "i440FX-pcihost")}.pci-hole64-size={Windows.Mib(hole)}), or plug the device into a pcie-root-port with {what} on q35",
                LibvirtXml = LiveLayout.Inv($"<domain type='kvm' {QemuNs}>\n  <qemu:commandline>\n    <qemu:arg value='-global'/>\n    <qemu:arg value='{(_l.Machine.IsPcie ? "q35-pcihost" : "i440FX-pcihost")}.pci-hole64-size={hole}'/>\n  </qemu:commandline>\n</domain>"),
            };
        }
        bool legacy = _done.Concat(_nested).Any(x => x.Device.Id == d.Id && (x.Flags & ConnectFlags.PciDevice) != 0);
        bool portKind = _l.Machine.IsPcie && !legacy;
        string alias = onPort ? LiveLayout.Inv($"pci.{bus}") : $"ua-hotplug-{d.Id}";
        string properties = string.Join("\n", props.Select(p => LiveLayout.Inv(
            $"        <qemu:property name='{p.Name}' type='unsigned' value='{p.Bytes}'/>")));
        string controllerXml = onPort ? "" : portKind
            ? $"<controller type='pci' model='pcie-root-port'><alias name='{alias}'/></controller>\n"
            : $"<controller type='pci' model='pci-bridge'><alias name='{alias}'/></controller>\n";
        string target = onPort ? _l.Describe(bus) : portKind ? "a new pcie-root-port"
            : _l.Machine.IsPcie ? "a new pci-bridge (QEMU's pci-bridge takes the same reserves, pcie-pci-bridge none; libvirt puts it on a pcie-to-pci-bridge), then attach with an address on it"
            : "a new pci-bridge, then attach with an address on it";
        string why = v.Reasons.Any(r => r.Code == HotplugReasons.IoWindow) && props.Count == 1 && props[0].Name == "io-reserve"
            ? "an I/O window"
            : $"windows for its BARs ({Windows.Mib(need.Mem)} memory, {Windows.Mib(need.Pref)} prefetchable, {need.Io} B I/O)";
        return new HotplugSuggestion
        {
            Code = need.Pref > 0 ? "pref64-reserve" : need.Mem > 2L << 20 ? "mem-reserve" : "io-reserve",
            ForDevices = [d.Id],
            Message = $"'{d.Id}' needs {why}: at the next cold plan reserve {what} on {target} (QEMU properties, set through libvirt's <qemu:override>; no tunable of the optimizing policy reserves windows)"
                      + (v.Reasons.Any(r => r.Code == HotplugReasons.IoWindow && r.Message.Contains("used up", StringComparison.Ordinal))
                          ? "; the I/O space is used up: set io-reserve=0 on ports that hold PCI Express devices to free it"
                          : ""),
            Devices = onPort ? null : [NewController(alias, portKind ? "pcie-root-port" : "pci-bridge", 1)],
            LibvirtXml = $"<domain type='kvm' {QemuNs}>\n  <devices>\n    {controllerXml.TrimEnd('\n')}\n  </devices>\n  <qemu:override>\n    <qemu:device alias='{alias}'>\n      <qemu:frontend>\n{properties}\n      </qemu:frontend>\n    </qemu:device>\n  </qemu:override>\n</domain>".Replace("<devices>\n    \n  </devices>\n  ", "", StringComparison.Ordinal),
        };
    }
}
