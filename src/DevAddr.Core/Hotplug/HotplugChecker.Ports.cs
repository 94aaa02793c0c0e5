using System.Globalization;
using DevAddr.Core.Catalog;
using DevAddr.Core.Model;
using DevAddr.Core.Policy.Libvirt;
using DevAddr.Core.Topology;

namespace DevAddr.Core.Hotplug;

/// <summary>Non-PCI hotplug: USB ports, virtio-serial ports, SCSI drive addresses (with the SCSI controllers libvirt hot-plugs), DIMM slots.</summary>
internal sealed partial class HotplugChecker
{
    private const int HubPorts = 8;
    private const int MaxUsbDepth = 4;

    private readonly List<(Device Device, HotplugVerdict Verdict, ConnectFlags Flags, DeviceAddress? Alternative)> _nested = [];

    private static HotplugReason Reason(string code, string layer, string message) => new() { Code = code, Layer = layer, Message = message };

    private static (HotplugVerdict Verdict, Device Placed) Fail(Device d, HotplugVerdict v, HotplugReason reason, string? libvirtError) =>
        (v with { Reasons = [reason], LibvirtError = libvirtError }, d);

    // ---- USB ----

    private sealed class UsbNode(int ports)
    {
        public bool[] Used { get; } = new bool[ports];
        public UsbNode?[] Children { get; } = new UsbNode?[ports];
    }

    private (HotplugVerdict Verdict, Device Placed) CheckUsb(Device d, HotplugVerdict v)
    {
        var controllers = _l.Devices.Where(c => c.Kind == "controller" && c.Type == "usb" && c.Model != "none")
            .GroupBy(c => c.Index ?? 0).OrderBy(g => g.Key).ToList();
        // virDomainDefCompatibleDevice: a guest without a USB controller (or with model none only) takes no USB device.
        if (controllers.Count == 0)
            return Fail(d, v, Reason(HotplugReasons.NoUsbPort, HotplugLayers.Libvirt,
                "the guest has no USB controller, and libvirt hot-plugs none"), "Device configuration is not compatible: Domain has no USB bus support");

        var roots = new SortedDictionary<int, UsbNode>();
        foreach (var g in controllers)
            roots[g.Key] = new UsbNode(g.Sum(c => c.Controller?.Ports ?? _l.Catalog.Resolve("controller", "usb", null, c.Model)?.UsbPorts ?? 0));

        UsbNode? Locate(UsbAddress a, out int port)
        {
            port = -1;
            if (!roots.TryGetValue(a.Bus, out var node)) return null;
            var parts = a.Port.Split('.');
            if (parts.Length > MaxUsbDepth) return null;
            for (int level = 0; level < parts.Length; level++)
            {
                if (!int.TryParse(parts[level], NumberStyles.None, CultureInfo.InvariantCulture, out int p) || p < 1 || p > node.Used.Length) return null;
                if (level == parts.Length - 1)
                {
                    port = p - 1;
                    return node;
                }
                node = node.Children[p - 1];
                if (node is null) return null;
            }
            return null;
        }

        var hubs = _l.Devices.Where(h => _l.Rule(h)?.Attach == "usb-hub" && h.Address is UsbAddress { Port.Length: > 0 })
            .OrderBy(h => ((UsbAddress)h.Address!).Port.Length).ToList();
        foreach (var h in hubs)
        {
            var node = Locate((UsbAddress)h.Address!, out int p);
            if (node is null) continue;
            node.Used[p] = true;
            node.Children[p] = new UsbNode(HubPorts);
        }
        foreach (var o in _l.Devices.Where(o => !hubs.Contains(o) && o.Address is UsbAddress { Port.Length: > 0 }))
        {
            var node = Locate((UsbAddress)o.Address!, out int p);
            if (node is not null) node.Used[p] = true;
        }

        if (d.Address is UsbAddress { Port.Length: > 0 } want)
        {
            var node = Locate(want, out int p);
            if (node is null)
                return Fail(d, v, Reason(HotplugReasons.AddressInvalid, HotplugLayers.Libvirt,
                    $"USB address bus {want.Bus} port {want.Port} does not exist (no such controller, hub or port)"), null);
            if (node.Used[p])
                return Fail(d, v, Reason(HotplugReasons.AddressInvalid, HotplugLayers.Libvirt,
                    $"Duplicate USB address bus {want.Bus} port {want.Port}"), $"Duplicate USB address bus {want.Bus} port {want.Port}");
            return (v with { Address = want, Place = LiveLayout.Inv($"USB controller {want.Bus}") }, d);
        }

        IEnumerable<int> candidates = roots.Keys;
        if (d.Address is UsbAddress { Port: "" } bus)
            candidates = roots.Keys.Where(k => k == bus.Bus);
        foreach (int idx in candidates)
        {
            var path = new int[MaxUsbDepth];
            int level = FindFreePort(roots[idx], path, 0);
            if (level < 0) continue;
            var a = new UsbAddress(idx, string.Join('.', path.Take(level + 1).Select(p => p.ToString(CultureInfo.InvariantCulture))));
            return (v with { Address = a, Place = LiveLayout.Inv($"USB controller {idx}") }, d with { Address = a });
        }
        int total = roots.Values.Sum(CountPorts);
        return Fail(d, v, Reason(HotplugReasons.NoUsbPort, HotplugLayers.Libvirt,
            LiveLayout.Inv($"No free USB ports: the {roots.Count} USB controller(s) and {hubs.Count} hub(s) have {total} ports, all taken; libvirt adds no hub at hotplug")),
            "No free USB ports");
    }

    private static int CountPorts(UsbNode n) => n.Used.Length + n.Children.Where(c => c is not null).Sum(c => CountPorts(c!));

    /// <summary>libvirt's search: the ports of a hub first, then depth-first through its child hubs.</summary>
    private static int FindFreePort(UsbNode hub, int[] path, int level)
    {
        for (int i = 0; i < hub.Used.Length; i++)
        {
            if (hub.Used[i]) continue;
            path[level] = i + 1;
            return level;
        }
        if (level >= MaxUsbDepth - 1) return -1;
        for (int i = 0; i < hub.Children.Length; i++)
        {
            if (hub.Children[i] is not { } child) continue;
            int found = FindFreePort(child, path, level + 1);
            if (found < 0) continue;
            path[level] = i + 1;
            return found;
        }
        return -1;
    }

    // ---- virtio-serial ----

    private List<Device> VirtioSerialControllers() =>
        _l.Devices.Where(c => c.Kind == "controller" && c.Type == "virtio-serial").OrderBy(c => c.Index ?? 0).ToList();

    private (HotplugVerdict Verdict, Device Placed) CheckVirtioConsole(Device d, HotplugVerdict v) =>
        VirtioSerialControllers().Count == 0
            ? Fail(d, v, Reason(HotplugReasons.NoVirtioSerialController, HotplugLayers.Libvirt,
                "the guest has no virtio-serial controller, and libvirt hot-plugs none"), "no virtio-serial controllers are available")
            : (v with { Place = "virtio-serial controller" }, d);

    private (HotplugVerdict Verdict, Device Placed) CheckVirtioSerial(Device d, HotplugVerdict v)
    {
        var controllers = VirtioSerialControllers();
        if (controllers.Count == 0)
            return Fail(d, v, Reason(HotplugReasons.NoVirtioSerialController, HotplugLayers.Libvirt,
                "the guest has no virtio-serial controller, and libvirt hot-plugs none"), "no virtio-serial controllers are available");
        int Ports(Device c) => c.Controller?.Ports ?? _l.Rule(c)?.SerialPorts ?? 31;
        var used = _l.Devices.Select(o => o.Address).OfType<VirtioSerialAddress>().Select(a => (a.Controller, a.Port)).ToHashSet();

        if (d.Address is VirtioSerialAddress { Port: > 0 } want)
        {
            var c = controllers.FirstOrDefault(c => (c.Index ?? 0) == want.Controller);
            string? problem = c is null ? $"virtio serial controller {want.Controller} is missing"
                : want.Port >= Ports(c) ? $"virtio serial controller {want.Controller} does not have port {want.Port}"
                : used.Contains((want.Controller, want.Port)) ? $"virtio serial port {want.Port} on controller {want.Controller} is already occupied"
                : null;
            return problem is null
                ? (v with { Address = want, Place = LiveLayout.Inv($"virtio-serial controller {want.Controller}") }, d)
                : Fail(d, v, Reason(HotplugReasons.AddressInvalid, HotplugLayers.Libvirt, problem), problem);
        }
        IEnumerable<Device> candidates = d.Address is VirtioSerialAddress only ? controllers.Where(c => (c.Index ?? 0) == only.Controller) : controllers;
        foreach (var c in candidates)
        {
            int idx = c.Index ?? 0;
            for (int p = 1; p < Ports(c); p++)
            {
                if (used.Contains((idx, p))) continue;
                var a = new VirtioSerialAddress(idx, 0, p);
                return (v with { Address = a, Place = LiveLayout.Inv($"virtio-serial controller {idx}") }, d with { Address = a });
            }
        }
        int next = controllers.Max(c => c.Index ?? 0) + 1;
        return Fail(d, v, Reason(HotplugReasons.NoVirtioSerialPort, HotplugLayers.Libvirt,
            LiveLayout.Inv($"every port of the {controllers.Count} virtio-serial controller(s) is taken ({string.Join(", ", controllers.Select(c => LiveLayout.Inv($"controller {c.Index ?? 0}: ports 1-{Ports(c) - 1}")))}); libvirt hot-plugs no virtio-serial controller")),
            LiveLayout.Inv($"Device alias was not set for virtio-serial controller with index {next}"));
    }

    // ---- DIMM ----

    private (HotplugVerdict Verdict, Device Placed) CheckDimm(Device d, HotplugVerdict v)
    {
        var used = _l.Devices.Select(o => o.Address).OfType<DimmAddress>().Select(a => a.Slot).ToHashSet();
        int? limit = _l.Options.MemorySlots;
        if (d.Address is DimmAddress given)
        {
            if (used.Contains(given.Slot) || (limit is int l && given.Slot >= l))
                return Fail(d, v, Reason(HotplugReasons.AddressInvalid, HotplugLayers.Libvirt,
                    LiveLayout.Inv($"memory slot {given.Slot} is {(used.Contains(given.Slot) ? "taken" : $"beyond the guest's {limit} slots")}")), null);
            return (v with { Address = given, Place = "memory slots" }, d);
        }
        if (limit is null)
            _assumptions.Add("the layout does not say how many memory slots the guest has (maxMemory slots): DIMMs take the lowest free slot without a limit");
        int slot = 0;
        while (used.Contains(slot)) slot++;
        if (limit is int max && slot >= max)
            return Fail(d, v, Reason(HotplugReasons.NoMemorySlot, HotplugLayers.Libvirt,
                LiveLayout.Inv($"all {max} memory slots are taken")), null);
        var a = new DimmAddress(slot);
        return (v with { Address = a, Place = "memory slots" }, d with { Address = a });
    }

    // ---- SCSI ----

    private (HotplugVerdict Verdict, Device Placed) CheckScsi(Device d, HotplugVerdict v)
    {
        bool isDisk = d.Kind == "disk";
        var addr = d.Address as DriveAddress;
        bool Taken(DriveAddress a) => _l.Devices.Any(o =>
            ((o.Kind == "disk" && o.Bus == "scsi") || (o.Kind == "hostdev" && o.Type == "scsi")) && o.Address is DriveAddress b && b == a);
        if (addr is null && isDisk)
        {
            int n = d.Target is null ? -1 : LibvirtPolicy.DiskNameToIndex(d.Target);
            if (n < 0)
            {
                string m = $"Unknown disk name '{d.Target}' and no address specified";
                return Fail(d, v, Reason(HotplugReasons.AddressInvalid, HotplugLayers.Libvirt, m), m);
            }
            addr = new DriveAddress(n / 7, 0, 0, n % 7);
        }
        if (addr is null)
        {
            for (int c = 0; addr is null; c++)
            {
                for (int u = 0; u < 7; u++)
                {
                    var probe = new DriveAddress(c, 0, 0, u);
                    if (Taken(probe)) continue;
                    addr = probe;
                    break;
                }
            }
        }
        var taken = _l.Devices.FirstOrDefault(o =>
            ((o.Kind == "disk" && o.Bus == "scsi") || (o.Kind == "hostdev" && o.Type == "scsi")) && o.Address is DriveAddress b && b == addr);
        if (taken is not null)
        {
            string m = $"drive address {addr} (controller {addr.Controller}, unit {addr.Unit}) is taken by '{taken.Id}'";
            return Fail(d, v, Reason(HotplugReasons.DriveAddressInUse, HotplugLayers.Libvirt, m), null);
        }

        var existing = _l.Devices.Where(c => c.Kind == "controller" && c.Type == "scsi").ToList();
        if (existing.FirstOrDefault(c => (c.Index ?? 0) == addr.Controller) is { } own
            && _l.Catalog.Resolve("controller", "scsi", null, own.Model) is { ScsiUnits: int units } r
            && (addr.Unit >= units || addr.Unit == r.ScsiReservedUnit))
        {
            string m = LiveLayout.Inv($"unit {addr.Unit} is not usable on SCSI controller {addr.Controller} ({own.Model})");
            return Fail(d, v, Reason(HotplugReasons.AddressInvalid, HotplugLayers.Libvirt, m), null);
        }

        // libvirt hot-plugs every missing SCSI controller 0..N, of the model of the last SCSI controller (or the default).
        string model = existing.LastOrDefault()?.Model ?? _l.Machine.DefaultScsiModel;
        var added = new List<Device>();
        var reasons = new List<HotplugReason>();
        string? error = null;
        for (int i = 0; i <= addr.Controller && reasons.Count == 0; i++)
        {
            if (_l.Devices.Any(c => c.Kind == "controller" && c.Type == "scsi" && (c.Index ?? 0) == i)) continue;
            string id = NewId($"scsi{i}");
            var controller = new Device
            {
                Id = id,
                Kind = "controller",
                Type = "scsi",
                Index = i,
                Model = model,
                Added = true,
                Reason = $"libvirt hot-plugs the SCSI controllers device '{d.Id}' needs",
            };
            var rule = _l.Rule(controller) ?? new DeviceModelRule { Kind = "controller", Connect = "pci" };
            var flags = _l.EndpointFlags(controller, rule);
            var saved = _alternative;
            _alternative = null;
            var (cv, placed) = Place(controller, rule, flags, new HotplugVerdict { DeviceId = id, Device = LiveLayout.DescribeDevice(controller) });
            cv = cv with { Feasible = cv.Reasons.Count == 0 };
            _nested.Add((controller, cv, flags, _alternative));
            _alternative = saved;
            if (!cv.Feasible)
            {
                error = cv.LibvirtError;
                reasons.AddRange(cv.Reasons.Select(x => x with
                {
                    Code = x.Code == HotplugReasons.NoFreeSlot ? HotplugReasons.ScsiController : x.Code,
                    Message = $"SCSI controller {i} ({model}), which libvirt hot-plugs first: {x.Message}",
                }));
                break;
            }
            _l.Add(placed);
            added.Add(placed);
        }
        // QEMU takes no hotplug on the SCSI bus of some controllers (pseries ibmvscsi).
        if (reasons.Count == 0 && _l.ScsiBusRefusal(addr.Controller) is { } refusal)
        {
            error = "unable to execute QEMU command 'device_add': " + refusal;
            reasons.Add(new HotplugReason
            {
                Code = HotplugReasons.QemuBusNoHotplug,
                Layer = HotplugLayers.Qemu,
                Message = LiveLayout.Inv($"libvirt attaches it at {addr} on SCSI controller {addr.Controller}, QEMU refuses: {refusal}"),
            });
        }
        if (reasons.Count > 0)
            foreach (var c in added) _l.Remove(c);
        return (v with
        {
            Address = addr,
            Place = LiveLayout.Inv($"SCSI controller {addr.Controller}"),
            AddedControllers = reasons.Count > 0 ? [] : added,
            Reasons = reasons,
            LibvirtError = error,
        }, d with { Address = addr });
    }

    private string NewId(string stem)
    {
        string id = stem;
        for (int n = 2; !_ids.Add(id); n++) id = LiveLayout.Inv($"{stem}-{n}");
        return id;
    }
}
