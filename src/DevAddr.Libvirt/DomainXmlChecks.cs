using System.Globalization;
using System.Xml.Linq;

namespace DevAddr.Libvirt;

/// <summary>
/// libvirt 9.0's define-time checks on facts only the domain XML has (the planning request does not carry
/// them): video memory sizes and heads, ISA serial ports, duplicate disk targets, memory hotplug (NUMA cells,
/// maxMemory), ACPI for the virtio IOMMU, SPICE channels without SPICE graphics. Each throws <see cref="DomainXmlException"/> with libvirt's message.
/// </summary>
internal static class DomainXmlChecks
{
    /// <summary>The most ISA serial ports a guest has (VIR_MAX_ISA_SERIAL_PORTS).</summary>
    internal const int MaxIsaSerialPorts = 4;

    /// <summary>Checks of the devices alone (also right for a device XML to hot-plug).</summary>
    public static void CheckDevices(XElement root)
    {
        var devices = root.Element(XmlNames.Devices)?.Elements().ToList() ?? [];
        CheckDiskTargets(devices);
        CheckIsaSerials(devices);
        CheckVideos(devices);
    }

    /// <summary>Checks of a whole domain definition (libvirt's define), as the libvirt release of <paramref name="rules"/> makes them.</summary>
    public static void CheckDomain(XElement root, Core.Catalog.LibvirtRules rules)
    {
        var devices = root.Element(XmlNames.Devices)?.Elements().ToList() ?? [];

        // Memory hotplug (<maxMemory> with slots) needs guest NUMA cells, and memory devices need memory hotplug.
        if (rules.MaxMemoryNeedsSlots && root.Element(XmlNames.MaxMemory) is { } max && Size(max, XmlNames.Slots) == 0)
            throw new DomainXmlException("XML error: both maximum memory size and memory slot count must be specified");
        bool hotplug = root.Element(XmlNames.MaxMemory) is { } maxMemory && (Size(maxMemory, XmlNames.Slots) > 0 || !rules.MaxMemoryNeedsSlots);
        string? arch = root.Element(XmlNames.Os)?.Element(XmlNames.Type)?.Attribute(XmlNames.Arch)?.Value;
        // ppc64 guests get memory hotplug without NUMA cells (QEMU enables one node there).
        // (Later releases add NUMA cell 0 instead.)
        if (hotplug && rules.MemoryHotplugNeedsNuma && arch is not ("ppc64" or "ppc64le") && root.Element(XmlNames.Cpu)?.Element(XmlNames.Numa)?.Elements(XmlNames.Cell).Any() != true)
            throw new DomainXmlException("unsupported configuration: At least one numa node has to be configured when enabling memory hotplug");
        if (!hotplug && devices.Any(d => d.Name.LocalName == "memory"))
            throw new DomainXmlException("unsupported configuration: cannot use/hotplug a memory device when domain 'maxMemory' is not defined");

        bool acpi = root.Element(XmlNames.Features)?.Element(XmlNames.Acpi) is not null;
        var os = root.Element(XmlNames.Os);
        bool uefi = os?.Attribute(XmlNames.Firmware)?.Value == "efi" || os?.Element(XmlNames.Loader)?.Attribute(XmlNames.Type)?.Value == "pflash";
        if (acpi && arch == "aarch64" && !uefi)
            throw new DomainXmlException("unsupported configuration: ACPI requires UEFI on this architecture");
        if (!acpi && devices.Any(d => d.Name.LocalName == "iommu" && d.Attribute(XmlNames.Model)?.Value == "virtio"))
            throw new DomainXmlException("unsupported configuration: IOMMU device: 'virtio' requires ACPI");

        if (rules.MultipleWatchdogs)
        {
            // Several watchdogs, but one action for all (qemuValidateDomainDefWatchdogs).
            var actions = devices.Where(d => d.Name.LocalName == "watchdog").Select(w => w.Attribute(XmlNames.Action)?.Value ?? "reset").Distinct().Count();
            if (actions > 1)
                throw new DomainXmlException("unsupported configuration: watchdogs with different actions are not supported with this QEMU binary");
        }
        if (!rules.DroppedDeviceKinds.Contains("crypto") &&
            devices.FirstOrDefault(d => d.Name.LocalName == "crypto" && d.Element(XmlNames.Backend)?.Attribute(XmlNames.Model)?.Value is string b && b != "builtin") is { } crypto)
            throw new DomainXmlException($"unsupported configuration: crypto backend {crypto.Element(XmlNames.Backend)!.Attribute(XmlNames.Model)!.Value} is not supported");
        if (rules.UsbDiskNeedsSource && devices.Any(d => d.Name.LocalName == "disk" && d.Element(XmlNames.Target)?.Attribute(XmlNames.Bus)?.Value == "usb" && d.Element(XmlNames.Source) is null))
            throw new DomainXmlException("unsupported configuration: 'usb' disk must not be empty");

        bool spice = devices.Any(d => d.Name.LocalName == "graphics" && d.Attribute(XmlNames.Type)?.Value == "spice");
        if (!spice && devices.Any(d => d.Name.LocalName is "channel" or "smartcard" or "redirdev" && d.Attribute(XmlNames.Type)?.Value == "spicevmc"))
            throw new DomainXmlException("unsupported configuration: chardev 'spicevmc' not supported without spice graphics");
    }

    /// <summary>Two disks with the same target name (a parse error).</summary>
    private static void CheckDiskTargets(List<XElement> devices)
    {
        var seen = new Dictionary<string, XElement>(StringComparer.Ordinal);
        foreach (var disk in devices.Where(d => d.Name.LocalName == "disk"))
        {
            if (disk.Element(XmlNames.Target)?.Attribute(XmlNames.Dev)?.Value is not string dev) continue;
            if (seen.TryGetValue(dev, out var first))
                throw new DomainXmlException($"XML error: target '{dev}' duplicated for disk sources '{Source(first)}' and '{Source(disk)}'");
            seen[dev] = disk;
        }

        static string Source(XElement disk)
        {
            var s = disk.Element(XmlNames.Source);
            return s?.Attribute(XmlNames.File)?.Value ?? s?.Attribute(XmlNames.Dev)?.Value ?? s?.Attribute(XmlNames.Dir)?.Value ?? s?.Attribute(XmlNames.Name)?.Value ?? "<null>";
        }
    }

    /// <summary>Serials written as isa-serial: at most four, ports 0-3, each port once (virDomainChrIsaSerialDefPostParse).</summary>
    private static void CheckIsaSerials(List<XElement> devices)
    {
        var used = new HashSet<int>();
        int count = 0;
        foreach (var target in devices.Where(d => d.Name.LocalName == "serial").Select(d => d.Element(XmlNames.Target)))
        {
            if (target?.Attribute(XmlNames.Type)?.Value != "isa-serial") continue;
            int port = CharPort(target);
            if (count++ >= MaxIsaSerialPorts || port >= MaxIsaSerialPorts)
                throw new DomainXmlException($"internal error: Maximum supported number of ISA serial ports is '{MaxIsaSerialPorts}'");
            if (port >= 0 && !used.Add(port))
                throw new DomainXmlException($"internal error: target port '{port}' already allocated");
        }
    }

    /// <summary>Video memory sizes and heads (virDomainVideoDefValidate, qemuValidateDomainDeviceDefVideo).</summary>
    private static void CheckVideos(List<XElement> devices)
    {
        foreach (var model in devices.Where(d => d.Name.LocalName == "video").Select(v => v.Element(XmlNames.Model)))
        {
            string? type = model?.Attribute(XmlNames.Type)?.Value;
            if (model is null || type == "none") continue;
            long ram = Size(model, XmlNames.Ram), vram = Size(model, XmlNames.Vram), vgamem = Size(model, XmlNames.Vgamem);
            if (ram > 0 && type != "qxl")
                throw new DomainXmlException("unsupported configuration: ram attribute only supported for video type qxl");
            if (type == "qxl" && vgamem > 0)
            {
                if (vgamem < 1024)
                    throw new DomainXmlException("unsupported configuration: value for 'vgamem' must be at least 1 MiB (1024 KiB)");
                if (vgamem != RoundUpPowerOfTwo(vgamem))
                    throw new DomainXmlException("unsupported configuration: value for 'vgamem' must be power of two");
            }
            if (type is "vga" or "vmvga" && vram > 0 && RoundUpPowerOfTwo(vram) < 1024)
                throw new DomainXmlException("unsupported configuration: value for 'vram' must be at least 1 MiB (1024 KiB)");
            if (type is not ("qxl" or "virtio") && model.Attribute(XmlNames.Heads) is not null && Size(model, XmlNames.Heads) != 1)
                throw new DomainXmlException($"unsupported configuration: video type '{type}' doesn't support multiple 'heads'");
        }
    }

    /// <summary>The target port of a serial, console or parallel, or -1 when not given.</summary>
    internal static int CharPort(XElement? target) =>
        target?.Attribute(XmlNames.Port)?.Value is string p && TryParse(p, out long v) && v <= int.MaxValue ? (int)v : -1;

    /// <summary>The smallest power of two at least <paramref name="v"/> (libvirt's VIR_ROUND_UP_POWER_OF_TWO; 0 stays 0).</summary>
    internal static long RoundUpPowerOfTwo(long v)
    {
        if (v <= 0) return 0;
        long p = 1;
        while (p < v) p <<= 1;
        return p;
    }

    internal static long Size(XElement el, XName attr) =>
        el.Attribute(attr)?.Value is string s && TryParse(s, out long v) ? v : 0;

    private static bool TryParse(string text, out long value)
    {
        text = text.Trim();
        return text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? long.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
