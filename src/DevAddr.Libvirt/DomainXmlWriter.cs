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
        var sb = Build(source, plan);
        try
        {
            return sb.ToString();
        }
        finally
        {
            XmlText.Return(sb);
        }
    }

    /// <summary>Like <see cref="Write"/>, the text in the thread's builder (see <see cref="XmlText.Build"/>).</summary>
    internal static System.Text.StringBuilder Build(DomainXml source, Plan plan)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(plan);
        var facts = LibvirtXmlFacts.Default;
        var doc = source.Document;
        var root = doc.Root!;
        var devicesEl = root.Element(XmlNames.Devices);
        if (devicesEl is null)
        {
            devicesEl = new XElement(XmlNames.Devices);
            root.Add(devicesEl);
        }
        var emulators = devicesEl.Elements(XmlNames.Emulator).ToList();
        // Elements of devices the policy dropped (a device the libvirt release does not know) are not written back.
        var leftovers = devicesEl.Elements()
            .Where(e => e.Name.LocalName != "emulator" && facts.KnownDeviceElements.Contains(e.Name.LocalName) && !source.IsDeviceElement(e))
            .ToList();

        var ports = CharPorts(source, plan);
        var ordered = new List<XElement>();
        var written = new Dictionary<string, XElement>(StringComparer.Ordinal);
        foreach (var d in plan.Devices)
        {
            var el = source.ElementOf(d.Id);
            if (el is null) el = NewElement(d, source);
            else leftovers.Remove(el);
            Update(el, d, facts, ports);
            ordered.Add(el);
            written[d.Id] = el;
        }
        MirrorSerialConsole(source, plan, written);
        QemuOverride.WriteReserves(root, plan, id => written.GetValueOrDefault(id));

        devicesEl.RemoveNodes();
        foreach (var e in emulators) devicesEl.Add(e);
        foreach (var e in ordered) devicesEl.Add(e);
        foreach (var e in leftovers) devicesEl.Add(e);

        return XmlText.Build(doc.Root!, 2048 + (320 * plan.Devices.Count));
    }

    private static XElement NewElement(Device d, DomainXml source)
    {
        var el = new XElement(d.Kind);
        switch (d.Kind)
        {
            case "controller":
                el.SetAttributeValue(XmlNames.Type, d.Type);
                break;
            case "input":
                el.SetAttributeValue(XmlNames.Type, d.Type);
                el.SetAttributeValue(XmlNames.Bus, d.Bus);
                break;
            case "hub":
                el.SetAttributeValue(XmlNames.Type, d.Type ?? "usb");
                break;
            case "memballoon":
                el.SetAttributeValue(XmlNames.Model, d.Model);
                break;
            case "video":
                el.Add(new XElement(XmlNames.Model, new XAttribute(XmlNames.Type, d.Model ?? "cirrus")));
                break;
            case "iommu":
                // The IOMMU libvirt adds for more than 255 vCPUs, with the interrupt remapping they need.
                el.SetAttributeValue(XmlNames.Model, d.Model);
                el.Add(new XElement(XmlNames.Driver, new XAttribute(XmlNames.Intremap, "on"), new XAttribute(XmlNames.Eim, "on")));
                break;
            case "watchdog":
                // An implicit watchdog (the q35 iTCO) takes the first watchdog's action, as libvirt gives it.
                el.SetAttributeValue(XmlNames.Model, d.Model);
                el.SetAttributeValue(XmlNames.Action, source.Document.Root?.Element(XmlNames.Devices)?.Elements(XmlNames.Watchdog).FirstOrDefault()?.Attribute(XmlNames.Action)?.Value ?? "reset");
                break;
            case "disk":
                // A definition written from a plan (devaddr libvirt domain): a file-backed disk named after the device.
                el.SetAttributeValue(XmlNames.Type, "file");
                el.SetAttributeValue(XmlNames.Device, d.Type ?? "disk");
                if (d.Type is null or "disk") el.Add(new XElement(XmlNames.Source, new XAttribute(XmlNames.File, $"/var/lib/libvirt/images/{d.Id}.img")));
                el.Add(new XElement(XmlNames.Target, new XAttribute(XmlNames.Dev, d.Target ?? d.Id)));
                break;
            case "interface" when d.Type != "hostdev":
                el.SetAttributeValue(XmlNames.Type, d.Type ?? "user");
                el.Add(new XElement(XmlNames.Mac, new XAttribute(XmlNames.Address, MacOf(d.Id))));
                break;
            case "rng":
                el.SetAttributeValue(XmlNames.Model, d.Model ?? "virtio");
                el.Add(new XElement(XmlNames.Backend, new XAttribute(XmlNames.Model, "random"), "/dev/urandom"));
                break;
            case "channel":
                el.SetAttributeValue(XmlNames.Type, "unix");
                el.Add(new XElement(XmlNames.Target, new XAttribute(XmlNames.Type, d.Type ?? "virtio"), new XAttribute(XmlNames.Name, d.Target ?? d.Id)));
                break;
            case "hostdev" when d.Type is null or "pci":
                el.SetAttributeValue(XmlNames.Mode, "subsystem");
                el.SetAttributeValue(XmlNames.Type, "pci");
                el.SetAttributeValue(XmlNames.Managed, "yes");
                if (HostSource(d) is { } hostSource) el.Add(hostSource);
                break;
            case "interface" when d.Type == "hostdev":
                el.SetAttributeValue(XmlNames.Type, "hostdev");
                el.SetAttributeValue(XmlNames.Managed, "yes");
                el.Add(new XElement(XmlNames.Mac, new XAttribute(XmlNames.Address, MacOf(d.Id))));
                if (HostSource(d, addressType: true) is { } ifaceSource) el.Add(ifaceSource);
                break;
        }
        return el;
    }

    /// <summary>A MAC address derived from the device id (QEMU's 52:54:00 prefix), so a definition written twice is the same.</summary>
    private static string MacOf(string id)
    {
        uint h = 2166136261;
        foreach (char c in id) h = unchecked((h ^ c) * 16777619);
        return string.Create(CultureInfo.InvariantCulture, $"52:54:00:{(h >> 16) & 0xff:x2}:{(h >> 8) & 0xff:x2}:{h & 0xff:x2}");
    }

    /// <summary>The <c>&lt;source&gt;</c> of a passed-through PCI device: its host address.</summary>
    private static XElement? HostSource(Device d, bool addressType = false)
    {
        if (!Core.Host.HostTopologyIndex.TryParse(d.Host?.Address, out int domain, out int bus, out int slot, out int function)) return null;
        var address = new XElement(XmlNames.Address);
        if (addressType) address.Add(new XAttribute(XmlNames.Type, "pci"));
        address.Add(new XAttribute(XmlNames.Domain, Hex(domain, 4)), new XAttribute(XmlNames.Bus, Hex(bus, 2)), new XAttribute(XmlNames.Slot, Hex(slot, 2)), new XAttribute(XmlNames.Function, Hex(function, 1)));
        return new XElement(XmlNames.Source, address);
    }

    private static void Update(XElement el, Device d, LibvirtXmlFacts facts, Dictionary<string, int> ports)
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
                UpdateCharTarget(el, d, facts, ports);
                break;
            case "disk" when d.Bus is not null:
                Child(el, XmlNames.Target).SetAttributeValue(XmlNames.Bus, d.Bus);
                break;
            case "interface" when d.Model is not null && d.Type != "hostdev":
                Child(el, XmlNames.Model).SetAttributeValue(XmlNames.Type, d.Model);
                break;
            case "input" when d.Bus is not null:
                el.SetAttributeValue(XmlNames.Bus, d.Bus);
                break;
            case "panic" or "tpm" when d.Model is not null:
                el.SetAttributeValue(XmlNames.Model, d.Model);
                break;
            case "channel":
                // A channel's connection state is live state: libvirt does not keep it in the stored definition.
                el.Element(XmlNames.Target)?.Attribute(XmlNames.State)?.Remove();
                break;
            case "filesystem":
            {
                // libvirt's defaults: a mount share, passed through (unless it is a vhost-user share with a socket),
                // written type first, then accessmode.
                string fsType = el.Attribute(XmlNames.Type)?.Value ?? "mount";
                el.Attribute(XmlNames.Type)?.Remove();
                if (el.Attribute(XmlNames.Accessmode) is null && el.Element(XmlNames.Source)?.Attribute(XmlNames.Socket) is null)
                    AddFirstAttribute(el, XmlNames.Accessmode, "passthrough");
                AddFirstAttribute(el, XmlNames.Type, fsType);
                break;
            }
            case "vsock" when el.Attribute(XmlNames.Model) is null:
                AddFirstAttribute(el, XmlNames.Model, d.Model ?? "virtio");
                break;
        }
        if (d.Address is not null) SetAddress(el, d.Address);
        else el.Elements(XmlNames.Address).Remove();
    }

    /// <summary>Adds an attribute before the element's others (libvirt writes defaults such as type and model first).</summary>
    private static void AddFirstAttribute(XElement el, XName name, string value)
    {
        var rest = el.Attributes().ToList();
        el.RemoveAttributes();
        el.Add(new XAttribute(name, value));
        el.Add(rest);
    }

    private static readonly XName[] s_videoSizes = [XmlNames.Ram, XmlNames.Vram];

    private static XElement Child(XElement el, XName name)
    {
        var child = el.Element(name);
        if (child is null) el.Add(child = new XElement(name));
        return child;
    }

    private static void UpdateController(XElement el, Device d)
    {
        el.SetAttributeValue(XmlNames.Index, (d.Index ?? 0).ToString(CultureInfo.InvariantCulture));
        if (d.Model is not null) el.SetAttributeValue(XmlNames.Model, d.Model);
        var o = d.Controller;
        if (o is null) return;
        if (o.Ports is int ports) el.SetAttributeValue(XmlNames.Ports, ports.ToString(CultureInfo.InvariantCulture));
        if (o.MasterStartPort is int start && el.Element(XmlNames.Master) is null)
            el.Add(new XElement(XmlNames.Master, new XAttribute(XmlNames.Startport, start.ToString(CultureInfo.InvariantCulture))));
        if (o.ModelName is string name)
        {
            var m = el.Element(XmlNames.Model);
            if (m is null) el.Add(m = new XElement(XmlNames.Model));
            m.SetAttributeValue(XmlNames.Name, name);
        }
        if (o.Chassis is not null || o.Port is not null || o.ChassisNr is not null || o.BusNr is not null || o.NumaNode is not null || o.Hotplug is not null
            || o.TargetIndex is not null)
        {
            var t = el.Element(XmlNames.Target);
            if (t is null) el.Add(t = new XElement(XmlNames.Target));
            if (o.ChassisNr is int cn) t.SetAttributeValue(XmlNames.ChassisNr, cn.ToString(CultureInfo.InvariantCulture));
            if (o.Chassis is int ch) t.SetAttributeValue(XmlNames.Chassis, ch.ToString(CultureInfo.InvariantCulture));
            if (o.Port is int port) t.SetAttributeValue(XmlNames.Port, "0x" + port.ToString("x", CultureInfo.InvariantCulture));
            if (o.BusNr is int nr) t.SetAttributeValue(XmlNames.BusNr, nr.ToString(CultureInfo.InvariantCulture));
            if (o.TargetIndex is int ti) t.SetAttributeValue(XmlNames.Index, ti.ToString(CultureInfo.InvariantCulture));
            if (o.Hotplug is bool hp) t.SetAttributeValue(XmlNames.Hotplug, hp ? "on" : "off");
            if (o.NumaNode is int node && t.Element(XmlNames.Node) is null) t.Add(new XElement(XmlNames.Node, node.ToString(CultureInfo.InvariantCulture)));
        }
        if (o.PciHole64 is long hole)
        {
            el.Elements(XmlNames.Pcihole64).Remove();
            el.Add(new XElement(XmlNames.Pcihole64, new XAttribute(XmlNames.Unit, "KiB"), (hole / 1024).ToString(CultureInfo.InvariantCulture)));
        }
    }

    /// <summary>
    /// The video &lt;model&gt; as libvirt stores it: default sizes and heads, ram and vram rounded up to a power of
    /// two (vgamem and vram64 are kept), primary='yes' on the primary video only; a 'none' video keeps just its type.
    /// </summary>
    private static void UpdateVideo(XElement el, Device d, LibvirtXmlFacts facts)
    {
        var m = el.Element(XmlNames.Model);
        if (m is null) el.AddFirst(m = new XElement(XmlNames.Model));
        string type = m.Attribute(XmlNames.Type)?.Value ?? d.Model ?? "cirrus";
        if (type == "none")
        {
            m.RemoveAttributes();
            m.SetAttributeValue(XmlNames.Type, type);
            return;
        }
        m.SetAttributeValue(XmlNames.Type, type);
        if (facts.VideoModelDefaults.TryGetValue(type, out var defaults))
        {
            foreach (var (attr, value) in defaults)
            {
                bool unset = m.Attribute(attr) is null || (attr is "ram" or "vram" && DomainXmlChecks.Size(m, attr) == 0);
                if (unset) m.SetAttributeValue(attr, value);
            }
        }
        foreach (var attr in s_videoSizes)
        {
            long size = DomainXmlChecks.Size(m, attr);
            if (m.Attribute(attr) is not null && size > 0)
                m.SetAttributeValue(attr, DomainXmlChecks.RoundUpPowerOfTwo(size).ToString(CultureInfo.InvariantCulture));
        }
        if (d.Primary == true) m.SetAttributeValue(XmlNames.Primary, "yes");
        else m.Attribute(XmlNames.Primary)?.Remove();
        var attrs = m.Attributes().ToList();
        m.RemoveAttributes();
        m.Add(attrs.OrderBy(a => Array.IndexOf(s_videoAttributeOrder, a.Name.LocalName) is int i and >= 0 ? i : s_videoAttributeOrder.Length));
    }

    /// <summary>The order in which libvirt writes the attributes of a video &lt;model&gt;.</summary>
    private static readonly string[] s_videoAttributeOrder = ["type", "ram", "vram", "vram64", "vgamem", "heads", "primary"];

    /// <summary>
    /// Target ports of serials, parallels and consoles, by device id (libvirt keeps them in the XML only):
    /// serials written as isa-serial take the lowest free ISA port 0-3 first; any other serial without a port takes
    /// 1 + the largest port any serial has at that moment; a parallel without a port 1 + the largest port of the
    /// parallels before it; a console its position among the XML consoles, except that a serial console shows the
    /// first serial's port.
    /// </summary>
    private static Dictionary<string, int> CharPorts(DomainXml source, Plan plan)
    {
        var ports = new Dictionary<string, int>(StringComparer.Ordinal);
        var serials = plan.Devices.Where(d => d.Kind == "serial").ToList();
        var serialPorts = serials.Select(d => DomainXmlChecks.CharPort(source.ElementOf(d.Id)?.Element(XmlNames.Target))).ToList();
        bool WrittenIsa(int i) => source.ElementOf(serials[i].Id)?.Element(XmlNames.Target)?.Attribute(XmlNames.Type)?.Value == "isa-serial";
        var isaUsed = Enumerable.Range(0, serials.Count).Where(i => WrittenIsa(i) && serialPorts[i] >= 0).Select(i => serialPorts[i]).ToHashSet();
        for (int i = 0; i < serials.Count; i++)
        {
            if (!WrittenIsa(i) || serialPorts[i] >= 0) continue;
            int port = Enumerable.Range(0, DomainXmlChecks.MaxIsaSerialPorts).FirstOrDefault(p => !isaUsed.Contains(p), -1);
            if (port < 0) continue;
            serialPorts[i] = port;
            isaUsed.Add(port);
        }
        for (int i = 0; i < serials.Count; i++)
        {
            if (serialPorts[i] < 0) serialPorts[i] = serialPorts.Max() + 1;
            ports[serials[i].Id] = serialPorts[i];
        }

        var parallelPorts = new List<int>();
        foreach (var d in plan.Devices.Where(d => d.Kind == "parallel"))
        {
            int port = DomainXmlChecks.CharPort(source.ElementOf(d.Id)?.Element(XmlNames.Target));
            if (port < 0) port = parallelPorts.DefaultIfEmpty(-1).Max() + 1;
            parallelPorts.Add(port);
            ports[d.Id] = port;
        }

        int position = 0;
        foreach (var d in plan.Devices.Where(d => d.Kind == "console"))
        {
            int xmlIndex = source.ElementOf(d.Id) is null ? -1 : position++;
            ports[d.Id] = d.Type == "serial" ? (serials.Count > 0 ? serialPorts[0] : 0) : Math.Max(xmlIndex, 0);
        }
        return ports;
    }

    private static void UpdateCharTarget(XElement el, Device d, LibvirtXmlFacts facts, Dictionary<string, int> ports)
    {
        var t = Child(el, XmlNames.Target);
        if (d.Type is not null && d.Kind != "parallel") t.SetAttributeValue(XmlNames.Type, d.Type);
        if (ports.TryGetValue(d.Id, out int port)) t.SetAttributeValue(XmlNames.Port, port.ToString(CultureInfo.InvariantCulture));
        if (d.Kind == "serial" && d.Type is string tt && facts.SerialTargetModelNames.TryGetValue(tt, out var modelName)
            && t.Element(XmlNames.Model) is null)
            t.Add(new XElement(XmlNames.Model, new XAttribute(XmlNames.Name, modelName)));
    }

    /// <summary>
    /// A serial console is a second view of the first serial port: it shows that port's character device and
    /// address (a serial added for a serial console shows the console's character device).
    /// </summary>
    private static void MirrorSerialConsole(DomainXml source, Plan plan, Dictionary<string, XElement> written)
    {
        var console = plan.Devices.FirstOrDefault(d => d.Kind == "console");
        var serial = plan.Devices.FirstOrDefault(d => d.Kind == "serial");
        if (console?.Type != "serial" || serial is null) return;
        var consoleEl = written[console.Id];
        var serialEl = written[serial.Id];
        var (from, to) = source.ElementOf(serial.Id) is null ? (consoleEl, serialEl) : (serialEl, consoleEl);
        if (from.Attribute(XmlNames.Type)?.Value is string chardev) to.SetAttributeValue(XmlNames.Type, chardev);
        to.Elements(XmlNames.Source).Remove();
        var firstSource = from.Elements(XmlNames.Source).Select(s => new XElement(s)).ToList();
        if (firstSource.Count > 0)
        {
            if (to.Element(XmlNames.Target) is { } target) target.AddBeforeSelf(firstSource);
            else to.AddFirst(firstSource);
        }
        consoleEl.Elements(XmlNames.Address).Remove();
        if (serial.Address is not null) SetAddress(consoleEl, serial.Address);
    }

    /// <summary>"0x" and the value in lower-case hex, zero-padded to <paramref name="width"/> digits (small values from a table).</summary>
    private static string Hex(int v, int width) =>
        v is >= 0 and < 256 && width is >= 1 and <= 4 ? s_hex[width - 1][v]
            : "0x" + v.ToString("x" + width.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static readonly string[][] s_hex = [.. Enumerable.Range(1, 4).Select(w =>
        Enumerable.Range(0, 256).Select(v => "0x" + v.ToString("x" + w.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)).ToArray())];

    internal static void SetAddress(XElement el, DeviceAddress address)
    {
        el.Elements(XmlNames.Address).Remove();
        var a = new XElement(XmlNames.Address, new XAttribute(XmlNames.Type, address is OtherAddress o ? o.AddressType : address.Kind));
        static string Dec(int v) => v.ToString(CultureInfo.InvariantCulture);
        switch (address)
        {
            case PciAddress { Domain: 0, Bus: 0, Slot: 0, Function: 0, Multifunction: null }:
                break;  // "assign one", kept on a device that got no PCI address: libvirt writes just the type
            case PciAddress p:
                a.Add(new XAttribute(XmlNames.Domain, Hex(p.Domain, 4)), new XAttribute(XmlNames.Bus, Hex(p.Bus, 2)),
                      new XAttribute(XmlNames.Slot, Hex(p.Slot, 2)), new XAttribute(XmlNames.Function, Hex(p.Function, 1)));
                if (p.Multifunction is bool mf) a.Add(new XAttribute(XmlNames.Multifunction, mf ? "on" : "off"));
                if (p.Zpci is { } z)
                {
                    var zpci = new XElement(XmlNames.Zpci);
                    if (z.Uid is int uid) zpci.Add(new XAttribute(XmlNames.Uid, Hex(uid, 4)));
                    if (z.Fid is long fid) zpci.Add(new XAttribute(XmlNames.Fid, "0x" + fid.ToString("x8", CultureInfo.InvariantCulture)));
                    a.Add(zpci);
                }
                break;
            case SpaprVioAddress { Reg: long reg }:
                a.Add(new XAttribute(XmlNames.Reg, "0x" + reg.ToString("x8", CultureInfo.InvariantCulture)));
                break;
            case CcwAddress { IsComplete: true } ccw:
                a.Add(new XAttribute(XmlNames.Cssid, "0x" + ccw.Cssid!.Value.ToString("x", CultureInfo.InvariantCulture)),
                      new XAttribute(XmlNames.Ssid, "0x" + ccw.Ssid!.Value.ToString("x", CultureInfo.InvariantCulture)),
                      new XAttribute(XmlNames.Devno, Hex(ccw.Devno!.Value, 4)));
                break;
            case DriveAddress dr:
                a.Add(new XAttribute(XmlNames.Controller, Dec(dr.Controller)), new XAttribute(XmlNames.Bus, Dec(dr.Bus)),
                      new XAttribute(XmlNames.Target, Dec(dr.Target)), new XAttribute(XmlNames.Unit, Dec(dr.Unit)));
                break;
            case UsbAddress u:
                a.Add(new XAttribute(XmlNames.Bus, Dec(u.Bus)), new XAttribute(XmlNames.Port, u.Port));
                break;
            case VirtioSerialAddress v:
                a.Add(new XAttribute(XmlNames.Controller, Dec(v.Controller)), new XAttribute(XmlNames.Bus, Dec(v.Bus)), new XAttribute(XmlNames.Port, Dec(v.Port)));
                break;
            case CcidAddress c:
                a.Add(new XAttribute(XmlNames.Controller, Dec(c.Controller)), new XAttribute(XmlNames.Slot, Dec(c.Slot)));
                break;
            case DimmAddress m:
                a.Add(new XAttribute(XmlNames.Slot, Dec(m.Slot)));
                if (m.Base is not null) a.Add(new XAttribute(XmlNames.Base, m.Base));
                break;
            case OtherAddress other:
                foreach (var (k, v) in other.Attributes) a.Add(new XAttribute(k, v));
                break;
        }
        el.Add(a);
    }
}
