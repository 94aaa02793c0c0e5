using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using DevAddr.Core.Model;

namespace DevAddr.Libvirt;

/// <summary>A libvirt domain XML document read into a planning request, keeping every element for write-back.</summary>
public sealed class DomainXml
{
    private readonly Dictionary<string, XElement> _elements = new(StringComparer.Ordinal);
    private readonly HashSet<XElement> _deviceElements;

    private DomainXml(XDocument document, PlanRequest request, Dictionary<string, XElement> elements)
    {
        Document = document;
        Request = request;
        _elements = elements;
        _deviceElements = new HashSet<XElement>(elements.Values, ReferenceEqualityComparer.Instance);
    }

    /// <summary>The parsed document.</summary>
    public XDocument Document { get; }

    /// <summary>The planning request derived from the document.</summary>
    public PlanRequest Request { get; }

    /// <summary>The XML element of the request device with this id, if any.</summary>
    public XElement? ElementOf(string id) => _elements.GetValueOrDefault(id);

    /// <summary>Whether an element is one of the request's devices.</summary>
    public bool IsDeviceElement(XElement element) => _deviceElements.Contains(element);

    /// <summary>Deepest element nesting accepted (libvirt domain XML nests about 8 deep).</summary>
    public const int MaxDepth = 64;

    /// <summary>Parses domain XML text.</summary>
    /// <exception cref="DomainXmlException">The text is not a usable domain definition.</exception>
    public static DomainXml Parse(string text)
    {
        XDocument doc;
        try
        {
            doc = Load(text);
        }
        catch (XmlException ex)
        {
            throw new DomainXmlException($"XML error: {ex.Message}");
        }
        var root = doc.Root;
        if (root is null || root.Name.LocalName != "domain")
            throw new DomainXmlException("XML error: the root element must be <domain>");

        var type = root.Element("os")?.Element("type");
        string arch = type?.Attribute("arch")?.Value ?? "x86_64";
        string machine = type?.Attribute("machine")?.Value ?? arch switch
        {
            "aarch64" or "armv7l" or "riscv64" => "virt",
            "ppc64" or "ppc64le" => "pseries",
            "s390x" => "s390-ccw-virtio",
            _ => "pc",
        };
        var cells = root.Element("cpu")?.Element("numa")?.Elements("cell").ToList() ?? [];
        int numa = cells.Count;
        // Shared memory: the memory backing's access mode, overridden per NUMA cell by memAccess.
        bool sharedBacking = root.Element("memoryBacking")?.Element("access")?.Attribute("mode")?.Value == "shared";
        bool shared = cells.Count == 0 ? sharedBacking
            : cells.All(c => (c.Attribute("memAccess")?.Value ?? (sharedBacking ? "shared" : null)) == "shared");
        int? slots = Int(root.Element("maxMemory"), "slots");

        var devices = new List<Device>();
        var elements = new Dictionary<string, XElement>(StringComparer.Ordinal);
        var devicesEl = root.Element("devices");
        var known = LibvirtXmlFacts.Default.KnownDeviceElements;
        int position = 0;
        foreach (var el in devicesEl?.Elements() ?? [])
        {
            position++;
            // libvirt 9.0 drops elements it does not know (e.g. <crypto>) without reserving their addresses.
            if (el.Name.LocalName == "emulator" || !known.Contains(el.Name.LocalName)) continue;
            string id = $"{el.Name.LocalName}{position}";
            devices.Add(ReadDevice(el, id));
            elements[id] = el;
        }
        DomainXmlChecks.CheckDevices(root);
        var reserves = QemuOverride.ReadReserves(root, devices, elements.GetValueOrDefault);
        for (int i = 0; i < devices.Count && reserves.Count > 0; i++)
        {
            var d = devices[i];
            if (d.Kind == "controller" && d.Type == "pci" && reserves.Remove(d.Index ?? 0, out var r))
                devices[i] = d with { Controller = (d.Controller ?? new ControllerOptions()) with { Reserve = r } };
        }

        var request = new PlanRequest
        {
            Machine = new MachineSpec(arch, machine),
            NumaNodes = numa,
            SharedMemory = shared,
            Vcpus = root.Element("vcpu") is { } vcpu ? ParseInt(vcpu.Value, "vcpu") : 0,
            MemorySlots = slots,
            Devices = devices,
        };
        return new DomainXml(doc, request, elements);
    }

    private static readonly XmlReaderSettings s_readerSettings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = 64L << 20,
    };

    /// <summary>
    /// Reads the document in one pass, refusing nesting deeper than <see cref="MaxDepth"/> as it goes (a deeply nested
    /// document would take time quadratic in its depth). Text that is only white space is left out, as libvirt writes
    /// none: the tree holds what is written back.
    /// </summary>
    private static XDocument Load(string text)
    {
        using var reader = XmlReader.Create(new StringReader(text), s_readerSettings);
        var doc = new XDocument();
        XContainer current = doc;
        // Whether the open element has had white space only so far: it is then written empty (<a/>), while <a></a>
        // keeps its empty content.
        bool whitespace = false;
        while (reader.Read())
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Element:
                {
                    if (reader.Depth > MaxDepth)
                        throw new DomainXmlException($"XML error: the document nests deeper than {MaxDepth} elements (line {((IXmlLineInfo)reader).LineNumber})");
                    var e = new XElement(reader.NamespaceURI.Length == 0 ? XNamespace.None.GetName(reader.LocalName) : XName.Get(reader.LocalName, reader.NamespaceURI));
                    if (reader.MoveToFirstAttribute())
                    {
                        do
                        {
                            // As XDocument.Load names them: an unprefixed attribute (xmlns too) has no namespace.
                            var name = reader.Prefix.Length == 0 ? XNamespace.None.GetName(reader.LocalName) : XName.Get(reader.LocalName, reader.NamespaceURI);
                            e.Add(new XAttribute(name, reader.Value));
                        }
                        while (reader.MoveToNextAttribute());
                        reader.MoveToElement();
                    }
                    current.Add(e);
                    if (!reader.IsEmptyElement)
                    {
                        current = e;
                        whitespace = false;
                    }
                    break;
                }
                case XmlNodeType.EndElement:
                    if (current is XElement { IsEmpty: true } ended && !whitespace) ended.Add(string.Empty);
                    current = current.Parent ?? (XContainer?)current.Document ?? doc;
                    break;
                case XmlNodeType.Text when string.IsNullOrWhiteSpace(reader.Value):
                    whitespace = true;
                    break;
                case XmlNodeType.Text:
                    current.Add(reader.Value);
                    break;
                case XmlNodeType.CDATA when !string.IsNullOrWhiteSpace(reader.Value):
                    current.Add(new XCData(reader.Value));
                    break;
                case XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace or XmlNodeType.CDATA:
                    whitespace = true;
                    break;
                case XmlNodeType.Comment:
                    current.Add(new XComment(reader.Value));
                    break;
                case XmlNodeType.ProcessingInstruction:
                    current.Add(new XProcessingInstruction(reader.Name, reader.Value));
                    break;
            }
        }
        return doc;
    }

    private static Device ReadDevice(XElement el, string id)
    {
        string tag = el.Name.LocalName;
        string? A(string name) => el.Attribute(name)?.Value;
        var target = el.Element("target");
        var modelEl = el.Element("model");
        var address = ReadAddress(el.Element("address"), id);
        // The fields each kind reads (one device built: a plan reads every device of every guest).
        string? type = null, model = null, bus = null, targetName = null;
        int? index = null;
        ControllerOptions? controller = null;
        HostDevice? host = null;
        bool? primary = null;
        switch (tag)
        {
            case "disk":
                (type, bus, targetName, model) = (A("device") ?? "disk", target?.Attribute("bus")?.Value, target?.Attribute("dev")?.Value, A("model"));
                break;
            case "controller":
                (type, index, model, controller) = (A("type"), Int(el, "index"), A("model"), ReadControllerOptions(el));
                break;
            case "interface":
                (type, model) = (A("type"), modelEl?.Attribute("type")?.Value);
                break;
            case "video":
                (model, primary) = (modelEl?.Attribute("type")?.Value, modelEl?.Attribute("primary")?.Value == "yes" ? true : null);
                break;
            case "input":
                (type, bus, model) = (A("type"), A("bus"), A("model"));
                break;
            case "hostdev":
                (type, model, host) = (A("type"), A("model"), ReadHost(el));
                break;
            case "shmem":
                model = modelEl?.Attribute("type")?.Value;
                break;
            case "filesystem":
                // An MTP share (<driver type='mtp'>) is a USB device.
                (type, model, bus) = (A("type"), A("model"), el.Element("driver")?.Attribute("type")?.Value == "mtp" ? "usb" : null);
                break;
            case "serial" or "console" or "channel" or "parallel":
                (type, targetName) = (target?.Attribute("type")?.Value, target?.Attribute("name")?.Value);
                break;
            case "hub":
                type = A("type");
                break;
            case "redirdev":
                (type, bus) = (A("type"), A("bus"));
                break;
            case "smartcard":
                type = A("mode");
                break;
            default:
                model = A("model");
                break;
        }
        return new Device
        {
            Id = id, Kind = tag, Address = address, Type = type, Model = model, Bus = bus, Target = targetName, Index = index,
            Controller = controller, Host = host, Primary = primary,
        };
    }

    private static ControllerOptions? ReadControllerOptions(XElement el)
    {
        var t = el.Element("target");
        var o = new ControllerOptions
        {
            Ports = Int(el, "ports"),
            Vectors = Int(el, "vectors"),
            Chassis = Int(t, "chassis"),
            Port = Int(t, "port"),
            ChassisNr = Int(t, "chassisNr"),
            BusNr = Int(t, "busNr"),
            NumaNode = t?.Element("node") is { } n ? ParseInt(n.Value, "node") : null,
            TargetIndex = Int(t, "index"),
            Hotplug = t?.Attribute("hotplug")?.Value switch { "on" => true, "off" => false, _ => null },
            ModelName = el.Element("model")?.Attribute("name")?.Value,
            MasterStartPort = Int(el.Element("master"), "startport"),
            PciHole64 = el.Element("pcihole64") is { } hole ? PciHole64Bytes(hole) : null,
        };
        return o == new ControllerOptions() ? null : o;
    }

    /// <summary>The size of a <c>&lt;pcihole64&gt;</c> in bytes (libvirt's unit attribute, KiB when absent).</summary>
    private static long PciHole64Bytes(XElement hole)
    {
        long unit = (hole.Attribute("unit")?.Value ?? "KiB") switch
        {
            "b" or "bytes" => 1,
            "KiB" or "k" or "K" => 1L << 10,
            "MiB" or "M" => 1L << 20,
            "GiB" or "G" => 1L << 30,
            "TiB" or "T" => 1L << 40,
            string other => throw new DomainXmlException($"XML error: unknown pcihole64 unit '{other}'"),
        };
        if (!long.TryParse(hole.Value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n > long.MaxValue / unit)
            throw new DomainXmlException($"XML error: cannot read pcihole64 '{hole.Value}'");
        return n * unit;
    }

    private static HostDevice? ReadHost(XElement el)
    {
        var src = el.Element("source");
        if (src is null) return null;
        string? type = el.Attribute("type")?.Value;
        string? address = type switch
        {
            "pci" when src.Element("address") is { } a =>
                string.Create(CultureInfo.InvariantCulture, $"{ParseInt(a.Attribute("domain")?.Value ?? "0", "domain"):x4}:{ParseInt(a.Attribute("bus")?.Value ?? "0", "bus"):x2}:{ParseInt(a.Attribute("slot")?.Value ?? "0", "slot"):x2}.{ParseInt(a.Attribute("function")?.Value ?? "0", "function"):x}"),
            "usb" => $"{src.Element("vendor")?.Attribute("id")?.Value}:{src.Element("product")?.Attribute("id")?.Value}:{src.Element("address")?.Attribute("bus")?.Value}:{src.Element("address")?.Attribute("device")?.Value}",
            // libvirt tells SCSI host devices apart by adapter and address, iSCSI ones by target name and host.
            "scsi" when src.Attribute("protocol")?.Value is string protocol =>
                $"{protocol}:{src.Attribute("name")?.Value}@{src.Element("host")?.Attribute("name")?.Value}",
            "scsi" => $"{src.Element("adapter")?.Attribute("name")?.Value}:{src.Element("address")?.Attribute("bus")?.Value}:{src.Element("address")?.Attribute("target")?.Value}:{src.Element("address")?.Attribute("unit")?.Value}",
            "scsi_host" => src.Attribute("wwpn")?.Value,
            "mdev" => src.Element("address")?.Attribute("uuid")?.Value,
            _ => null,
        };
        return address is null ? null : new HostDevice { Address = address };
    }

    internal static DeviceAddress? ReadAddress(XElement? a, string id)
    {
        if (a is null) return null;
        string type = a.Attribute("type")?.Value ?? "";
        int N(string name) => ParseInt(a.Attribute(name)?.Value ?? "0", name, id);
        return type switch
        {
            "pci" => new PciAddress(N("domain"), N("bus"), N("slot"), N("function"),
                a.Attribute("multifunction")?.Value switch { "on" => true, "off" => false, _ => null }) { Zpci = ReadZpci(a.Element("zpci")) },
            "spapr-vio" => new SpaprVioAddress(UInt(a, "reg", 16, uint.MaxValue + 1L)),
            "ccw" => new CcwAddress((int?)UInt(a, "cssid", 0), (int?)UInt(a, "ssid", 0), (int?)UInt(a, "devno", 0)),
            "virtio-mmio" => new VirtioMmioAddress(),
            "drive" => new DriveAddress(N("controller"), N("bus"), N("target"), N("unit")),
            "usb" => new UsbAddress(N("bus"), a.Attribute("port")?.Value ?? ""),
            "virtio-serial" => new VirtioSerialAddress(N("controller"), N("bus"), N("port")),
            "ccid" => new CcidAddress(N("controller"), N("slot")),
            "dimm" => new DimmAddress(N("slot"), a.Attribute("base")?.Value),
            // Like libvirt, only attributes without a namespace count (a:iobase and iobase are not the same attribute).
            _ => new OtherAddress(type, a.Attributes().Where(x => !x.IsNamespaceDeclaration && x.Name.Namespace == XNamespace.None && x.Name.LocalName != "type")
                .ToDictionary(x => x.Name.LocalName, x => x.Value, StringComparer.Ordinal)),
        };
    }

    /// <summary>The zPCI ids of a PCI address (&lt;zpci uid fid/&gt;), each parsed like libvirt (0x hex, 0 octal, decimal), or null.</summary>
    private static ZpciIds? ReadZpci(XElement? zpci) =>
        zpci is null ? null : new ZpciIds((int?)UInt(zpci, "uid", 0), UInt(zpci, "fid", 0));

    /// <summary>
    /// An unsigned attribute as libvirt's virXMLPropUInt reads it: in <paramref name="radix"/> (0: 0x hex, a leading 0
    /// octal, else decimal; 16: hex with an optional 0x), below <paramref name="limit"/> (default: 32 bits); null when absent.
    /// </summary>
    internal static long? UInt(XElement el, string attr, int radix, long limit = uint.MaxValue + 1L)
    {
        if (el.Attribute(attr)?.Value is not string text) return null;
        string t = text.Trim();
        int b = radix;
        if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && radix is 0 or 16)
        {
            t = t[2..];
            b = 16;
        }
        else if (radix == 0)
        {
            b = t.Length > 1 && t[0] == '0' ? 8 : 10;
        }

        long v = 0;
        bool ok = t.Length > 0;
        foreach (char c in t)
        {
            int digit = c switch { >= '0' and <= '9' => c - '0', >= 'a' and <= 'f' => c - 'a' + 10, >= 'A' and <= 'F' => c - 'A' + 10, _ => 99 };
            if (digit >= b || v > limit)
            {
                ok = false;
                break;
            }
            v = (v * b) + digit;
        }
        if (!ok || v >= limit)
            throw new DomainXmlException($"XML error: Invalid value for attribute '{attr}' in element '{el.Name.LocalName}': '{text}'. Expected non-negative integer value");
        return v;
    }

    private static int? Int(XElement? el, string attr) =>
        el?.Attribute(attr)?.Value is string v ? ParseInt(v, attr) : null;

    /// <summary>A number as libvirt reads it (decimal or 0x hex) rendered in decimal, or the text itself.</summary>
    internal static string ParseIntOrText(string text)
    {
        try
        {
            return ParseInt(text, "value").ToString(CultureInfo.InvariantCulture);
        }
        catch (DomainXmlException)
        {
            return text;
        }
    }

    internal static int ParseInt(string text, string what, string? id = null)
    {
        text = text.Trim();
        bool ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? int.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int v)
            : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out v);
        if (!ok || v < 0)
            throw new DomainXmlException($"XML error: Cannot parse {what} '{text}'{(id is null ? "" : $" of device {id}")}");
        return v;
    }
}

/// <summary>A libvirt domain XML document cannot be read.</summary>
public sealed class DomainXmlException(string message) : Exception(message);
