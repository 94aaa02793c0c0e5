using DevAddr.Core.Catalog;
using DevAddr.Core.Model;
using DevAddr.Core.Topology;

namespace DevAddr.Core.Policy.Libvirt;

// libvirt's define pipeline up to address assignment: what its parser does to the device lists
// (virDomainDefParseXML), then virDomainDefPostParse: controller indexes, the qemu default devices,
// the per-device post-parse, and virDomainDefPostParseCommon (console compatibility, implicit
// controllers and video). The validation that follows address assignment is in ValidateDefinition.
internal sealed partial class LibvirtPolicy
{
    private static readonly string[] s_diskPrefixes = ["fd", "hd", "vd", "sd", "xvd", "ubd"];

    /// <summary>More controllers of one kind than 256 PCI buses of 32 slots can hold.</summary>
    private const int MaxImpliedControllers = 256 * 32;

    /// <summary>The bus of a disk given without one, by target name prefix (virDomainDiskDefPostParse).</summary>
    private static readonly (string Prefix, string Bus)[] s_diskBusByPrefix =
        [("hd", "ide"), ("sd", "scsi"), ("vd", "virtio"), ("xvd", "xen"), ("ubd", "uml")];

    /// <summary>
    /// A disk name (hda, sdb, vdaa, sdb1) to its 0-based index, or -1 when it cannot be parsed (virDiskNameParse):
    /// a known prefix, lower-case letters read as base 26 with a=1 (no length limit; the int arithmetic wraps as
    /// in C, and a negative result is an error), then optional partition digits.
    /// </summary>
    internal static int DiskNameToIndex(string name)
    {
        string? rest = null;
        foreach (var p in s_diskPrefixes)
        {
            if (name.StartsWith(p, StringComparison.Ordinal))
            {
                rest = name[p.Length..];
                break;
            }
        }
        if (string.IsNullOrEmpty(rest) || rest[0] is < 'a' or > 'z') return -1;
        int idx = 0, i = 0;
        for (; i < rest.Length && rest[i] is >= 'a' and <= 'z'; i++)
            idx = unchecked(((idx + (i < 1 ? 0 : 1)) * 26) + (rest[i] - 'a'));
        for (int j = i; j < rest.Length; j++)
            if (!char.IsAsciiDigit(rest[j])) return -1;
        return idx < 0 ? -1 : idx;
    }

    /// <summary>Why a disk target names a partition (libvirt: sdb1 and sda01 are refused, sda0 is sda), or null.</summary>
    private static string? DiskPartitionProblem(string name)
    {
        int start = name.Length;
        while (start > 0 && char.IsAsciiDigit(name[start - 1])) start--;
        var digits = name.AsSpan(start);
        if (digits.Length > 1 && digits[0] == '0') return $"invalid disk target '{name}'";
        return digits.ContainsAnyExcept('0') ? $"invalid disk target '{name}', partitions can't appear in disk targets" : null;
    }

    /// <summary>The bus of an input given without one: PS/2 where the machine has it, virtio for passthrough, else the machine's default.</summary>
    internal static string? DefaultInputBus(MachineType machine, string? type) => type switch
    {
        _ when type is not null && machine.Ps2Inputs.Contains(type) => "ps2",
        "passthrough" => "virtio",
        "evdev" => null,
        _ => machine.DefaultInputBus,
    };

    /// <summary>The bus of a disk given without one: fdc for floppies, else by target name prefix, else IDE.</summary>
    internal static string DefaultDiskBus(string? device, string? target) =>
        device == "floppy" ? "fdc"
            : s_diskBusByPrefix.FirstOrDefault(p => target?.StartsWith(p.Prefix, StringComparison.Ordinal) == true).Bus ?? "ide";

    /// <summary>The target type of a serial: none or isa-serial means the machine's default (qemuDomainChrDefPostParse).</summary>
    internal static string? SerialTarget(MachineType machine, string? type) => type is null or "isa-serial" ? machine.DefaultSerialTarget : type;

    /// <summary>
    /// The model of a NIC (qemuDomainDeviceNetDefPostParse): the machine's default when none is given (virtio for
    /// vDPA and vhost-user whatever the machine), known model names in libvirt's spelling.
    /// </summary>
    internal static string? NicModel(DeviceCatalog catalog, MachineType machine, string? type, string? model) =>
        model is null ? (type is "vdpa" or "vhostuser" ? "virtio" : machine.DefaultNicModel) : catalog.CanonicalNicModel(model);

    // ---------------------------------------------------------------- parse

    /// <summary>
    /// What libvirt's parser does beyond reading: input buses, the primary video moved first, and the
    /// parse-time errors (two primary videos, USB devices while USB is disabled).
    /// </summary>
    private void ParseDevices()
    {
        foreach (var input in OfKind("input").Where(i => i.Bus is null))
            input.Bus = DefaultInputBus(_machine, input.Type);

        var primaries = OfKind("video").Where(v => v.Primary == true).ToList();
        if (primaries.Count > 1)
            throw Error(ErrorCodes.InvalidInput, "Only one primary video device is supported", primaries[1], "video-primary-unique");
        if (primaries.Count == 1)
        {
            int first = _devices.FindIndex(d => d.Kind == "video");
            _devices.Remove(primaries[0]);
            _devices.Insert(first, primaries[0]);
        }

        var usbControllers = ControllersOf("usb").ToList();
        if (usbControllers.Count > 1) usbControllers = [.. usbControllers.OrderBy(c => c.Order)];
        if (usbControllers.Count > 1 && usbControllers.Any(c => c.Model == "none"))
            throw Error(ErrorCodes.InvalidInput, "Can't add another USB controller: USB is disabled for this domain", usbControllers[1], "usb-enabled");
        if (usbControllers.Any(c => c.Model == "none"))
        {
            foreach (var d in _devices)
            {
                string? message = d.Kind switch
                {
                    "input" when d.Bus == "usb" => "Can't add USB input device. USB bus is disabled",
                    "hostdev" when d.Type == "usb" => "Can't add host USB device: USB is disabled in this host",
                    "hub" when d.Type == "usb" => "Can't add USB hub: USB is disabled for this domain",
                    _ => null,
                };
                if (message is not null) throw Error(ErrorCodes.InvalidInput, message, d, "usb-enabled");
            }
        }

        var unknownModels = _rules.UnknownModels;
        foreach (var d in _devices)
        {
            for (int i = 0; i < unknownModels.Count; i++)
            {
                var unknown = unknownModels[i];
                if (unknown.Kind == d.Kind && (unknown.Model is null || unknown.Model == d.Model) && (unknown.Bus is null || unknown.Bus == d.Bus))
                    throw Error(ErrorCodes.UnknownModel, unknown.Message, d, "known-model");
            }
        }

        // Console 0 of type serial is the first serial port shown again: libvirt skips it wherever devices are walked,
        // so an address it carries is only a copy of the serial's (written back from the serial).
        if (OfKind("console").FirstOrDefault() is { Type: null or "serial" } console0)
            console0.Address = null;

        CheckSingletons();
    }

    /// <summary>Device kinds a domain has at most one of (libvirt's parser and validation reject a second).</summary>
    private void CheckSingletons()
    {
        (string Kind, string Message)[] singles =
        [
            ("memballoon", "only a single memory balloon device is supported"),
            ("vsock", "only a single vsock device is supported"),
            ("iommu", "only a single IOMMU device is supported"),
        ];
        foreach (var (kind, message) in singles)
        {
            var second = OfKind(kind).ElementAtOrDefault(1);
            if (second is not null) throw Error(ErrorCodes.InvalidInput, message, second, $"{kind}-single");
        }
        if (!_rules.MultipleWatchdogs && OfKind("watchdog").ElementAtOrDefault(1) is { } secondWatchdog)
            throw Error(ErrorCodes.InvalidInput, "only a single watchdog device is supported", secondWatchdog, "watchdog-single");
        // Where several are allowed, each model but i6300esb once (qemuValidateDomainDefWatchdogs).
        if (_rules.MultipleWatchdogs && OfKind("watchdog").Where(w => w.Model != "i6300esb").GroupBy(w => w.Model).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw Error(ErrorCodes.Unsupported, $"domain can only have one watchdog with model '{twice.Key}'", twice.ElementAt(1), "watchdog-single");
        var tpm = OfKind("tpm").Where(t => t.Model != "spapr-tpm-proxy").ElementAtOrDefault(1);
        if (tpm is not null)
            throw Error(ErrorCodes.Unsupported, "only a single TPM non-proxy device is supported", tpm, "tpm-single");
        var proxy = OfKind("tpm").Where(t => t.Model == "spapr-tpm-proxy").ElementAtOrDefault(1);
        if (proxy is not null)
            throw Error(ErrorCodes.Unsupported, "only a single TPM Proxy device is supported", proxy, "tpm-single");
    }

    /// <summary>
    /// SCSI controllers for SCSI host devices: 0 to the highest controller the host devices use, with the model
    /// of the existing controller at that highest index when it has one. At parse time (after each host device
    /// is read) a host device without an address counts as controller 0; after post-parse the real addresses are
    /// used (virDomainDefMaybeAddHostdevSCSIcontroller).
    /// </summary>
    /// <remarks>
    /// libvirt recomputes the highest controller and its model over all host devices read so far after each one.
    /// Only a host device that raises the highest controller can change anything: the others find controllers
    /// 0..highest already there. And the controllers of the earlier maxima are there with the model they had or
    /// were given then, which is the running model at that point; so one pass that keeps the running maximum and
    /// model and adds the controllers above the previous maximum gives the same controllers in the same order.
    /// </remarks>
    private void AddHostdevScsiControllers(bool parseTime)
    {
        int max = -1;
        string? model = null;
        foreach (var h in _devices)
        {
            if (h.Kind != "hostdev" || h.Type != "scsi") continue;
            int c = h.Address is DriveAddress a ? a.Controller : 0;
            if (c <= max) continue;
            int previous = max;
            max = c;
            if (FindController("scsi", c)?.Model is string m) model = m;
            if (!parseTime) continue;
            for (int i = previous + 1; i <= max; i++)
                MaybeAddController("scsi", i, model, $"SCSI host devices use controller {i}");
        }
        if (parseTime) return;
        for (int i = 0; i <= max; i++)
            MaybeAddController("scsi", i, model, $"SCSI host devices use controller {i}");
    }

    // ---------------------------------------------------------------- post-parse

    /// <summary>
    /// Controllers given without an index take the lowest unused index of their type; a USB2 companion (ich9 EHCI1
    /// or UHCI1-3) right after another USB2 controller joins that controller's index when its model is not yet
    /// used there (virDomainAssignControllerIndexes).
    /// </summary>
    private void AssignControllerIndexes()
    {
        bool IsUsb2(WorkDevice c) =>
            c.Type == "usb" && _catalog.Resolve("controller", "usb", null, c.Model)?.CompanionFunction is not null;

        bool resort = false;
        for (int i = 0; i < _controllers.Count; i++)
        {
            var c = _controllers[i];
            if (c.Index is not null) continue;
            resort |= IsUsb2(c);
            if (i > 0 && IsUsb2(c))
            {
                var prev = _controllers.Take(i).LastOrDefault(p => p.Type == "usb");
                if (prev is not null && IsUsb2(prev) &&
                    !_controllers.Any(o => o.Type == "usb" && o.Index == prev.Index && o.Model == c.Model))
                {
                    c.Index = prev.Index;
                    continue;
                }
            }
            var used = _controllers.Where(o => o.Type == c.Type && o.Index is not null).Select(o => o.Index!.Value).ToHashSet();
            int idx = 0;
            while (used.Contains(idx)) idx++;
            c.Index = idx;
        }
        // libvirt 11.3 sorts the list again when a USB2 controller got its index here (virDomainAssignControllerIndexes).
        if (_rules.AddedControllersSorted && resort)
        {
            var all = _controllers.ToList();
            _controllers.Clear();
            foreach (var c in all) InsertController(c);
        }
    }

    /// <summary>The devices a machine type always has (USB and SATA controllers, PCI root, memballoon, PS/2 inputs).</summary>
    private void AddDefaultDevices()
    {
        if (_machine.DefaultUsbController is string usb && FindController("usb", 0) is null)
            MaybeAddController("usb", 0, usb, $"default USB controller of machine type {_machine.Name}");
        if (_machine.DefaultSataController)
            MaybeAddController("sata", 0, null, $"machine type {_machine.Name} always has a SATA controller");
        if (_machine.PciRoot is string root)
        {
            var existing = FindController("pci", 0);
            if (existing is null)
                MaybeAddController("pci", 0, root, $"PCI root bus of machine type {_machine.Name}");
            else if (existing.Model is not null && existing.Model != root)
                throw Error(ErrorCodes.Unsupported,
                    $"The PCI controller with index='0' must be model='{root}' for this machine type, but model='{existing.Model}' was found instead", existing, "pci-root-model");
        }
        if (_machine.DefaultMemballoon is string balloon && !OfKind("memballoon").Any())
            AddDevice("balloon0", "memballoon", $"default memory balloon of machine type {_machine.Name}", model: balloon);
        foreach (var input in _machine.ImplicitInputs)
            MaybeAddInput(input.Type, input.Bus, $"machine type {_machine.Name} always has a {input.Bus} {input.Type}");
        if (_machine.GraphicsUsbInputs && OfKind("graphics").Any())
        {
            bool tablet = OfKind("input").Any(i => i.Type == "tablet" && i.Bus == "usb");
            MaybeAddInput("keyboard", "usb", $"a guest of machine type {_machine.Name} with graphics gets a USB keyboard");
            if (!tablet) MaybeAddInput("mouse", "usb", $"a guest of machine type {_machine.Name} with graphics and no USB tablet gets a USB mouse");
        }
        if (_rules.ItcoWatchdog && _machine.ItcoWatchdog && !OfKind("watchdog").Any(w => w.Model == "itco"))
            AddDevice("watchdog-itco", "watchdog", $"the iTCO watchdog built into the {_machine.Name} chipset, which libvirt {_rules.Version} lists", model: "itco");
        AddIommuForManyVcpus();
        if (_machine.ImplicitPanic && !OfKind("panic").Any(p => p.Model is null || p.Model == _machine.DefaultPanic))
            AddDevice("panic0", "panic", $"machine type {_machine.Name} always has a {_machine.DefaultPanic} panic device", model: _machine.DefaultPanic);
    }

    /// <summary>
    /// More than 255 vCPUs need an IOMMU with extended interrupts (q35): libvirt 11.3 adds an intel IOMMU with them when
    /// the guest has no IOMMU; libvirt 9.0 refuses. QEMU's vCPU limit of the machine type comes first.
    /// </summary>
    private void AddIommuForManyVcpus()
    {
        if (_rules.MaxVcpus.GetValueOrDefault(_machine.Name) is int max and > 0 && _request.Vcpus > max)
            throw Error(ErrorCodes.Unsupported, $"Maximum CPUs greater than specified machine type limit {max}", null, "vcpu-limit");
        if (_request.Vcpus <= 255 || !_machine.IntelIommu) return;
        if (_rules.AutoIntelIommu && !OfKind("iommu").Any())
        {
            AddDevice("iommu0", "iommu", "more than 255 vCPUs need an IOMMU with extended interrupts (intremap and eim on)", model: "intel");
            return;
        }
        if (!OfKind("iommu").Any(i => i.Model == "intel"))
            throw Error(ErrorCodes.Unsupported, "more than 255 vCPUs require extended interrupt mode enabled on the iommu device", OfKind("iommu").FirstOrDefault(), "vcpu-iommu");
    }

    /// <summary>Adds an input of this type and bus unless the guest has one (virDomainDefMaybeAddInput).</summary>
    private void MaybeAddInput(string type, string bus, string reason)
    {
        if (!OfKind("input").Any(i => i.Type == type && i.Bus == bus))
            AddDevice($"input-{bus}-{type}", "input", reason, type: type, bus: bus);
    }

    /// <summary>
    /// The per-device post-parse: controller, video, interface and panic models; disk buses and drive
    /// addresses (disks before host devices); serial and console target types.
    /// </summary>
    private void PostParseDevices()
    {
        foreach (var c in _controllers) ResolveControllerModel(c);

        foreach (var d in OfKind("disk"))
        {
            d.Bus ??= DefaultDiskBus(d.Type, d.Target);
        }
        AssignDriveAddresses();
        AssignScsiHostdevAddresses();

        foreach (var s in OfKind("serial"))
        {
            s.Type = SerialTarget(_machine, s.Type);
            // A board without a default serial target (vexpress) keeps the serial's target type unset.
            if (s.Type is not null && !_machine.SerialTargets.Contains(s.Type))
                throw Error(ErrorCodes.Unsupported, s.Type == "isa-debug"
                    ? "isa-debug serial type only valid on x86 architecture"
                    : $"Serial device with target type '{s.Type}' not compatible with guest architecture or machine type", s, "serial-target-type");
        }
        foreach (var c in OfKind("console")) c.Type ??= "serial";

        foreach (var v in OfKind("video")) v.Model ??= _machine.DefaultVideo;
        foreach (var n in OfKind("interface").Where(n => n.Type != "hostdev"))
        {
            if (n.Type == "vhostuser" && n.Model is null && !_rules.VhostUserDefaultModel)
                throw Error(ErrorCodes.InvalidInput, "Wrong or no <model> 'type' attribute specified with <interface type='vhostuser'/>. vhostuser requires the virtio-net* frontend", n, "nic-model");
            n.Model = NicModel(_catalog, _machine, n.Type, n.Model);
            if (n.Type == "vhostuser" && n.Model is not ("virtio" or "virtio-transitional" or "virtio-non-transitional"))
                throw Error(ErrorCodes.Unsupported, _rules.VhostUserDefaultModel
                    ? $"invalid model for interface of type 'vhostuser': '{n.Model}' - must be 'virtio'"
                    : "Wrong or no <model> 'type' attribute specified with <interface type='vhostuser'/>. vhostuser requires the virtio-net* frontend", n, "nic-model");
        }
        string defaultPanic = _rules.DefaultPanic.GetValueOrDefault($"{_request.Machine.Arch}/{_machine.Name}") ?? _machine.DefaultPanic;
        foreach (var p in OfKind("panic")) p.Model ??= defaultPanic;
        foreach (var t in OfKind("tpm")) t.Model ??= _machine.DefaultTpmModel;
        // libvirt drops an 'assign one' PCI address (all zero) of a device that is not there; other devices
        // without a PCI slot keep it, and it is written as <address type='pci'/>.
        foreach (var d in _devices)
            if (d.Kind is "memballoon" or "video" && d.Model == "none" && d.Address is PciAddress && d.PciWanted) d.Address = null;
    }

    /// <summary>The model of a controller given without one (qemuDomainControllerDefPostParse).</summary>
    private void ResolveControllerModel(WorkDevice c)
    {
        switch (c.Type)
        {
            case "usb" when c.Model is null:
                // s390x: 'none' unless the controller was given an address, then no model at all.
                c.Model = _machine.UsbNoneWithoutAddress ? (c.Address is null ? "none" : null) : _machine.UsbModelWhenUnset;
                break;
            case "usb" when c.Model == "none" && c.PciWanted:
                c.Address = null;  // libvirt drops an 'assign one' PCI address of a USB controller that is not there
                break;
            case "scsi" when c.Model is null or "auto":
                c.Model = _machine.DefaultScsiModel;
                break;
            case "pci" when c.Model is null:
                throw Error(ErrorCodes.InvalidInput, "PCI controller model was not set correctly", c, "pci-controller-model");
        }
    }

    /// <summary>Drive addresses from disk names (libvirt's per-disk post-parse).</summary>
    private void AssignDriveAddresses()
    {
        HashSet<DriveAddress>? hostdevAddresses = null;
        foreach (var d in OfKind("disk"))
        {
            if (d.Target is null)
                throw Error(ErrorCodes.InvalidInput, "missing target information for device", d, "disk-name");
            if (d.Address is not null) continue;
            int n = DiskNameToIndex(d.Target);
            if (n < 0)
                throw Error(ErrorCodes.InvalidInput, $"Unknown disk name '{d.Target}' and no address specified", d, "disk-name");
            if (d.Bus is not ("ide" or "sata" or "scsi" or "fdc")) continue;
            var a = d.Bus switch
            {
                "ide" => new DriveAddress(n / 4, n % 4 / 2, 0, n % 2),
                "sata" => new DriveAddress(n / 6, 0, 0, n % 6),
                "scsi" => new DriveAddress(n / 7, 0, 0, n % 7),
                _ => new DriveAddress(n / 2, 0, 0, n % 2),
            };
            d.Address = a;
            if (d.Bus != "scsi") continue;
            hostdevAddresses ??= OfKind("hostdev").Where(h => h.Type == "scsi").Select(h => h.Address).OfType<DriveAddress>().ToHashSet();
            if (hostdevAddresses.Contains(a))
                throw Error(ErrorCodes.AddressConflict,
                    $"using disk target name '{d.Target}' conflicts with SCSI host device address controller='{a.Controller}' bus='{a.Bus}' target='{a.Target}' unit='{a.Unit}",  // sic: libvirt 9.0 leaves the last quote open
                    d, "drive-address-unique");
        }
    }

    /// <summary>
    /// SCSI host devices without an address take the first free unit 0-6 on controller 0, 1, ...
    /// (virDomainHostdevAssignAddress); an address a SCSI disk or another SCSI host device has is an error.
    /// </summary>
    /// <remarks>
    /// A unit is free when no SCSI disk or host device has it and the controller there, if any, has it
    /// (virDomainSCSIDriveAddressIsUsed: not beyond the model's units, not the model's reserved unit). The
    /// addresses in use are kept in a set, built once and grown as host devices are placed; as units only ever
    /// become used, a controller found full stays full, so the search resumes at the first controller that was not.
    /// </remarks>
    private void AssignScsiHostdevAddresses()
    {
        var hostdevs = OfKind("hostdev").Where(d => d.Type == "scsi").ToList();
        if (hostdevs.Count == 0) return;
        var occupancy = new ScsiOccupancy(this);
        var diskAddresses = OfKind("disk").Where(d => d.Bus == "scsi").Select(d => d.Address).OfType<DriveAddress>().ToHashSet();
        var hostdevCounts = new Dictionary<DriveAddress, int>();
        foreach (var h in hostdevs)
            if (h.Address is DriveAddress a) hostdevCounts[a] = hostdevCounts.GetValueOrDefault(a) + 1;

        int firstOpen = 0;
        foreach (var h in hostdevs)
        {
            if (h.Address is null)
            {
                int unit;
                while ((unit = occupancy.FirstFreeUnit(firstOpen)) < 0) firstOpen++;
                var assigned = new DriveAddress(firstOpen, 0, 0, unit);
                h.Address = assigned;
                occupancy.Add(assigned);
                hostdevCounts[assigned] = hostdevCounts.GetValueOrDefault(assigned) + 1;
            }
            if (h.Address is not DriveAddress a) continue;
            if (diskAddresses.Contains(a))
                throw Error(ErrorCodes.AddressConflict,
                    $"SCSI host address controller='{a.Controller}' bus='{a.Bus}' target='{a.Target}' unit='{a.Unit}' in use by a SCSI disk", h, "drive-address-unique");
            if (hostdevCounts[a] > 1)
                throw Error(ErrorCodes.AddressConflict,
                    $"SCSI host address controller='{a.Controller}' bus='{a.Bus}' target='{a.Target}' unit='{a.Unit}' in use by another SCSI host device", h, "drive-address-unique");
        }
    }

    /// <summary>
    /// The SCSI drive addresses in use (libvirt's virDomainSCSIDriveAddressIsUsed), for placing SCSI host devices:
    /// the addresses of SCSI disks and host devices, and per controller the units its model does not have.
    /// </summary>
    private sealed class ScsiOccupancy
    {
        private readonly HashSet<DriveAddress> _used;
        private readonly Dictionary<int, (int? Units, int? Reserved)> _limits = [];

        public ScsiOccupancy(LibvirtPolicy policy)
        {
            _used = policy._devices
                .Where(d => (d.Kind == "disk" && d.Bus == "scsi") || (d.Kind == "hostdev" && d.Type == "scsi"))
                .Select(d => d.Address).OfType<DriveAddress>().ToHashSet();
            // The first controller of an index is the one FindController finds.
            foreach (var c in policy._controllers)
            {
                if (c.Type != "scsi" || c.Index is not int index || _limits.ContainsKey(index)) continue;
                var rule = policy._catalog.Resolve("controller", "scsi", null, c.Model);
                _limits[index] = (rule?.ScsiUnits, rule?.ScsiReservedUnit);
            }
        }

        public void Add(DriveAddress a) => _used.Add(a);

        /// <summary>The first free unit 0-6 of bus 0, target 0 of a controller, or -1.</summary>
        public int FirstFreeUnit(int controller)
        {
            var (units, reserved) = _limits.GetValueOrDefault(controller);
            for (int u = 0; u < 7; u++)
            {
                if (units is int n && u >= n) continue;
                if (reserved is int r && u == r) continue;
                if (!_used.Contains(new DriveAddress(controller, 0, 0, u))) return u;
            }
            return -1;
        }
    }

    // ---------------------------------------------------------------- post-parse, common part

    /// <summary>
    /// virDomainDefPostParseCommon: duplicate controllers and panics, the serial console, implicit controllers
    /// and video, the primary video, and the model of SCSI controllers added on the way.
    /// </summary>
    private void PostParseCommon()
    {
        var root = _controllers.FirstOrDefault(c => c.IsPciController && c.Idx != 0 && _catalog.FindPciController(c.Model!) is { Root: true }
            && !(_machine.MultipleRoots && c.Model == _machine.PciRoot));
        if (root is not null)
            throw Error(ErrorCodes.InvalidInput, "pci-root and pcie-root controllers should have index 0", root, "pci-root-index");
        // Grouped (to name the first duplicate in libvirt's order) only when some controller type and index repeat.
        if (HasDuplicateControllerIndex())
            foreach (var dup in _controllers.Where(c => c.Type != "usb").GroupBy(c => (c.Type, c.Idx)).Where(g => g.Count() > 1))
                throw Error(ErrorCodes.InvalidInput, $"Multiple '{dup.Key.Type}' controllers with index '{dup.Key.Idx}'", dup.ElementAt(1), "controller-unique");
        if (OfKind("panic").ElementAtOrDefault(1) is not null)
            foreach (var dup in OfKind("panic").GroupBy(p => p.Model).Where(g => g.Count() > 1))
                throw Error(ErrorCodes.InvalidInput, $"Multiple panic devices with model '{dup.Key}'", dup.ElementAt(1), "panic-unique");

        AddConsoleCompat();
        AddImplicitControllers();

        if (_machine.DefaultVideo is string video && OfKind("graphics").Any() && !OfKind("video").Any())
            AddDevice("video0", "video", "a graphics console needs a video device", model: video);
        var first = OfKind("video").FirstOrDefault();
        foreach (var v in OfKind("video")) v.Primary = v == first && v.Model != "none" ? true : null;

        foreach (var c in ControllersOf("scsi")) ResolveControllerModel(c);
    }

    /// <summary>A virtio-serial controller for a virtio channel or console (the one its address names, else 0).</summary>
    private void AddVirtioSerialFor(WorkDevice d) =>
        MaybeAddController("virtio-serial", d.Address is VirtioSerialAddress v ? v.Controller : 0, null,
            "virtio channels and consoles need a virtio-serial controller");

    /// <summary>Whether two controllers other than USB ones share a type and an index.</summary>
    private bool HasDuplicateControllerIndex()
    {
        var c = _controllers;
        if (c.Count <= 16)
        {
            for (int i = 0; i < c.Count; i++)
                for (int j = i + 1; j < c.Count; j++)
                    if (c[i].Idx == c[j].Idx && c[i].Type == c[j].Type && c[i].Type != "usb") return true;
            return false;
        }
        var seen = new HashSet<(string?, int)>();
        foreach (var x in c)
            if (x.Type != "usb" && !seen.Add((x.Type, x.Idx))) return true;
        return false;
    }

    /// <summary>
    /// virDomainDefAddConsoleCompat: only console 0 may be a serial console. A serial console 0 shows the first
    /// serial port (one is added when there is none); a first serial port of the machine's console kind
    /// (isa-serial, system-serial) gets a serial console 0 when console 0 is something else or missing.
    /// </summary>
    private void AddConsoleCompat()
    {
        var consoles = OfKind("console").ToList();
        var extra = consoles.Skip(1).FirstOrDefault(c => c.Type == "serial");
        if (extra is not null)
            throw Error(ErrorCodes.Unsupported, "Only the first console can be a serial port", extra, "console-serial-first");

        var serials = OfKind("serial").ToList();
        if (consoles.Count > 0 && consoles[0].Type == "serial")
        {
            if (serials.Count == 0)
                AddDevice("serial0", "serial", type: _machine.DefaultSerialTarget, reason:
                    "a serial console is the first serial port, which libvirt adds");
        }
        else if (serials.Count > 0 && (serials[0].Type is null || _machine.ConsoleSerialTargets.Contains(serials[0].Type!)))
        {
            var stub = new WorkDevice(NewId("console0"), "console", "serial", model: null, index: null,
                $"libvirt shows the first serial port ({serials[0].Type ?? "no target type"}) as console 0");
            int at = consoles.Count > 0 ? _devices.IndexOf(consoles[0]) : _devices.Count;
            _devices.Insert(at, stub);
        }
    }

    /// <summary>The disk buses whose drive addresses name a controller (each bus is also the controller's type), in libvirt's order.</summary>
    private static readonly string[] s_driveBuses = ["scsi", "fdc", "ide", "sata"];

    /// <summary>
    /// Controllers implied by device addresses, appended in libvirt's order: SCSI, FDC, IDE and SATA for disks,
    /// virtio-serial for channels then consoles, CCID for smartcards (which get their CCID slot here), SCSI for host devices.
    /// </summary>
    private void AddImplicitControllers()
    {
        foreach (string bus in s_driveBuses)
        {
            // The disk on this bus with the highest drive controller (the first of them).
            WorkDevice? top = null;
            int max = -1;
            foreach (var d in _devices)
            {
                if (d.Kind == "disk" && d.Bus == bus && d.Address is DriveAddress a && a.Controller > max)
                {
                    max = a.Controller;
                    top = d;
                }
            }
            // A long disk name (sdaaaaa) asks for more controllers than PCI can ever hold; libvirt adds them all and
            // fails placing them (or runs out of memory first), so refuse it before adding millions of controllers.
            if (max >= MaxImpliedControllers)
                throw Error(ErrorCodes.NoSpace, $"disk '{top!.Target}' needs {bus} controller {max}, more than PCI can hold", top, "pci-growth");
            for (int i = 0; i <= max; i++)
                MaybeAddController(bus, i, null, $"{bus} disks use controller {i}");
        }
        // Virtio channels, then virtio consoles.
        foreach (var d in OfKind("channel"))
            if (d.Type == "virtio") AddVirtioSerialFor(d);
        foreach (var d in OfKind("console"))
            if (d.Type == "virtio") AddVirtioSerialFor(d);
        foreach (var card in OfKind("smartcard"))
        {
            if (card.Address is null)
            {
                int slot = OfKind("smartcard").Select(c => c.Address).OfType<CcidAddress>().Where(a => a.Controller == 0)
                    .Select(a => a.Slot).DefaultIfEmpty(-1).Max() + 1;
                card.Address = new CcidAddress(0, slot);
            }
            int idx = card.Address is CcidAddress c ? c.Controller : 0;
            MaybeAddController("ccid", idx, null, "smartcards need a CCID controller");
        }
        AddHostdevScsiControllers(parseTime: false);
    }

    // ---------------------------------------------------------------- validation

    /// <summary>Checks libvirt makes when it validates a definition, after addresses are assigned.</summary>
    private void ValidateDefinition()
    {
        ValidateMachineSupport();
        ValidateOtherBuses();
        ValidatePciControllerOptions();
        ValidateSerialAddresses();
        ValidateDisks();
        ValidateVideos();

        var cards = OfKind("smartcard");
        if ((cards.ElementAtOrDefault(1) ?? cards.FirstOrDefault(static c => c.Address is CcidAddress { Controller: > 0 })) is { } card)
            throw Error(ErrorCodes.Unsupported, "this QEMU binary lacks multiple smartcard support", card, "smartcard-single");

        Dictionary<string, WorkDevice>? seen = null;
        foreach (var h in _devices)
        {
            if (h.Kind != "hostdev" || h.Host?.Address is null) continue;
            string key = h.Type + "|" + h.Host!.Address;
            if (!(seen ??= new(StringComparer.Ordinal)).TryAdd(key, h))
                throw Error(ErrorCodes.InvalidInput, "Hostdev already exists in the domain configuration", h, "hostdev-unique");
        }
    }

    /// <summary>The address kind each serial target takes (none: the serial can have no address); others take any.</summary>
    private static readonly Dictionary<string, string?> s_serialAddressKinds = new(StringComparer.Ordinal)
    {
        ["isa-serial"] = "isa", ["isa-debug"] = "isa", ["usb-serial"] = "usb", ["pci-serial"] = "pci",
        ["system-serial"] = null, ["sclp-serial"] = null,
    };

    /// <summary>A serial's address must be of the kind its target type takes (qemuValidateDomainChrTargetDef).</summary>
    private void ValidateSerialAddresses()
    {
        foreach (var s in OfKind("serial").Where(s => s.Address is not null && s.Type is not null))
        {
            if (!s_serialAddressKinds.TryGetValue(s.Type!, out var expected)) continue;
            string kind = s.Address!.Kind;
            if (expected is null)
                throw Error(ErrorCodes.Unsupported, $"Target type '{s.Type}' cannot have an associated address", s, "serial-address-kind");
            if (kind != expected)
                throw Error(ErrorCodes.Unsupported, $"Target type '{s.Type}' requires address type '{expected}'", s, "serial-address-kind");
        }
    }

    /// <summary>Devices the machine type or this QEMU does not have.</summary>
    private void ValidateMachineSupport()
    {
        foreach (var d in _devices)
        {
            string? message = d.Kind switch
            {
                "input" when d.Bus == "ps2" && _machine.Ps2Inputs.Count == 0 => "ps2 is not supported by this QEMU binary",
                "panic" when d.Model == "isa" && !_machine.IsaPanic => "the QEMU binary does not support the ISA panic device",
                "iommu" when d.Model == "intel" && !_machine.IntelIommu => "IOMMU device: 'intel' is only supported with Q35 machines",
                "iommu" when d.Model == "virtio" && !_machine.VirtioIommu => "IOMMU device: 'virtio' is only supported with Q35 and ARM Virt machines",
                "parallel" when !_machine.ParallelPorts => "parallel ports are not supported",
                "watchdog" when d.Model == "ib700" && _rules.Ib700Machines.Count > 0 && !_rules.Ib700Machines.Contains(_machine.Name) =>
                    "ib700 model of watchdog cannot be used with this machine type",
                "watchdog" when d.Model == "itco" && !_machine.ItcoWatchdog => "itco model of watchdog is only part of q35 machine",
                "watchdog" when d.Model == "itco" && d.Address is not null => "itco model of watchdog is part of the machine and cannot have any address set.",
                "interface" when d.Type == "vhostuser" && _rules.VhostUserNeedsSharedMemory && !_request.SharedMemory => "'interface' requires shared memory",
                "panic" when d.Model == "pseries" && !_machine.SpaprVio => "only pSeries guests support panic device of model 'pseries'",
                "panic" when d.Model == "s390" && !_machine.Ccw => "only S390 guests support panic device of model 's390'",
                "panic" when d.Model is "pseries" or "s390" && d.Address is not null => $"setting the panic device address is not supported for model '{d.Model}'",
                "panic" when d.Model == "isa" && d.Address is not (null or OtherAddress { AddressType: "isa" }) => "panic is supported only with ISA address type",
                "shmem" when d.Model is null or "ivshmem" => "ivshmem device is not supported with this QEMU binary",
                "watchdog" when d.Address is not null && d.Rule.Connect == "none" => $"{d.Model} model of watchdog does not support configuring the address",
                "video" when d.Model is not null && _machine.UnsupportedVideoModels.Contains(d.Model) =>
                    $"domain configuration does not support video model '{d.Model}'",
                "video" when d.Model == "ramfb" && d.Address is not null => "address not supported for video type ramfb",
                "watchdog" when d.Model == "diag288" && !_machine.Diag288 => "diag288 model of watchdog is allowed for s390 and s390x only",
                "nvram" when !_machine.Nvram => "nvram device is only supported for PPC64",
                "iommu" when d.Model == "virtio" && d.Address is not (null or PciAddress) => "IOMMU device: 'virtio' needs a PCI address",
                "interface" when d.Type == "vdpa" && d.Model != "virtio" => $"invalid model for interface of type 'vdpa': '{d.Model}'",
                "input" when d.Model is "virtio-transitional" or "virtio-non-transitional" && d.Type is "keyboard" or "mouse" or "tablet" or "passthrough" =>
                    $"virtio (non-)transitional models are not supported for input type={d.Type}",
                _ => null,
            };
            if (message is not null) throw Error(ErrorCodes.Unsupported, message, d, "machine-supports-device");
        }
    }

    /// <summary>Disk checks: IDE support, one floppy controller, duplicate drive addresses.</summary>
    private void ValidateDisks()
    {
        foreach (var c in ControllersOf("ide"))
        {
            if (_machine.MaxIdeControllers == 0)
                throw Error(ErrorCodes.Unsupported, "IDE controllers are unsupported for this QEMU binary or machine type", c, "ide-supported");
            if (c.Idx >= _machine.MaxIdeControllers)
                throw Error(ErrorCodes.Unsupported, $"Only {_machine.MaxIdeControllers} IDE controller is supported", c, "ide-controller-count");
        }

        foreach (var d in OfKind("disk").Where(d => d.Target is not null))
        {
            string? problem = DiskNameToIndex(d.Target!) < 0 ? $"Invalid harddisk device name: {d.Target}" : DiskPartitionProblem(d.Target!);
            if (problem is not null) throw Error(ErrorCodes.InvalidInput, problem, d, "disk-name");
        }

        // The shape of user drive addresses is checked with the request (RequestChecks); a computed one can still
        // name a second floppy controller (fdc..fdz), which QEMU does not have.
        var floppy = OfKind("disk").FirstOrDefault(d => d.Bus == "fdc" && d.Address is DriveAddress { Controller: > 0 });
        if (floppy is not null)
            throw Error(ErrorCodes.Unsupported, "Only 1 fdc controller is supported", floppy, "fdc-controller-count");

        // The first disk that shares its bus and drive address with a later one (the first of any such pair).
        var disks = OfKind("disk").Where(d => d.Address is DriveAddress).ToList();
        var sharing = new Dictionary<(string?, DriveAddress), int>();
        foreach (var d in disks)
            sharing[(d.Bus, (DriveAddress)d.Address!)] = sharing.GetValueOrDefault((d.Bus, (DriveAddress)d.Address!)) + 1;
        var first = disks.FirstOrDefault(d => sharing[(d.Bus, (DriveAddress)d.Address!)] > 1);
        if (first is not null)
        {
            var a = (DriveAddress)first.Address!;
            throw Error(ErrorCodes.AddressConflict,
                $"Found duplicate drive address for disk with target name '{first.Target}' controller='{a.Controller}' bus='{a.Bus}' target='{a.Target}' unit='{a.Unit}'",
                first, "drive-address-unique");
        }
    }

    /// <summary>Video checks: a 'none' video is the only one; only qxl and virtio may be secondary.</summary>
    private void ValidateVideos()
    {
        var videos = OfKind("video").ToList();
        if (videos.Count > 1 && videos.FirstOrDefault(v => v.Model == "none") is { } none)
            throw Error(ErrorCodes.Unsupported, "a 'none' video type must be the only video device defined for the domain", none, "video-none-alone");
        foreach (var v in videos.Skip(1))
        {
            if (v.Model is not ("qxl" or "virtio"))
                throw Error(ErrorCodes.Unsupported, $"video type '{v.Model}' is only valid as primary video device", v, "video-secondary-model");
        }
    }

    /// <summary>Definition checks that do not depend on addresses (kept before assignment so the passes see sane input).</summary>
    private void ValidateBeforeAddresses()
    {
        // A device libvirt gives no PCI connect flags but still asks a slot for (sound ich7) fails in the PCI dry run.
        var flagless = _devices.FirstOrDefault(d => d.Rule is { Connect: "none", Pass: not null } && d.PciWanted);
        if (flagless is not null)
            throw Error(ErrorCodes.Unsupported, "Cannot automatically add a new PCI bus for a device with connect flags 00", flagless, "pci-connect-flags");
        foreach (var c in ControllersOf("pci"))
        {
            if (c.Model is "pci-expander-bus" or "pcie-expander-bus")
            {
                if (_machine.ExpanderBus != c.Model)
                    throw Error(ErrorCodes.Unsupported,
                        c.Model == "pci-expander-bus"
                            ? "pci-expander-bus controllers are only supported on 440fx-based machinetypes"
                            : "pcie-expander-bus controllers are not supported with this machine type", c, "expander-bus-machine");
            }
            if (c.Controller?.NumaNode is int node && node >= _request.NumaNodes)
                throw Error(ErrorCodes.InvalidInput,
                    $"pci controller with index='{c.Idx}' is configured for a NUMA node ({node}) not present in the domain's <cpu><numa> array ({_request.NumaNodes})", c, "numa-node-exists");
            if (c.Idx == 0 && c.Controller?.NumaNode is not null)
                throw Error(ErrorCodes.InvalidInput, "The PCI controller with index=0 can't be associated with a NUMA node", c, "numa-node-root");
            if (c.Controller?.BusNr is int busNr && (busNr < 1 || busNr > 254))
                throw Error(ErrorCodes.InvalidInput, $"PCI controller busNr '{busNr}' out of range - must be 1-254", c, "busnr-range");
        }
    }

    /// <summary>Catalog rule and PCI connect flags for every device.</summary>
    private void ResolveRules()
    {
        var pciFlags = ConnectFlags.PciDevice | ConnectFlags.AutoAssign;
        var pcieFlags = _machine.IsPcie ? ConnectFlags.PcieDevice | ConnectFlags.AutoAssign : pciFlags;
        foreach (var d in All)
        {
            if (d.IsPciController)
            {
                var model = _catalog.PciControllerInfo(d.Model!)
                    ?? throw Error(ErrorCodes.UnknownModel, $"unknown PCI controller model '{d.Model}'", d, "known-model");
                d.Rule = model.Rule;
                d.PciFlags = model.Upstream;
                continue;
            }
            d.Rule = _catalog.Resolve(d.Kind, d.Type, d.Bus, d.Model)
                     ?? new Catalog.DeviceModelRule { Kind = d.Kind, Connect = "none" };
            // libvirt 9.0 asks a PCI slot for a usb-net NIC (and fails); later releases give it a USB port only.
            if (_rules.UsbNetOnUsb && d.Rule is { Attach: "usb", Pass: not null })
                d.Rule = d.Rule with { Pass = null };
            var flags = d.Rule.Connect switch
            {
                "pci" => pciFlags,
                "pcie" or "virtio" => pcieFlags,
                _ => ConnectFlags.None,
            };
            if (d.Kind == "hostdev" && d.Rule.Connect == "pcie" && (d.Host?.PciExpress ?? HostFunction(d)?.PciExpress) == false && !d.PciPresent)
                flags = pciFlags;
            if (flags == ConnectFlags.None && d.PciPresent)
                flags = pciFlags;
            if (flags != ConnectFlags.None && d.Rule.Integrated)
                flags |= ConnectFlags.Integrated;
            d.PciFlags = flags;
        }
    }
}
