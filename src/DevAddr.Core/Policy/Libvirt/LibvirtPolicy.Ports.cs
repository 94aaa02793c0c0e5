using System.Globalization;
using DevAddr.Core.Model;

namespace DevAddr.Core.Policy.Libvirt;

internal sealed partial class LibvirtPolicy
{
    private const int HubPorts = 8;
    private const int MaxUsbDepth = 4;

    /// <summary>
    /// virtio-serial ports (qemuDomainAssignVirtioSerialAddresses): complete addresses (port ≠ 0) of channels and
    /// consoles are reserved first. A virtio console whose address leaves the port open (0) then takes the next
    /// free port ≥ 1 of controller 0 while keeping its own address, as libvirt 9.0 does; consoles without an
    /// address get none. Channels take the lowest free port ≥ 1 of the controller their address names, or else
    /// of the first controller (by index) that has one, adding a controller with the lowest unused index when all
    /// are full.
    /// </summary>
    private void AssignVirtioSerialPorts()
    {
        var channels = _devices.FindAll(static d => d.Kind == "channel" && d.Rule.Attach == "virtio-serial");
        var consoles = _devices.FindAll(static d => d.Kind == "console" && d.Type == "virtio");
        var used = new Dictionary<int, HashSet<int>>();
        HashSet<int> Used(int controller) => used.TryGetValue(controller, out var s) ? s : used[controller] = [];
        int Ports(WorkDevice c) => c.Controller?.Ports ?? c.Rule.SerialPorts ?? 31;

        // The channels, then the consoles.
        for (int k = 0; k < channels.Count + consoles.Count; k++)
        {
            var d = k < channels.Count ? channels[k] : consoles[k - channels.Count];
            if (d.Address is not VirtioSerialAddress { Port: > 0 } a) continue;
            var cont = FindController("virtio-serial", a.Controller)
                ?? throw Error(ErrorCodes.AddressConflict, $"virtio serial controller {a.Controller} is missing", d, "virtio-serial-controller-exists");
            if (a.Port >= Ports(cont))
                throw Error(ErrorCodes.AddressConflict, $"virtio serial controller {a.Controller} does not have port {a.Port}", d, "virtio-serial-port-range");
            // libvirt defines a port on another bus; QEMU has bus 0 only and cannot start the guest (checked live).
            if (a.Bus != 0)
                throw Error(ErrorCodes.AddressConflict,
                    $"virtio-serial address {a.Controller}:{a.Bus}:{a.Port} names bus {a.Bus}; a virtio-serial controller has bus 0 only (libvirt defines the guest, but QEMU cannot start it: Bus 'virtio-serial{a.Controller}.{a.Bus}' not found); give bus 0",
                    d, "virtio-serial-port-range");
            if (!Used(a.Controller).Add(a.Port))
                throw Error(ErrorCodes.AddressConflict, $"virtio serial port {a.Port} on controller {a.Controller} is already occupied", d, "virtio-serial-port-unique");
        }

        int FreePort(WorkDevice cont)
        {
            var set = Used(cont.Idx);
            for (int p = 1; p < Ports(cont); p++)
                if (!set.Contains(p)) return p;
            return -1;
        }

        int PortOn(int controller, WorkDevice d)
        {
            var cont = FindController("virtio-serial", controller)
                ?? throw Error(ErrorCodes.AddressConflict, $"virtio-serial controller {controller} not available", d, "virtio-serial-controller-exists");
            int port = FreePort(cont);
            if (port < 0)
                throw Error(ErrorCodes.NoSpace, $"Unable to find a free port on virtio-serial controller {controller}", d, "virtio-serial-free-port");
            Used(controller).Add(port);
            return port;
        }

        foreach (var console in consoles)
            if (console.Address is VirtioSerialAddress { Port: 0 }) PortOn(0, console);

        foreach (var ch in channels)
        {
            if (ch.Address is VirtioSerialAddress { Port: > 0 }) continue;
            if (ch.Address is VirtioSerialAddress given)
            {
                ch.Address = new VirtioSerialAddress(given.Controller, 0, PortOn(given.Controller, ch));
                continue;
            }
            WorkDevice? target = null;
            int free = -1;
            // The controller of lowest index with a free port (indexes are unique).
            foreach (var cont in ControllersOf("virtio-serial"))
            {
                if (target is not null && cont.Idx >= target.Idx) continue;
                int port = FreePort(cont);
                if (port >= 0) (target, free) = (cont, port);
            }
            if (target is null)
            {
                var usedIdx = ControllersOf("virtio-serial").Select(c => c.Idx).ToHashSet();
                int idx = 0;
                while (usedIdx.Contains(idx)) idx++;
                target = MaybeAddController("virtio-serial", idx, null, "every virtio-serial port was taken");
                target.Rule = _catalog.Resolve("controller", "virtio-serial", null, null)!;
                target.PciFlags = _machine.IsPcie ? Topology.ConnectFlags.PcieDevice | Topology.ConnectFlags.AutoAssign
                                                  : Topology.ConnectFlags.PciDevice | Topology.ConnectFlags.AutoAssign;
                free = 1;
            }
            Used(target.Idx).Add(free);
            ch.Address = new VirtioSerialAddress(target.Idx, 0, free);
        }
    }

    /// <summary>Memory DIMMs take the lowest free slot.</summary>
    private void AssignDimmSlots()
    {
        var dimms = _devices.FindAll(static d => d.Rule.Attach == "dimm");
        var used = new HashSet<int>();
        foreach (var d in dimms)
        {
            if (d.Address is DimmAddress a && !used.Add(a.Slot))
                throw Error(ErrorCodes.AddressConflict, $"memory device slot '{a.Slot}' is already being used by another memory device", d, "dimm-slot-unique");
        }
        foreach (var d in dimms.Where(d => d.Address is null))
        {
            int limit = _request.MemorySlots ?? 0;
            int slot = Enumerable.Range(0, limit).FirstOrDefault(s => !used.Contains(s), -1);
            if (slot < 0)
                throw Error(ErrorCodes.NoSpace, "failed to find an empty memory slot", d, "dimm-free-slot");
            used.Add(slot);
            d.Address = new DimmAddress(slot);
        }
    }

    private sealed class UsbHub(int ports)
    {
        public bool[] Used { get; } = new bool[ports];
        public UsbHub?[] Children { get; } = new UsbHub?[ports];
    }

    /// <summary>USB ports: hubs are added when devices outnumber ports; explicit ports are kept; the rest take the first free port.</summary>
    private void AssignUsbAddresses()
    {
        var usbDevices = new List<WorkDevice>();
        foreach (var category in _rules.UsbCategoryOrder)
        {
            if (category == "controller")
            {
                foreach (var c in _controllers)
                    if (c.Rule.Attach == "usb") usbDevices.Add(c);
            }
            else
            {
                foreach (var d in OfKind(category))
                    if (d.Rule.Attach == "usb") usbDevices.Add(d);
            }
        }
        int RootPorts(WorkDevice c) => c.Controller?.Ports ?? c.Rule.UsbPorts ?? 0;
        // Like libvirt, controllers without ports (the ICH9 UHCI companions of an EHCI1) give no bus of their own.
        var controllers = ControllersOf("usb").Where(c => c.Model != "none" && RootPorts(c) > 0).ToList();
        if (controllers.Count > 1) controllers = [.. controllers.OrderBy(c => c.Idx)];
        // A USB2 companion (or any controller given a <master>) needs its master, the ich9-ehci1 at its index.
        bool IsMaster(WorkDevice c) => c.Rule.CompanionFunction is not null && RootPorts(c) > 0;
        var orphan = ControllersOf("usb").FirstOrDefault(c =>
            (c.Controller?.MasterStartPort is not null || (c.Rule.CompanionFunction is not null && !IsMaster(c))) &&
            !ControllersOf("usb").Any(m => m.Idx == c.Idx && IsMaster(m)));
        if (orphan is not null)
            throw Error(ErrorCodes.InvalidInput, "No master USB controller specified", orphan, "usb-companion-master");
        foreach (var dup in controllers.GroupBy(c => c.Idx).Where(g => g.Count() > 1))
            throw Error(ErrorCodes.AddressConflict, $"Duplicate USB controllers with index {dup.Key}", dup.Skip(1).First(), "usb-controller-unique");
        if (controllers.Count == 0)
        {
            if (usbDevices.Count > 0 || OfKind("hub").Any(h => h.Rule.Attach == "usb-hub"))
                throw Error(ErrorCodes.InvalidInput, "USB is disabled for this domain, but USB devices are present in the domain XML",
                    usbDevices.FirstOrDefault() ?? OfKind("hub").First(), "usb-enabled");
            return;
        }

        foreach (var c in controllers)
        {
            if (c.Rule.MaxUsbPorts is int max && c.Controller?.Ports is int p && p > max)
                throw Error(ErrorCodes.InvalidInput, $"'{c.Model}' controller only supports up to '{max}' ports", c, "usb-port-count");
        }

        // Hubs count as devices too: each takes a port as well as providing eight.
        int existingHubs = OfKind("hub").Count(h => h.Rule.Attach == "usb-hub");
        int devicesCount = usbDevices.Count + existingHubs;
        int available = controllers.Sum(RootPorts) + HubPorts * existingHubs;
        if (devicesCount > available)
        {
            int needed = (devicesCount - available + 1 + HubPorts - 2) / (HubPorts - 1);
            for (int i = 0; i < needed; i++)
            {
                var hub = AddDevice("hub", "hub", "more USB devices than USB ports", type: "usb");
                hub.Rule = _catalog.Resolve("hub", "usb", null, null)!;
            }
        }

        var roots = controllers.ToDictionary(c => c.Idx, c => new UsbHub(RootPorts(c)));
        var hubs = OfKind("hub").Where(h => h.Rule.Attach == "usb-hub").ToList();

        (UsbHub hub, int port) Locate(WorkDevice d, UsbAddress a)
        {
            if (!roots.TryGetValue(a.Bus, out var hub))
                throw Error(ErrorCodes.AddressConflict, $"Missing USB bus {a.Bus}", d, "usb-bus-exists");
            var path = ParsePortPath(a.Port, d);
            for (int level = 0; level < path.Length - 1; level++)
            {
                int p = path[level];
                if (p > hub.Children.Length || hub.Children[p - 1] is null)
                    throw Error(ErrorCodes.AddressConflict, $"there is no hub at port {p} in USB address bus: {a.Bus} port: {a.Port}", d, "usb-hub-exists");
                hub = hub.Children[p - 1]!;
            }
            int last = path[^1];
            if (last > hub.Used.Length)
                throw Error(ErrorCodes.AddressConflict, $"requested USB port {a.Port} not present on USB bus {a.Bus}", d, "usb-port-range");
            return (hub, last - 1);
        }

        void Reserve(WorkDevice d, UsbAddress a, bool isHub)
        {
            var (hub, port) = Locate(d, a);
            if (hub.Used[port])
                throw Error(ErrorCodes.AddressConflict, $"Duplicate USB address bus {a.Bus} port {a.Port}", d, "usb-address-unique");
            hub.Used[port] = true;
            if (isHub) hub.Children[port] = new UsbHub(HubPorts);
        }

        foreach (var h in hubs.Where(h => h.Address is UsbAddress { Port.Length: > 0 }).OrderBy(h => ((UsbAddress)h.Address!).Port.Length))
            Reserve(h, (UsbAddress)h.Address!, isHub: true);
        foreach (var d in usbDevices.Where(d => d.Address is UsbAddress { Port.Length: > 0 }))
            Reserve(d, (UsbAddress)d.Address!, isHub: false);

        void Assign(WorkDevice d, bool isHub)
        {
            IEnumerable<WorkDevice> candidates = controllers;
            if (d.Address is UsbAddress { Port: "" } wanted)
            {
                candidates = controllers.Where(c => c.Idx == wanted.Bus).ToList();
                if (!candidates.Any())
                    throw Error(ErrorCodes.AddressConflict, $"USB bus {wanted.Bus} requested but no controller with that index is present", d, "usb-bus-exists");
            }
            foreach (var c in candidates)
            {
                var path = new int[MaxUsbDepth];
                int level = FindFreePort(roots[c.Idx], path, 0);
                if (level < 0) continue;
                var hub = roots[c.Idx];
                for (int l = 0; l < level; l++) hub = hub.Children[path[l] - 1]!;
                hub.Used[path[level] - 1] = true;
                if (isHub) hub.Children[path[level] - 1] = new UsbHub(HubPorts);
                d.Address = new UsbAddress(c.Idx, PortPath(path, level + 1));
                return;
            }
            throw Error(ErrorCodes.NoSpace, "No free USB ports", d, "usb-free-port");
        }

        // Devices with an address of another kind are left alone (validation rejects e.g. a USB disk with a drive address).
        foreach (var h in hubs.Where(h => h.Address is null or UsbAddress { Port.Length: 0 }))
            Assign(h, isHub: true);
        foreach (var d in usbDevices.Where(d => d.Address is null or UsbAddress { Port.Length: 0 }))
            Assign(d, isHub: false);
    }

    /// <summary>A USB port path as libvirt writes it ("1", "1.2"); a port of the root hub is a string made once.</summary>
    private static string PortPath(int[] path, int levels) =>
        levels == 1 && path[0] >= 0 && path[0] < s_portNames.Length
            ? s_portNames[path[0]]
            : string.Join('.', path.Take(levels).Select(p => p.ToString(CultureInfo.InvariantCulture)));

    private static readonly string[] s_portNames = [.. Enumerable.Range(0, 32).Select(p => p.ToString(CultureInfo.InvariantCulture))];

    private static int FindFreePort(UsbHub hub, int[] path, int level)
    {
        for (int i = 0; i < hub.Used.Length; i++)
        {
            if (!hub.Used[i])
            {
                path[level] = i + 1;
                return level;
            }
        }
        if (level >= MaxUsbDepth - 1) return -1;
        for (int i = 0; i < hub.Children.Length; i++)
        {
            if (hub.Children[i] is not { } child) continue;
            int found = FindFreePort(child, path, level + 1);
            if (found >= 0)
            {
                path[level] = i + 1;
                return found;
            }
        }
        return -1;
    }

    private int[] ParsePortPath(string port, WorkDevice d)
    {
        var parts = port.Split('.');
        var result = new int[parts.Length];
        if (parts.Length > MaxUsbDepth)
            throw Error(ErrorCodes.InvalidInput, $"USB port '{port}' is nested deeper than {MaxUsbDepth} levels", d, "usb-port-path");
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out result[i]) || result[i] < 1)
                throw Error(ErrorCodes.InvalidInput, $"Cannot parse USB port '{port}'", d, "usb-port-path");
        }
        return result;
    }
}
