using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using DevAddr.Core.Model;

namespace DevAddr.Libvirt;

/// <summary>A libvirt domain XML document read into a planning request, keeping every element for write-back.</summary>
public sealed partial class DomainXml
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

        var type = root.Element(XmlNames.Os)?.Element(XmlNames.Type);
        string arch = type?.Attribute(XmlNames.Arch)?.Value ?? "x86_64";
        string machine = type?.Attribute(XmlNames.Machine)?.Value ?? arch switch
        {
            "aarch64" or "armv7l" or "riscv64" => "virt",
            "ppc64" or "ppc64le" => "pseries",
            "s390x" => "s390-ccw-virtio",
            _ => "pc",
        };
        var cells = root.Element(XmlNames.Cpu)?.Element(XmlNames.Numa)?.Elements(XmlNames.Cell).ToList() ?? [];
        int numa = cells.Count;
        // Shared memory: the memory backing's access mode, overridden per NUMA cell by memAccess.
        bool sharedBacking = root.Element(XmlNames.MemoryBacking)?.Element(XmlNames.Access)?.Attribute(XmlNames.Mode)?.Value == "shared";
        bool shared = cells.Count == 0 ? sharedBacking
            : cells.All(c => (c.Attribute(XmlNames.MemAccess)?.Value ?? (sharedBacking ? "shared" : null)) == "shared");
        int? slots = Int(root.Element(XmlNames.MaxMemory), XmlNames.Slots);

        var devices = new List<Device>();
        var elements = new Dictionary<string, XElement>(StringComparer.Ordinal);
        var devicesEl = root.Element(XmlNames.Devices);
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
            Vcpus = root.Element(XmlNames.Vcpu) is { } vcpu ? ParseInt(vcpu.Value, "vcpu") : 0,
            MemorySlots = slots,
            Devices = devices,
        };
        return new DomainXml(doc, request, elements);
    }

    /// <summary>
    /// A thread's reader settings, with the name table its documents share: each element and attribute name is then
    /// one string for every document the thread reads, and its <see cref="XName"/> is found by reference. The table and
    /// the map are replaced after <see cref="NameTableChars"/> characters of documents, so what they keep stays bounded;
    /// the <see cref="XName"/>s themselves stay in <see cref="XNamespace.None"/>'s table, which <see cref="XmlNames"/>
    /// keeps alive, so a process that reads ever new names keeps each of them.
    /// </summary>
    [ThreadStatic] private static ReaderState? t_reader;

    private const long NameTableChars = 16L << 20;

    private sealed class ReaderState
    {
        public readonly XmlReaderSettings Settings = new()
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = 64L << 20,
            NameTable = new NameTable(),
        };

        /// <summary>Unprefixed names (elements, and attributes without a namespace) by their name table string.</summary>
        public readonly Dictionary<string, XName> Names = new(ReferenceEqualityComparer.Instance);

        public long Chars;

        public XName Name(string localName)
        {
            if (!Names.TryGetValue(localName, out var name)) Names.Add(localName, name = XNamespace.None.GetName(localName));
            return name;
        }

        /// <summary>Unprefixed names by their text, for the <see cref="FastReader"/>.</summary>
        private readonly Dictionary<string, XName> _fastNames = new(StringComparer.Ordinal);

        /// <summary>Short attribute values by their text, shared by the documents of the <see cref="FastReader"/>.</summary>
        private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

        /// <summary>The <see cref="FastReader"/>'s attributes of the element being read.</summary>
        public readonly List<XAttribute> Attributes = [];

        public XName FastName(ReadOnlySpan<char> localName)
        {
            var lookup = _fastNames.GetAlternateLookup<ReadOnlySpan<char>>();
            if (!lookup.TryGetValue(localName, out var name))
            {
                string text = localName.ToString();
                _fastNames.Add(text, name = XNamespace.None.GetName(text));
            }
            return name;
        }

        /// <summary>The value's string, shared while fewer than <paramref name="limit"/> values are kept.</summary>
        public string SharedValue(ReadOnlySpan<char> value, int limit)
        {
            var lookup = _values.GetAlternateLookup<ReadOnlySpan<char>>();
            if (lookup.TryGetValue(value, out var shared)) return shared;
            string text = value.ToString();
            if (_values.Count < limit) _values.Add(text, text);
            return text;
        }
    }

    private static ReaderState Reader(int chars)
    {
        var state = t_reader;
        if (state is null || state.Chars > NameTableChars) t_reader = state = new ReaderState();
        state.Chars += chars;
        return state;
    }

    /// <summary>
    /// Reads the document in one pass, refusing nesting deeper than <see cref="MaxDepth"/> as it goes (a deeply nested
    /// document would take time quadratic in its depth). Text that is only white space is left out, as libvirt writes
    /// none: the tree holds what is written back. Plain documents (nearly every definition) are read by the
    /// <see cref="FastReader"/>, the rest by an <see cref="XmlReader"/>; both build the same tree.
    /// </summary>
    private static XDocument Load(string text)
    {
        var state = Reader(text.Length);
        return FastReader.TryLoad(text, state) ?? LoadWithReader(text, state);
    }

    /// <summary>Reads the document with an <see cref="XmlReader"/> (see <see cref="Load"/>); internal for the reader tests.</summary>
    internal static XDocument LoadWithReader(string text) => LoadWithReader(text, Reader(text.Length));

    /// <summary>Reads the document with the <see cref="FastReader"/>, or null where it leaves it to the reader; internal for the reader tests.</summary>
    internal static XDocument? LoadFast(string text) => FastReader.TryLoad(text, Reader(text.Length));

    private static XDocument LoadWithReader(string text, ReaderState state)
    {
        using var reader = XmlReader.Create(new StringReader(text), state.Settings);
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
                    var e = new XElement(reader.NamespaceURI.Length == 0 ? state.Name(reader.LocalName) : XName.Get(reader.LocalName, reader.NamespaceURI));
                    if (reader.MoveToFirstAttribute())
                    {
                        do
                        {
                            // As XDocument.Load names them: an unprefixed attribute (xmlns too) has no namespace.
                            var name = reader.Prefix.Length == 0 ? state.Name(reader.LocalName) : XName.Get(reader.LocalName, reader.NamespaceURI);
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
        string? A(XName name) => el.Attribute(name)?.Value;
        var target = el.Element(XmlNames.Target);
        var modelEl = el.Element(XmlNames.Model);
        var address = ReadAddress(el.Element(XmlNames.Address), id);
        // The fields each kind reads (one device built: a plan reads every device of every guest).
        string? type = null, model = null, bus = null, targetName = null;
        int? index = null;
        ControllerOptions? controller = null;
        HostDevice? host = null;
        bool? primary = null;
        switch (tag)
        {
            case "disk":
                (type, bus, targetName, model) = (A(XmlNames.Device) ?? "disk", target?.Attribute(XmlNames.Bus)?.Value, target?.Attribute(XmlNames.Dev)?.Value, A(XmlNames.Model));
                break;
            case "controller":
                (type, index, model, controller) = (A(XmlNames.Type), Int(el, XmlNames.Index), A(XmlNames.Model), ReadControllerOptions(el));
                break;
            case "interface":
                (type, model) = (A(XmlNames.Type), modelEl?.Attribute(XmlNames.Type)?.Value);
                break;
            case "video":
                (model, primary) = (modelEl?.Attribute(XmlNames.Type)?.Value, modelEl?.Attribute(XmlNames.Primary)?.Value == "yes" ? true : null);
                break;
            case "input":
                (type, bus, model) = (A(XmlNames.Type), A(XmlNames.Bus), A(XmlNames.Model));
                break;
            case "hostdev":
                (type, model, host) = (A(XmlNames.Type), A(XmlNames.Model), ReadHost(el));
                break;
            case "shmem":
                model = modelEl?.Attribute(XmlNames.Type)?.Value;
                break;
            case "filesystem":
                // An MTP share (<driver type='mtp'>) is a USB device.
                (type, model, bus) = (A(XmlNames.Type), A(XmlNames.Model), el.Element(XmlNames.Driver)?.Attribute(XmlNames.Type)?.Value == "mtp" ? "usb" : null);
                break;
            case "serial" or "console" or "channel" or "parallel":
                (type, targetName) = (target?.Attribute(XmlNames.Type)?.Value, target?.Attribute(XmlNames.Name)?.Value);
                break;
            case "hub":
                type = A(XmlNames.Type);
                break;
            case "redirdev":
                (type, bus) = (A(XmlNames.Type), A(XmlNames.Bus));
                break;
            case "smartcard":
                type = A(XmlNames.Mode);
                break;
            default:
                model = A(XmlNames.Model);
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
        var t = el.Element(XmlNames.Target);
        var o = new ControllerOptions
        {
            Ports = Int(el, XmlNames.Ports),
            Vectors = Int(el, XmlNames.Vectors),
            Chassis = Int(t, XmlNames.Chassis),
            Port = Int(t, XmlNames.Port),
            ChassisNr = Int(t, XmlNames.ChassisNr),
            BusNr = Int(t, XmlNames.BusNr),
            NumaNode = t?.Element(XmlNames.Node) is { } n ? ParseInt(n.Value, "node") : null,
            TargetIndex = Int(t, XmlNames.Index),
            Hotplug = t?.Attribute(XmlNames.Hotplug)?.Value switch { "on" => true, "off" => false, _ => null },
            ModelName = el.Element(XmlNames.Model)?.Attribute(XmlNames.Name)?.Value,
            MasterStartPort = Int(el.Element(XmlNames.Master), XmlNames.Startport),
            PciHole64 = el.Element(XmlNames.Pcihole64) is { } hole ? PciHole64Bytes(hole) : null,
        };
        return o == new ControllerOptions() ? null : o;
    }

    /// <summary>The size of a <c>&lt;pcihole64&gt;</c> in bytes (libvirt's unit attribute, KiB when absent).</summary>
    private static long PciHole64Bytes(XElement hole)
    {
        long unit = (hole.Attribute(XmlNames.Unit)?.Value ?? "KiB") switch
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
        var src = el.Element(XmlNames.Source);
        if (src is null) return null;
        string? type = el.Attribute(XmlNames.Type)?.Value;
        string? address = type switch
        {
            "pci" when src.Element(XmlNames.Address) is { } a =>
                string.Create(CultureInfo.InvariantCulture, $"{ParseInt(a.Attribute(XmlNames.Domain)?.Value ?? "0", "domain"):x4}:{ParseInt(a.Attribute(XmlNames.Bus)?.Value ?? "0", "bus"):x2}:{ParseInt(a.Attribute(XmlNames.Slot)?.Value ?? "0", "slot"):x2}.{ParseInt(a.Attribute(XmlNames.Function)?.Value ?? "0", "function"):x}"),
            "usb" => $"{src.Element(XmlNames.Vendor)?.Attribute(XmlNames.Id)?.Value}:{src.Element(XmlNames.Product)?.Attribute(XmlNames.Id)?.Value}:{src.Element(XmlNames.Address)?.Attribute(XmlNames.Bus)?.Value}:{src.Element(XmlNames.Address)?.Attribute(XmlNames.Device)?.Value}",
            // libvirt tells SCSI host devices apart by adapter and address, iSCSI ones by target name and host.
            "scsi" when src.Attribute(XmlNames.Protocol)?.Value is string protocol =>
                $"{protocol}:{src.Attribute(XmlNames.Name)?.Value}@{src.Element(XmlNames.Host)?.Attribute(XmlNames.Name)?.Value}",
            "scsi" => $"{src.Element(XmlNames.Adapter)?.Attribute(XmlNames.Name)?.Value}:{src.Element(XmlNames.Address)?.Attribute(XmlNames.Bus)?.Value}:{src.Element(XmlNames.Address)?.Attribute(XmlNames.Target)?.Value}:{src.Element(XmlNames.Address)?.Attribute(XmlNames.Unit)?.Value}",
            "scsi_host" => src.Attribute(XmlNames.Wwpn)?.Value,
            "mdev" => src.Element(XmlNames.Address)?.Attribute(XmlNames.Uuid)?.Value,
            _ => null,
        };
        return address is null ? null : new HostDevice { Address = address };
    }

    internal static DeviceAddress? ReadAddress(XElement? a, string id)
    {
        if (a is null) return null;
        string type = a.Attribute(XmlNames.Type)?.Value ?? "";
        int N(XName name) => ParseInt(a.Attribute(name)?.Value ?? "0", name.LocalName, id);
        return type switch
        {
            "pci" => new PciAddress(N(XmlNames.Domain), N(XmlNames.Bus), N(XmlNames.Slot), N(XmlNames.Function),
                a.Attribute(XmlNames.Multifunction)?.Value switch { "on" => true, "off" => false, _ => null }) { Zpci = ReadZpci(a.Element(XmlNames.Zpci)) },
            "spapr-vio" => new SpaprVioAddress(UInt(a, XmlNames.Reg, 16, uint.MaxValue + 1L)),
            "ccw" => new CcwAddress((int?)UInt(a, XmlNames.Cssid, 0), (int?)UInt(a, XmlNames.Ssid, 0), (int?)UInt(a, XmlNames.Devno, 0)),
            "virtio-mmio" => new VirtioMmioAddress(),
            "drive" => new DriveAddress(N(XmlNames.Controller), N(XmlNames.Bus), N(XmlNames.Target), N(XmlNames.Unit)),
            "usb" => new UsbAddress(N(XmlNames.Bus), a.Attribute(XmlNames.Port)?.Value ?? ""),
            "virtio-serial" => new VirtioSerialAddress(N(XmlNames.Controller), N(XmlNames.Bus), N(XmlNames.Port)),
            "ccid" => new CcidAddress(N(XmlNames.Controller), N(XmlNames.Slot)),
            "dimm" => new DimmAddress(N(XmlNames.Slot), a.Attribute(XmlNames.Base)?.Value),
            // Like libvirt, only attributes without a namespace count (a:iobase and iobase are not the same attribute).
            _ => new OtherAddress(type, a.Attributes().Where(x => !x.IsNamespaceDeclaration && x.Name.Namespace == XNamespace.None && x.Name.LocalName != "type")
                .ToDictionary(x => x.Name.LocalName, x => x.Value, StringComparer.Ordinal)),
        };
    }

    /// <summary>The zPCI ids of a PCI address (&lt;zpci uid fid/&gt;), each parsed like libvirt (0x hex, 0 octal, decimal), or null.</summary>
    private static ZpciIds? ReadZpci(XElement? zpci) =>
        zpci is null ? null : new ZpciIds((int?)UInt(zpci, XmlNames.Uid, 0), UInt(zpci, XmlNames.Fid, 0));

    /// <summary>
    /// An unsigned attribute as libvirt's virXMLPropUInt reads it: in <paramref name="radix"/> (0: 0x hex, a leading 0
    /// octal, else decimal; 16: hex with an optional 0x), below <paramref name="limit"/> (default: 32 bits); null when absent.
    /// </summary>
    internal static long? UInt(XElement el, XName attr, int radix, long limit = uint.MaxValue + 1L)
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
            throw new DomainXmlException($"XML error: Invalid value for attribute '{attr.LocalName}' in element '{el.Name.LocalName}': '{text}'. Expected non-negative integer value");
        return v;
    }

    private static int? Int(XElement? el, XName attr) =>
        el?.Attribute(attr)?.Value is string v ? ParseInt(v, attr.LocalName) : null;

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
