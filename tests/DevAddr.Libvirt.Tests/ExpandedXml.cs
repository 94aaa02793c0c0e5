using System.Globalization;
using System.Xml.Linq;

namespace DevAddr.Libvirt.Tests;

/// <summary>Reading controllers and device addresses out of an expanded domain XML, for the libvirt rule tests.</summary>
internal static class ExpandedXml
{
    public static XElement Controller(XElement devices, string type, int index) =>
        devices.Elements("controller").Single(c => c.Attribute("type")?.Value == type && c.Attribute("index")?.Value == index.ToString(CultureInfo.InvariantCulture));

    /// <summary>An address attribute's value, hex (0x…) or decimal.</summary>
    public static int Number(XElement address, string attr)
    {
        string v = address.Attribute(attr)!.Value;
        return v.StartsWith("0x", StringComparison.Ordinal)
            ? int.Parse(v.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : int.Parse(v, CultureInfo.InvariantCulture);
    }

    /// <summary>A device's PCI address as bus:slot.function (hex), or null.</summary>
    public static string? Pci(XElement el) => el.Element("address") is { } a && a.Attribute("type")?.Value == "pci"
        ? string.Create(CultureInfo.InvariantCulture, $"{Number(a, "bus"):x2}:{Number(a, "slot"):x2}.{Number(a, "function")}")
        : null;

    /// <summary>A device's drive address as controller:bus:target:unit, or null.</summary>
    public static string? Drive(XElement el) => el.Element("address") is { } a && a.Attribute("type")?.Value == "drive"
        ? string.Create(CultureInfo.InvariantCulture, $"{Number(a, "controller")}:{Number(a, "bus")}:{Number(a, "target")}:{Number(a, "unit")}")
        : null;

    /// <summary>A device's virtio-serial address as controller:port, or null.</summary>
    public static string? VirtioSerial(XElement el) => el.Element("address") is { } a && a.Attribute("type")?.Value == "virtio-serial"
        ? string.Create(CultureInfo.InvariantCulture, $"{Number(a, "controller")}:{Number(a, "port")}")
        : null;
}
