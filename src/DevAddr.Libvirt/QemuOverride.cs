using System.Globalization;
using System.Xml.Linq;
using DevAddr.Core.Model;

namespace DevAddr.Libvirt;

/// <summary>
/// Root-port resource reserves in domain XML. libvirt 9.0 has no element for QEMU's <c>bus-reserve</c>,
/// <c>io-reserve</c>, <c>mem-reserve</c>, <c>pref32-reserve</c> and <c>pref64-reserve</c>; they travel as
/// <c>&lt;qemu:override&gt;&lt;qemu:device alias='pci.N'&gt;&lt;qemu:frontend&gt;&lt;qemu:property .../&gt;</c>
/// (libvirt names PCI controller N <c>pci.N</c> unless it has a user alias).
/// </summary>
public static class QemuOverride
{
    /// <summary>The libvirt QEMU namespace.</summary>
    public static readonly XNamespace Qemu = "http://libvirt.org/schemas/domain/qemu/1.0";

    /// <summary>Whether a QEMU property name is one of the reserves.</summary>
    public static bool IsReserve(string name) => PortReserve.IsProperty(name);

    /// <summary>The alias libvirt gives a PCI controller: its user alias, else <c>pci.INDEX</c>.</summary>
    public static string AliasOf(Device controller, XElement? element) =>
        element?.Element(XmlNames.Alias)?.Attribute(XmlNames.Name)?.Value ?? string.Create(CultureInfo.InvariantCulture, $"pci.{controller.Index ?? 0}");

    /// <summary>Sets one reserve property (by QEMU name) on a reserve.</summary>
    /// <exception cref="DomainXmlException">The value is not a size in bytes.</exception>
    public static PortReserve With(PortReserve? r, string property, string value)
    {
        r ??= new PortReserve();
        if (!long.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long bytes) && !SizeText(value, out bytes))
            throw new DomainXmlException($"XML error: cannot read '{property}' value '{value}' as a size in bytes");
        if (property == "bus-reserve" && bytes > int.MaxValue)
            throw new DomainXmlException($"XML error: bus-reserve value '{value}' is too large");
        return r.With(property, bytes) ?? r;
    }

    /// <summary>The reserves <c>&lt;qemu:override&gt;</c> sets on PCI controllers, by controller index.</summary>
    /// <exception cref="DomainXmlException">A reserve value is not a size.</exception>
    public static Dictionary<int, PortReserve> ReadReserves(XElement root, IEnumerable<Device> devices, Func<string, XElement?> elementOf)
    {
        var byAlias = PciAliases(devices, elementOf);
        var reserves = new Dictionary<int, PortReserve>();
        foreach (var dev in root.Element(Qemu + "override")?.Elements(Qemu + "device") ?? [])
        {
            if (!byAlias.TryGetValue(dev.Attribute(XmlNames.Alias)?.Value ?? "", out int index)) continue;
            foreach (var p in dev.Element(Qemu + "frontend")?.Elements(Qemu + "property") ?? [])
            {
                string name = p.Attribute(XmlNames.Name)?.Value ?? "";
                if (IsReserve(name) && p.Attribute(XmlNames.Value)?.Value is string value)
                    reserves[index] = With(reserves.GetValueOrDefault(index), name, value);
            }
        }
        return reserves;
    }

    /// <summary>PCI controller indexes by libvirt alias.</summary>
    public static Dictionary<string, int> PciAliases(IEnumerable<Device> devices, Func<string, XElement?> elementOf)
    {
        var byAlias = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var d in devices.Where(d => d.Kind == "controller" && d.Type == "pci"))
            byAlias.TryAdd(AliasOf(d, elementOf(d.Id)), d.Index ?? 0);
        return byAlias;
    }

    /// <summary>
    /// Writes the reserve of every PCI controller of the plan that has one into <c>&lt;qemu:override&gt;</c>
    /// (adding the namespace, the override and the device entry when missing; other properties stay).
    /// </summary>
    public static void WriteReserves(XElement root, Plan plan, Func<string, XElement?> elementOf)
    {
        foreach (var d in plan.Devices)
        {
            if (d.Kind != "controller" || d.Type != "pci" || d.Controller?.Reserve is not { } reserve) continue;
            var props = reserve.Properties().ToList();
            if (props.Count == 0) continue;
            if (root.Attribute(XNamespace.Xmlns + "qemu") is null) root.SetAttributeValue(XNamespace.Xmlns + "qemu", Qemu.NamespaceName);
            var ov = root.Element(Qemu + "override");
            if (ov is null) root.Add(ov = new XElement(Qemu + "override"));
            string alias = AliasOf(d, elementOf(d.Id));
            var dev = ov.Elements(Qemu + "device").FirstOrDefault(e => e.Attribute(XmlNames.Alias)?.Value == alias);
            if (dev is null) ov.Add(dev = new XElement(Qemu + "device", new XAttribute(XmlNames.Alias, alias)));
            var frontend = dev.Element(Qemu + "frontend");
            if (frontend is null) dev.Add(frontend = new XElement(Qemu + "frontend"));
            foreach (var (name, value) in props)
            {
                var p = frontend.Elements(Qemu + "property").FirstOrDefault(e => e.Attribute(XmlNames.Name)?.Value == name);
                if (p is null) frontend.Add(p = new XElement(Qemu + "property", new XAttribute(XmlNames.Name, name)));
                p.SetAttributeValue(XmlNames.Type, "unsigned");
                p.SetAttributeValue(XmlNames.Value, value.ToString(CultureInfo.InvariantCulture));
            }
        }
    }

    private static bool SizeText(string text, out long bytes)
    {
        bytes = 0;
        text = text.Trim();
        if (text.Length < 2) return false;
        long unit = char.ToUpperInvariant(text[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, 'T' => 1L << 40, _ => 0 };
        if (unit == 0 || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n > long.MaxValue / unit) return false;
        bytes = n * unit;
        return true;
    }
}
