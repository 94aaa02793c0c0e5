using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using DevAddr.Core.Model;

namespace DevAddr.Libvirt;

/// <summary>Writes a plan back into the domain XML it was read from: addresses, added controllers and devices.</summary>
public static class DomainXmlWriter
{
    /// <summary>Returns the domain XML of <paramref name="source"/> with every device as planned.</summary>
    public static string Write(DomainXml source, Plan plan)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(plan);
        var facts = LibvirtXmlFacts.Default;
        var doc = source.Document;
        var root = doc.Root!;
        var devicesEl = root.Element("devices");
        if (devicesEl is null)
        {
            devicesEl = new XElement("devices");
            root.Add(devicesEl);
        }
        var emulators = devicesEl.Elements("emulator").ToList();
        var leftovers = devicesEl.Elements()
            .Where(e => e.Name.LocalName != "emulator" && !facts.UnknownDeviceElements.Contains(e.Name.LocalName))
            .ToList();

        var ordered = new List<XElement>();
        var counters = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var d in plan.Devices)
        {
            var el = source.ElementOf(d.Id);
            if (el is not null && facts.UnknownDeviceElements.Contains(el.Name.LocalName)) continue;
            if (el is null) el = NewElement(d);
            else leftovers.Remove(el);
            Update(el, d, facts, counters);
            ordered.Add(el);
        }

        devicesEl.RemoveNodes();
        foreach (var e in emulators) devicesEl.Add(e);
        foreach (var e in ordered) devicesEl.Add(e);
        foreach (var e in leftovers) devicesEl.Add(e);

        var settings = new XmlWriterSettings { OmitXmlDeclaration = true, Indent = true, IndentChars = "  ", NewLineChars = "\n" };
        using var sw = new StringWriter(CultureInfo.InvariantCulture);
        using (var xw = XmlWriter.Create(sw, settings))
        {
            StripWhitespace(doc.Root!);
            doc.Root!.WriteTo(xw);
        }
        return sw.ToString() + "\n";
    }

    private static void StripWhitespace(XElement root)
    {
        foreach (var t in root.DescendantNodes().OfType<XText>().Where(t => string.IsNullOrWhiteSpace(t.Value)).ToList())
            t.Remove();
    }

    private static XElement NewElement(Device d)
    {
        var el = new XElement(d.Kind);
        switch (d.Kind)
        {
            case "controller":
                el.SetAttributeValue("type", d.Type);
                break;
            case "input":
                el.SetAttributeValue("type", d.Type);
                el.SetAttributeValue("bus", d.Bus);
                break;
            case "hub":
                el.SetAttributeValue("type", d.Type ?? "usb");
                break;
            case "memballoon":
                el.SetAttributeValue("model", d.Model);
                break;
            case "video":
                el.Add(new XElement("model", new XAttribute("type", d.Model ?? "cirrus")));
                break;
        }
        return el;
    }

    private static void Update(XElement el, Device d, LibvirtXmlFacts facts, Dictionary<string, int> counters)
    {
        switch (d.Kind)
        {
            case "controller":
                UpdateController(el, d);
                break;
            case "video":
                UpdateVideo(el, d, facts);
                break;
            case "serial" or "parallel" or "console":
                UpdateCharTarget(el, d, facts, counters);
                break;
        }
        if (d.Address is not null) SetAddress(el, d.Address);
    }

    private static void UpdateController(XElement el, Device d)
    {
        el.SetAttributeValue("index", (d.Index ?? 0).ToString(CultureInfo.InvariantCulture));
        if (d.Model is not null) el.SetAttributeValue("model", d.Model);
        var o = d.Controller;
        if (o is null) return;
        if (o.Ports is int ports) el.SetAttributeValue("ports", ports.ToString(CultureInfo.InvariantCulture));
        if (o.ModelName is string name)
        {
            var m = el.Element("model");
            if (m is null) el.Add(m = new XElement("model"));
            m.SetAttributeValue("name", name);
        }
        if (o.Chassis is not null || o.Port is not null || o.ChassisNr is not null || o.BusNr is not null || o.NumaNode is not null || o.Hotplug is not null)
        {
            var t = el.Element("target");
            if (t is null) el.Add(t = new XElement("target"));
            if (o.ChassisNr is int cn) t.SetAttributeValue("chassisNr", cn.ToString(CultureInfo.InvariantCulture));
            if (o.Chassis is int ch) t.SetAttributeValue("chassis", ch.ToString(CultureInfo.InvariantCulture));
            if (o.Port is int port) t.SetAttributeValue("port", "0x" + port.ToString("x", CultureInfo.InvariantCulture));
            if (o.BusNr is int nr) t.SetAttributeValue("busNr", nr.ToString(CultureInfo.InvariantCulture));
            if (o.Hotplug is bool hp) t.SetAttributeValue("hotplug", hp ? "on" : "off");
            if (o.NumaNode is int node && t.Element("node") is null) t.Add(new XElement("node", node.ToString(CultureInfo.InvariantCulture)));
        }
    }

    private static void UpdateVideo(XElement el, Device d, LibvirtXmlFacts facts)
    {
        var m = el.Element("model");
        if (m is null) el.AddFirst(m = new XElement("model"));
        string type = m.Attribute("type")?.Value ?? d.Model ?? "cirrus";
        m.SetAttributeValue("type", type);
        if (facts.VideoModelDefaults.TryGetValue(type, out var defaults))
        {
            foreach (var (attr, value) in defaults)
                if (m.Attribute(attr) is null) m.SetAttributeValue(attr, value);
        }
        if (d.Primary == true && type != "none") m.SetAttributeValue("primary", "yes");
    }

    private static void UpdateCharTarget(XElement el, Device d, LibvirtXmlFacts facts, Dictionary<string, int> counters)
    {
        var t = el.Element("target");
        if (t is null) el.Add(t = new XElement("target"));
        int next = counters.GetValueOrDefault(d.Kind);
        if (t.Attribute("port") is null) t.SetAttributeValue("port", next.ToString(CultureInfo.InvariantCulture));
        counters[d.Kind] = next + 1;
        if (d.Kind == "serial" && t.Attribute("type")?.Value is string tt && facts.SerialTargetModelNames.TryGetValue(tt, out var modelName)
            && t.Element("model") is null)
            t.Add(new XElement("model", new XAttribute("name", modelName)));
    }

    internal static void SetAddress(XElement el, DeviceAddress address)
    {
        el.Elements("address").Remove();
        var a = new XElement("address", new XAttribute("type", address is OtherAddress o ? o.AddressType : address.Kind));
        static string Hex(int v, int width) => "0x" + v.ToString("x" + width.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        static string Dec(int v) => v.ToString(CultureInfo.InvariantCulture);
        switch (address)
        {
            case PciAddress p:
                a.Add(new XAttribute("domain", Hex(p.Domain, 4)), new XAttribute("bus", Hex(p.Bus, 2)),
                      new XAttribute("slot", Hex(p.Slot, 2)), new XAttribute("function", Hex(p.Function, 1)));
                if (p.Multifunction is bool mf) a.Add(new XAttribute("multifunction", mf ? "on" : "off"));
                break;
            case DriveAddress dr:
                a.Add(new XAttribute("controller", Dec(dr.Controller)), new XAttribute("bus", Dec(dr.Bus)),
                      new XAttribute("target", Dec(dr.Target)), new XAttribute("unit", Dec(dr.Unit)));
                break;
            case UsbAddress u:
                a.Add(new XAttribute("bus", Dec(u.Bus)), new XAttribute("port", u.Port));
                break;
            case VirtioSerialAddress v:
                a.Add(new XAttribute("controller", Dec(v.Controller)), new XAttribute("bus", Dec(v.Bus)), new XAttribute("port", Dec(v.Port)));
                break;
            case CcidAddress c:
                a.Add(new XAttribute("controller", Dec(c.Controller)), new XAttribute("slot", Dec(c.Slot)));
                break;
            case DimmAddress m:
                a.Add(new XAttribute("slot", Dec(m.Slot)));
                if (m.Base is not null) a.Add(new XAttribute("base", m.Base));
                break;
            case OtherAddress other:
                foreach (var (k, v) in other.Attributes) a.Add(new XAttribute(k, v));
                break;
        }
        el.Add(a);
    }
}
