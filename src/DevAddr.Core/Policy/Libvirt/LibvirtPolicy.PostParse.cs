using DevAddr.Core.Model;
using DevAddr.Core.Topology;

namespace DevAddr.Core.Policy.Libvirt;

internal sealed partial class LibvirtPolicy
{
    private static readonly string[] s_diskPrefixes = ["fd", "hd", "vd", "sd", "xvd", "ubd"];

    /// <summary>A disk name (hda, sdb, vdaa) to its 0-based index, or -1 when it cannot be parsed.</summary>
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
        if (rest is null) return -1;
        int idx = 0, i = 0;
        for (; i < rest.Length && i < 3; i++)
        {
            char c = rest[i];
            if (c is < 'a' or > 'z') break;
            idx = (idx + (i < 1 ? 0 : 1)) * 26;
            idx += c - 'a';
        }
        if (i == 0) return -1; // a prefix alone ("sd") names no disk
        for (; i < rest.Length; i++)
            if (!char.IsAsciiDigit(rest[i])) return -1;
        return idx;
    }

    /// <summary>Drive addresses from disk names (libvirt's per-disk post-parse).</summary>
    private void AssignDriveAddresses()
    {
        foreach (var d in OfKind("disk"))
        {
            if (d.Address is not null || d.Bus is not ("ide" or "sata" or "scsi" or "fdc")) continue;
            int n = d.Target is null ? -1 : DiskNameToIndex(d.Target);
            if (n < 0)
                throw Error(ErrorCodes.InvalidInput, $"Unknown disk name '{d.Target}' and no address specified", d, "disk-name");
            d.Address = d.Bus switch
            {
                "ide" => new DriveAddress(n / 4, n % 4 / 2, 0, n % 2),
                "sata" => new DriveAddress(n / 6, 0, 0, n % 6),
                "scsi" => new DriveAddress(n / 7, 0, 0, n % 7),
                _ => new DriveAddress(n / 2, 0, 0, n % 2),
            };
        }
    }

    private bool ScsiAddressUsed(DriveAddress a)
    {
        var cont = FindController("scsi", a.Controller);
        if (cont is not null)
        {
            var rule = _catalog.Resolve("controller", "scsi", null, cont.Model);
            if (rule?.ScsiUnits is int units && a.Unit >= units) return true;
            if (rule?.ScsiReservedUnit is int reserved && a.Unit == reserved) return true;
        }
        return _devices.Any(d =>
            ((d.Kind == "disk" && d.Bus == "scsi") || (d.Kind == "hostdev" && d.Type == "scsi")) &&
            d.Address is DriveAddress da && da.Controller == a.Controller && da.Bus == a.Bus && da.Target == a.Target && da.Unit == a.Unit);
    }

    /// <summary>
    /// SCSI host devices without an address take the first free unit 0-6 on controller 0, 1, ...; the
    /// controllers they use are added right away (before the machine's default devices).
    /// </summary>
    private void AssignScsiHostdevAddresses()
    {
        foreach (var h in _devices.Where(d => d.Kind == "hostdev" && d.Type == "scsi" && d.Address is null))
        {
            for (int controller = 0; ; controller++)
            {
                int unit = Enumerable.Range(0, 7).FirstOrDefault(u => !ScsiAddressUsed(new DriveAddress(controller, 0, 0, u)), -1);
                if (unit < 0) continue;
                h.Address = new DriveAddress(controller, 0, 0, unit);
                break;
            }
        }
        foreach (var d in _devices.Where(d => d.Kind == "hostdev" && d.Type == "scsi" && d.Address is DriveAddress))
        {
            int max = ((DriveAddress)d.Address!).Controller;
            for (int i = 0; i <= max; i++)
                MaybeAddController("scsi", i, null, $"SCSI host devices use controller {i}");
        }
    }

    /// <summary>The devices a machine type always has (USB and SATA controllers, PCI root, memballoon, inputs).</summary>
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
            AddDevice(new Device { Id = "balloon0", Kind = "memballoon", Model = balloon }, $"default memory balloon of machine type {_machine.Name}");
        foreach (var input in _machine.ImplicitInputs)
        {
            if (!OfKind("input").Any(i => i.Type == input.Type && i.Bus == input.Bus))
                AddDevice(new Device { Id = $"input-{input.Bus}-{input.Type}", Kind = "input", Type = input.Type, Bus = input.Bus },
                    $"machine type {_machine.Name} always has a {input.Bus} {input.Type}");
        }
        if (_machine.DefaultVideo is string video && OfKind("graphics").Any() && !OfKind("video").Any())
            AddDevice(new Device { Id = "video0", Kind = "video", Model = video }, "a graphics console needs a video device");
    }

    /// <summary>Controllers implied by device addresses: drive controllers, virtio-serial, CCID, SCSI for host devices.</summary>
    private void AddImplicitControllers()
    {
        foreach (var (type, bus) in new[] { ("scsi", "scsi"), ("fdc", "fdc"), ("ide", "ide"), ("sata", "sata") })
        {
            int max = OfKind("disk").Where(d => d.Bus == bus && d.Address is DriveAddress)
                .Select(d => ((DriveAddress)d.Address!).Controller).DefaultIfEmpty(-1).Max();
            for (int i = 0; i <= max; i++)
                MaybeAddController(type, i, null, $"{bus} disks use controller {i}");
        }
        foreach (var d in _devices.Where(d => d.Kind is "channel" or "console" && d.Type == "virtio"))
        {
            int idx = d.Address is VirtioSerialAddress v ? v.Controller : 0;
            MaybeAddController("virtio-serial", idx, null, "virtio channels and consoles need a virtio-serial controller");
        }
        foreach (var d in OfKind("smartcard"))
        {
            int idx = d.Address is CcidAddress c ? c.Controller : 0;
            MaybeAddController("ccid", idx, null, "smartcards need a CCID controller");
        }
    }

    /// <summary>Controllers given without an index take the lowest unused index of their type.</summary>
    private void AssignControllerIndexes()
    {
        foreach (var c in _controllers.Where(c => c.Index is null).ToList())
        {
            var used = _controllers.Where(o => o.Type == c.Type && o.Index is not null).Select(o => o.Index!.Value).ToHashSet();
            int idx = 0;
            while (used.Contains(idx)) idx++;
            c.Index = idx;
        }
    }

    /// <summary>Models for controllers and devices given without one.</summary>
    private void ResolveModels()
    {
        foreach (var c in _controllers.Where(c => c.Model is null))
        {
            c.Model = c.Type switch
            {
                "usb" => _machine.DefaultUsbController ?? "qemu-xhci",
                "scsi" => _machine.DefaultScsiModel,
                "pci" => throw Error(ErrorCodes.InvalidInput, "PCI controller model was not set correctly", c, "pci-controller-model"),
                _ => null,
            };
        }
        foreach (var v in OfKind("video").Where(v => v.Model is null))
            v.Model = _machine.DefaultVideo;
        var videos = OfKind("video").ToList();
        var primary = videos.FirstOrDefault(v => v.Primary == true) ?? videos.FirstOrDefault();
        foreach (var v in videos) v.Primary = v == primary && v.Model != "none" ? true : null;
    }

    /// <summary>Checks libvirt rejects at define time.</summary>
    private void ValidateDefinition()
    {
        foreach (var c in ControllersOf("ide"))
        {
            if (_machine.MaxIdeControllers == 0)
                throw Error(ErrorCodes.Unsupported, "IDE controllers are unsupported for this QEMU binary or machine type", c, "ide-supported");
            if (c.Idx >= _machine.MaxIdeControllers)
                throw Error(ErrorCodes.Unsupported, $"Only {_machine.MaxIdeControllers} IDE controller is supported", c, "ide-controller-count");
        }

        var disks = OfKind("disk").Where(d => d.Address is DriveAddress).ToList();
        for (int i = 0; i < disks.Count; i++)
        {
            for (int j = i + 1; j < disks.Count; j++)
            {
                if (disks[i].Bus != disks[j].Bus || !Equals(disks[i].Address, disks[j].Address)) continue;
                var a = (DriveAddress)disks[i].Address!;
                throw Error(ErrorCodes.AddressConflict,
                    $"Found duplicate drive address for disk with target name '{disks[i].Target}' controller='{a.Controller}' bus='{a.Bus}' target='{a.Target}' unit='{a.Unit}'",
                    disks[i], "drive-address-unique");
            }
        }

        var seen = new Dictionary<string, WorkDevice>(StringComparer.Ordinal);
        foreach (var h in _devices.Where(d => d.Kind == "hostdev" && d.Host?.Address is not null))
        {
            string key = h.Type + "|" + h.Host!.Address;
            if (!seen.TryAdd(key, h))
                throw Error(ErrorCodes.InvalidInput, "Hostdev already exists in the domain configuration", h, "hostdev-unique");
        }

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

        bool usbDisabled = FindController("usb", 0)?.Model == "none";
        if (usbDisabled && _devices.Any(IsUsbDevice))
            throw Error(ErrorCodes.InvalidInput, "USB is disabled for this domain, but USB devices are present in the domain XML",
                _devices.First(IsUsbDevice), "usb-enabled");
    }

    private bool IsUsbDevice(WorkDevice d) =>
        _catalog.Resolve(d.Kind, d.Type, d.Bus, d.Model)?.Attach is "usb" or "usb-hub";

    /// <summary>Catalog rule and PCI connect flags for every device.</summary>
    private void ResolveRules()
    {
        var pciFlags = ConnectFlags.PciDevice | ConnectFlags.AutoAssign;
        var pcieFlags = _machine.IsPcie ? ConnectFlags.PcieDevice | ConnectFlags.AutoAssign : pciFlags;
        foreach (var d in All)
        {
            if (d.IsPciController)
            {
                var model = _catalog.FindPciController(d.Model!)
                    ?? throw Error(ErrorCodes.UnknownModel, $"unknown PCI controller model '{d.Model}'", d, "known-model");
                d.Rule = new Catalog.DeviceModelRule { Kind = "controller", Type = "pci", Model = d.Model, Connect = "none", Pass = "pci-controller" };
                d.PciFlags = model.Is == "none" ? ConnectFlags.None
                    : ConnectTypes.Parse(model.Is) | (model.AggregateSlot ? ConnectFlags.AggregateSlot : ConnectFlags.None);
                continue;
            }
            d.Rule = _catalog.Resolve(d.Kind, d.Type, d.Bus, d.Model)
                     ?? new Catalog.DeviceModelRule { Kind = d.Kind, Connect = "none" };
            var flags = d.Rule.Connect switch
            {
                "pci" => pciFlags,
                "pcie" or "virtio" => pcieFlags,
                _ => ConnectFlags.None,
            };
            if (d.Kind == "hostdev" && d.Rule.Connect == "pcie" && d.Host?.PciExpress == false && !d.PciPresent)
                flags = pciFlags;
            if (flags == ConnectFlags.None && d.PciPresent)
                flags = pciFlags;
            if (flags != ConnectFlags.None && d.Rule.Integrated)
                flags |= ConnectFlags.Integrated;
            d.PciFlags = flags;
        }
    }
}
