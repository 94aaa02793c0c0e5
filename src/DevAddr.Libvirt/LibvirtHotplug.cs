using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using DevAddr.Core.Catalog;
using DevAddr.Core.Hotplug;
using DevAddr.Core.Model;

namespace DevAddr.Libvirt;

/// <summary>A running guest's domain XML read for the hotplug checks.</summary>
public sealed record LibvirtLayout
{
    /// <summary>The layout: every device with the address it has.</summary>
    public required Plan Plan { get; init; }
    /// <summary>What the XML says beyond addresses: window reserves (<c>&lt;qemu:override&gt;</c>, <c>-global</c>), ACPI, memory slots.</summary>
    public required HotplugOptions Options { get; init; }
    /// <summary>Device ids by libvirt alias (<c>net0</c>, <c>ua-gpu</c>) and by disk target (<c>vda</c>).</summary>
    public required IReadOnlyDictionary<string, string> Aliases { get; init; }
}

/// <summary>Reads domain XML for the hotplug checks: the running guest's layout, and the devices to attach.</summary>
public static class LibvirtHotplug
{
    private static readonly XNamespace Qemu = "http://libvirt.org/schemas/domain/qemu/1.0";

    private const int MaxDepth = 64;

    /// <summary>Reads an expanded (or live, <c>virsh dumpxml</c>) domain XML as a hotplug layout.</summary>
    /// <exception cref="DomainXmlException">The XML cannot be read.</exception>
    public static LibvirtLayout ReadLayout(string xml)
    {
        var domain = DomainXml.Parse(xml);
        var root = domain.Document.Root!;
        var catalogMachine = DeviceCatalog.Default.FindMachine(domain.Request.Machine.Arch, domain.Request.Machine.Type);
        var devices = domain.Request.Devices.Select(d => WithInterfaceHost(d, domain.ElementOf(d.Id))).ToList();
        // A serial console is a second view of serial 0 and shows its address (pseries spapr-vty); it holds none of its own.
        var serialAddresses = devices.Where(d => d.Kind == "serial" && d.Address is not null).Select(d => d.Address).ToList();
        for (int i = 0; i < devices.Count; i++)
            if (devices[i] is { Kind: "console", Type: "serial", Address: { } a } && serialAddresses.Contains(a))
                devices[i] = devices[i] with { Address = null };

        var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
        var pciByAlias = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var d in devices)
        {
            var el = domain.ElementOf(d.Id);
            string? alias = el?.Element("alias")?.Attribute("name")?.Value;
            if (alias is not null) aliases.TryAdd(alias, d.Id);
            if (d.Kind == "disk" && d.Target is not null) aliases.TryAdd(d.Target, d.Id);
            if (d.Kind == "controller" && d.Type == "pci")
            {
                int index = d.Index ?? 0;
                pciByAlias.TryAdd(alias ?? string.Create(CultureInfo.InvariantCulture, $"pci.{index}"), index);
                if (alias is null) aliases.TryAdd(string.Create(CultureInfo.InvariantCulture, $"pci.{index}"), d.Id);
            }
            // libvirt's alias of a SCSI controller without a user alias (QEMU names its bus scsiN.0 after it).
            if (d.Kind == "controller" && d.Type == "scsi" && alias is null)
                aliases.TryAdd(string.Create(CultureInfo.InvariantCulture, $"scsi{d.Index ?? 0}"), d.Id);
        }

        // <qemu:override> reserves are already in the controllers' options (DomainXml reads them).
        var reserves = devices.Where(c => c.Kind == "controller" && c.Type == "pci" && c.Controller?.Reserve is not null)
            .ToDictionary(c => c.Index ?? 0, c => c.Controller!.Reserve!);
        void Set(int index, string property, string value) => reserves[index] = QemuOverride.With(reserves.GetValueOrDefault(index), property, value);
        bool IsReserve(string name) => QemuOverride.IsReserve(name);

        // -global pcie-root-port.pref64-reserve=N applies to every root port; -set device.ALIAS.prop=N to one.
        foreach (var arg in root.Element(Qemu + "commandline")?.Elements(Qemu + "arg").Select(a => a.Attribute("value")?.Value ?? "") ?? [])
        {
            var eq = arg.Split('=', 2);
            if (eq.Length != 2) continue;
            var path = eq[0].Split('.');
            if (path.Length == 2 && IsReserve(path[1]))
            {
                foreach (var c in devices.Where(c => c.Kind == "controller" && c.Type == "pci" && QemuModelOf(c) == path[0]))
                    Set(c.Index ?? 0, path[1], eq[1]);
            }
            else if (path.Length >= 3 && path[0] == "device" && IsReserve(path[^1]) && pciByAlias.TryGetValue(string.Join('.', path[1..^1]), out int idx))
            {
                Set(idx, path[^1], eq[1]);
            }
        }

        var plan = new Plan
        {
            Machine = new MachineSpec(domain.Request.Machine.Arch, catalogMachine?.Name ?? domain.Request.Machine.Type),
            Policy = "libvirt-xml",
            Devices = devices,
            Summary = new PlanSummary { Devices = devices.Count },
        };
        return new LibvirtLayout
        {
            Plan = plan,
            Options = new HotplugOptions
            {
                Reserves = reserves,
                Acpi = root.Element("features")?.Element("acpi") is not null,
                MemorySlots = domain.Request.MemorySlots,
            },
            Aliases = aliases,
        };
    }

    /// <summary>
    /// Reads the devices to attach from libvirt device XML: one device element (as for <c>virsh attach-device</c>) or
    /// several inside <c>&lt;devices&gt;</c>. Ids are the user alias without <c>ua-</c> when given, else <c>hotplug-TAG-N</c>.
    /// </summary>
    /// <exception cref="DomainXmlException">The XML cannot be read.</exception>
    public static IReadOnlyList<Device> ReadDevices(string xml)
    {
        XElement top;
        try
        {
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = 16L << 20 };
            using (var scan = XmlReader.Create(new StringReader(xml), settings))
            {
                while (scan.Read())
                    if (scan.Depth > MaxDepth)
                        throw new DomainXmlException($"XML error: the device XML nests deeper than {MaxDepth} elements");
            }
            using var reader = XmlReader.Create(new StringReader(xml), settings);
            top = XDocument.Load(reader).Root ?? throw new DomainXmlException("XML error: empty document");
        }
        catch (XmlException ex)
        {
            throw new DomainXmlException($"XML error: {ex.Message}");
        }
        var elements = top.Name.LocalName == "devices" ? top.Elements().ToList() : [top];
        var wrapper = new XElement("domain", new XElement("devices", elements.Select(e => new XElement(e))));
        var parsed = DomainXml.Parse(wrapper.ToString(SaveOptions.DisableFormatting));
        var result = new List<Device>();
        for (int i = 0; i < parsed.Request.Devices.Count; i++)
        {
            var d = parsed.Request.Devices[i];
            var el = parsed.ElementOf(d.Id);
            string? alias = el?.Element("alias")?.Attribute("name")?.Value;
            string id = alias is not null && alias.StartsWith("ua-", StringComparison.Ordinal) ? alias[3..]
                : string.Create(CultureInfo.InvariantCulture, $"hotplug-{d.Kind}-{i + 1}");
            result.Add(WithInterfaceHost(d, el) with { Id = id });
        }
        return result;
    }

    /// <summary>An <c>&lt;interface type='hostdev'&gt;</c> (SR-IOV VF) carries its host PCI address like a hostdev.</summary>
    private static Device WithInterfaceHost(Device d, XElement? el)
    {
        if (d.Kind != "interface" || d.Type != "hostdev" || d.Host is not null) return d;
        var a = el?.Element("source")?.Element("address");
        if (a is null || a.Attribute("type")?.Value != "pci") return d;
        int N(string name) => DomainXml.ParseInt(a.Attribute(name)?.Value ?? "0", name, d.Id);
        return d with { Host = new HostDevice { Address = string.Create(CultureInfo.InvariantCulture, $"{N("domain"):x4}:{N("bus"):x2}:{N("slot"):x2}.{N("function"):x}") } };
    }

    private static string? QemuModelOf(Device c) =>
        c.Controller?.ModelName ?? (c.Model is null ? null : DeviceCatalog.Default.FindPciController(c.Model)?.QemuModel);
}
