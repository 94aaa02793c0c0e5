using System.Globalization;
using System.Text.Json.Serialization;

namespace DevAddr.Core.Model;

/// <summary>An address of a device on some bus. The JSON form carries a <c>type</c> discriminator.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(PciAddress), "pci")]
[JsonDerivedType(typeof(DriveAddress), "drive")]
[JsonDerivedType(typeof(UsbAddress), "usb")]
[JsonDerivedType(typeof(VirtioSerialAddress), "virtio-serial")]
[JsonDerivedType(typeof(CcidAddress), "ccid")]
[JsonDerivedType(typeof(DimmAddress), "dimm")]
[JsonDerivedType(typeof(SpaprVioAddress), "spapr-vio")]
[JsonDerivedType(typeof(CcwAddress), "ccw")]
[JsonDerivedType(typeof(VirtioMmioAddress), "virtio-mmio")]
[JsonDerivedType(typeof(OtherAddress), "other")]
public abstract record DeviceAddress
{
    /// <summary>The address kind as libvirt names it (pci, drive, usb, virtio-serial, ccid, dimm, ...).</summary>
    [JsonIgnore]
    public abstract string Kind { get; }
}

/// <summary>A PCI address. <see cref="Bus"/> is the index of the PCI controller the device plugs into.</summary>
public sealed record PciAddress : DeviceAddress
{
    /// <summary>Highest slot number on a PCI bus.</summary>
    public const int SlotLast = 31;

    /// <summary>Highest function number in a PCI slot.</summary>
    public const int FunctionLast = 7;

    /// <summary>Creates a PCI address; the planner checks its ranges (request check <c>pci-address-range</c>) and bus rules.</summary>
    public PciAddress(int domain, int bus, int slot, int function, bool? multifunction = null)
    {
        Domain = domain;
        Bus = bus;
        Slot = slot;
        Function = function;
        Multifunction = multifunction;
    }

    /// <summary>PCI domain (only 0 is supported).</summary>
    public int Domain { get; init; }
    /// <summary>Bus: the index of the PCI controller.</summary>
    public int Bus { get; init; }
    /// <summary>Slot 0-31.</summary>
    public int Slot { get; init; }
    /// <summary>Function 0-7.</summary>
    public int Function { get; init; }
    /// <summary>multifunction='on' (true), 'off' (false) or not given (null).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Multifunction { get; init; }
    /// <summary>The s390x zPCI identifiers of the device (<c>&lt;zpci uid fid/&gt;</c>); absent elsewhere.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ZpciIds? Zpci { get; init; }

    /// <inheritdoc />
    [JsonIgnore]
    public override string Kind => "pci";

    /// <summary>libvirt's textual form, e.g. <c>0000:00:1f.2</c>.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Domain:x4}:{Bus:x2}:{Slot:x2}.{Function:x}");
}

/// <summary>A drive address on an IDE, SATA, SCSI or floppy controller.</summary>
public sealed record DriveAddress(int Controller, int Bus, int Target, int Unit) : DeviceAddress
{
    /// <inheritdoc />
    [JsonIgnore]
    public override string Kind => "drive";
    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Controller}:{Bus}:{Target}:{Unit}");
}

/// <summary>A USB address: controller index and a dot-separated port path (e.g. <c>1.3</c>); an empty port means any free port of that bus.</summary>
public sealed record UsbAddress(int Bus, string Port = "") : DeviceAddress
{
    /// <inheritdoc />
    [JsonIgnore]
    public override string Kind => "usb";
    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"usb {Bus}:{Port}");
}

/// <summary>A virtio-serial port address.</summary>
public sealed record VirtioSerialAddress(int Controller, int Bus, int Port) : DeviceAddress
{
    /// <inheritdoc />
    [JsonIgnore]
    public override string Kind => "virtio-serial";
    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"virtio-serial {Controller}:{Bus}:{Port}");
}

/// <summary>A CCID (smartcard) slot address.</summary>
public sealed record CcidAddress(int Controller, int Slot) : DeviceAddress
{
    /// <inheritdoc />
    [JsonIgnore]
    public override string Kind => "ccid";
    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"ccid {Controller}:{Slot}");
}

/// <summary>A memory DIMM slot, with the guest physical base address when one was given (omitted from JSON otherwise).</summary>
public sealed record DimmAddress(
    int Slot,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Base = null) : DeviceAddress
{
    /// <inheritdoc />
    [JsonIgnore]
    public override string Kind => "dimm";
    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"dimm {Slot}");
}

/// <summary>
/// s390x zPCI identifiers of a PCI device: <c>uid</c> 1-0xffff and <c>fid</c> 0-0xffffffff, each unique in the guest.
/// In a request either may be left out (the planner assigns the lowest free one, as libvirt does).
/// </summary>
public sealed record ZpciIds(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Uid = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Fid = null)
{
    /// <summary>Highest uid.</summary>
    public const int UidLast = 0xffff;
    /// <summary>Highest fid.</summary>
    public const long FidLast = 0xffffffff;

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"zpci uid=0x{Uid ?? 0:x4} fid=0x{Fid ?? 0:x8}");
}

/// <summary>
/// An address on the pseries spapr-vio bus: a register number (<c>reg</c>), unique in the guest, at most 0xffffffff.
/// In a request <see cref="Reg"/> may be left out: the planner picks libvirt's default for the device kind (or the
/// next free one above it).
/// </summary>
public sealed record SpaprVioAddress(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Reg = null) : DeviceAddress
{
    /// <summary>Highest register number.</summary>
    public const long RegLast = 0xffffffff;

    /// <inheritdoc />
    [JsonIgnore]
    public override string Kind => "spapr-vio";
    /// <inheritdoc />
    public override string ToString() => Reg is long r ? string.Create(CultureInfo.InvariantCulture, $"spapr-vio 0x{r:x8}") : "spapr-vio";
}

/// <summary>
/// An s390x channel I/O (CCW) address: channel subsystem (<c>cssid</c> 0-0xfe), subchannel set (<c>ssid</c> 0-3) and
/// device number (<c>devno</c> 0-0xffff), unique in the guest. In a request all three may be left out: the planner
/// gives the device the next free <c>fe.0.devno</c>, as libvirt does.
/// </summary>
public sealed record CcwAddress(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Cssid = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Ssid = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Devno = null) : DeviceAddress
{
    /// <summary>Highest channel subsystem id.</summary>
    public const int CssidLast = 0xfe;
    /// <summary>Highest subchannel set id.</summary>
    public const int SsidLast = 3;
    /// <summary>Highest device number.</summary>
    public const int DevnoLast = 0xffff;

    /// <summary>True when all three numbers are given.</summary>
    [JsonIgnore]
    public bool IsComplete => Cssid is not null && Ssid is not null && Devno is not null;

    /// <inheritdoc />
    [JsonIgnore]
    public override string Kind => "ccw";
    /// <summary>libvirt's key form, e.g. <c>fe.0.0005</c>.</summary>
    public override string ToString() => IsComplete
        ? string.Create(CultureInfo.InvariantCulture, $"{Cssid:x}.{Ssid:x}.{Devno:x4}")
        : "ccw";
}

/// <summary>A virtio-mmio address (ARM and RISC-V virt boards): the device sits on the board's MMIO transport; no numbers.</summary>
public sealed record VirtioMmioAddress : DeviceAddress
{
    /// <inheritdoc />
    [JsonIgnore]
    public override string Kind => "virtio-mmio";
    /// <inheritdoc />
    public override string ToString() => "virtio-mmio";
}

/// <summary>Any other address kind libvirt knows (isa, unassigned, virtio-s390), carried through unchanged.</summary>
public sealed record OtherAddress : DeviceAddress
{
    /// <summary>Creates an address of another kind.</summary>
    public OtherAddress(string addressType, IReadOnlyDictionary<string, string>? attributes = null)
    {
        ArgumentNullException.ThrowIfNull(addressType);
        AddressType = addressType;
        Attributes = new SortedDictionary<string, string>(
            attributes?.ToDictionary(kv => kv.Key, kv => kv.Value) ?? new Dictionary<string, string>(), StringComparer.Ordinal);
    }

    /// <summary>The libvirt address type, e.g. <c>ccw</c>.</summary>
    public string AddressType { get; init; }
    /// <summary>The other attributes, sorted by name.</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; }

    /// <inheritdoc />
    [JsonIgnore]
    public override string Kind => AddressType;

    /// <inheritdoc />
    public bool Equals(OtherAddress? other) =>
        other is not null && AddressType == other.AddressType && Attributes.SequenceEqual(other.Attributes);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(AddressType, Attributes.Count);
}
