using System.Text.Json.Serialization;
using DevAddr.Core.Model;

namespace DevAddr.Core.Hotplug;

/// <summary>What the hotplug and hot-unplug checks know beyond the layout itself.</summary>
public sealed record HotplugOptions
{
    /// <summary>The firmware profile used when <see cref="Firmware"/> is not given.</summary>
    public const string DefaultFirmware = "generic";

    /// <summary>
    /// Windows reserved on PCI ports and bridges at boot (QEMU <c>io-reserve</c>, <c>mem-reserve</c>,
    /// <c>pref32-reserve</c>, <c>pref64-reserve</c>), by PCI controller index. Read from a domain XML's
    /// <c>&lt;qemu:override&gt;</c>, or given by the caller (<c>devaddr hotplug-check --reserve</c>).
    /// </summary>
    public IReadOnlyDictionary<int, PortReserve> Reserves { get; init; } = new Dictionary<int, PortReserve>();

    /// <summary>
    /// Windows of ports and bridges without a reserve: <c>generic</c> (default: 4 KiB I/O, 2 MiB memory, 2 MiB
    /// prefetchable per empty port) or <c>seabios</c> (measured: no I/O window on empty PCI Express ports);
    /// the profiles are in <c>models/hotplug.json</c>.
    /// </summary>
    public string Firmware { get; init; } = DefaultFirmware;

    /// <summary>Whether the guest has ACPI (i440fx root-bus hotplug needs it); null: unknown, assumed on.</summary>
    public bool? Acpi { get; init; }

    /// <summary>Memory hotplug slots of the guest (libvirt's <c>maxMemory slots</c>); null: unknown.</summary>
    public int? MemorySlots { get; init; }
}

/// <summary>Who refuses a hotplug or unplug.</summary>
public static class HotplugLayers
{
    /// <summary>libvirt rejects the attach/detach request.</summary>
    public const string Libvirt = "libvirt";
    /// <summary>libvirt accepts, QEMU refuses <c>device_add</c>/<c>device_del</c>.</summary>
    public const string Qemu = "qemu";
    /// <summary>libvirt and QEMU accept; the guest cannot configure the device (its BARs do not fit the windows the firmware left).</summary>
    public const string Guest = "guest";
}

/// <summary>The reason codes of <see cref="HotplugReason"/>, each with a one-line description.</summary>
public static class HotplugReasons
{
    /// <summary>The device kind (or disk bus, controller type) cannot be attached live.</summary>
    public const string LiveAttachUnsupported = "live-attach-unsupported";
    /// <summary>The device kind cannot be detached live.</summary>
    public const string LiveDetachUnsupported = "live-detach-unsupported";
    /// <summary>No free hot-pluggable PCI place of the right kind (libvirt: "No more available PCI slots").</summary>
    public const string NoFreeSlot = "no-free-slot";
    /// <summary>Free hot-pluggable places exist, but for the other kind (PCI vs PCI Express).</summary>
    public const string BusKind = "bus-kind";
    /// <summary>A free place of the right kind sits on a port or bus with hotplug='off'.</summary>
    public const string PortHotplugOff = "port-hotplug-off";
    /// <summary>Free places of the right kind sit on buses that never accept hotplug (pcie-root, dmi-to-pci-bridge).</summary>
    public const string BusNeverHotplug = "bus-never-hotplug";
    /// <summary>libvirt picks the place, QEMU refuses hotplug on that bus (pxb, i440fx root bus without ACPI).</summary>
    public const string QemuBusNoHotplug = "qemu-bus-no-hotplug";
    /// <summary>The address given with the device is rejected.</summary>
    public const string AddressInvalid = "address-invalid";
    /// <summary>The device's memory BARs do not fit the windows its port or bridge can provide.</summary>
    public const string BarWindow = "bar-window";
    /// <summary>The device has I/O BARs and its port or bridge has no (or too small an) I/O window.</summary>
    public const string IoWindow = "io-window";
    /// <summary>No free USB port on the existing controllers and hubs (libvirt adds no hubs at hotplug).</summary>
    public const string NoUsbPort = "no-usb-port";
    /// <summary>No virtio-serial controller (libvirt does not hot-plug one).</summary>
    public const string NoVirtioSerialController = "no-virtio-serial-controller";
    /// <summary>Every port of the virtio-serial controllers is taken.</summary>
    public const string NoVirtioSerialPort = "no-virtio-serial-port";
    /// <summary>The drive address (from the target name or given) is taken.</summary>
    public const string DriveAddressInUse = "drive-address-in-use";
    /// <summary>A SCSI controller libvirt would hot-plug for the disk cannot be placed.</summary>
    public const string ScsiController = "scsi-controller";
    /// <summary>No free memory slot.</summary>
    public const string NoMemorySlot = "no-memory-slot";
    /// <summary>The host device is already assigned to the guest.</summary>
    public const string HostdevInUse = "hostdev-in-use";
    /// <summary>The device shares its slot with other functions (libvirt unplugs only single-function slots).</summary>
    public const string Multifunction = "multifunction";
    /// <summary>The device sits on a place that does not accept hot-unplug.</summary>
    public const string NotHotpluggablePlace = "not-hotpluggable-place";
    /// <summary>Other devices still use the controller.</summary>
    public const string ControllerBusy = "controller-busy";
    /// <summary>The id names no device of the layout.</summary>
    public const string UnknownDevice = "unknown-device";
    /// <summary>libvirt places the device, QEMU's device_add refuses it there (a spapr-vio device on PCI, a model the QEMU binary lacks).</summary>
    public const string QemuDeviceRefused = "qemu-device-refused";
    /// <summary>Every channel I/O device number of fe.0 is taken (s390x).</summary>
    public const string NoCcwDevno = "no-ccw-devno";
    /// <summary>QEMU exited during an earlier hotplug of the same check: nothing more can be attached.</summary>
    public const string GuestNotRunning = "guest-not-running";

    /// <summary>Every reason code with a one-line description, sorted by code.</summary>
    public static IReadOnlyList<(string Code, string Description)> All { get; } = new (string, string)[]
    {
        (AddressInvalid, "the address given with the device is rejected (function not 0, slot out of range, taken, bus not hot-pluggable; a CCW device number or zPCI id taken)"),
        (BarWindow, "the device's memory BARs do not fit the windows its port or bridge can provide"),
        (BusKind, "free hot-pluggable places exist, but for the other kind (conventional PCI vs PCI Express)"),
        (BusNeverHotplug, "free places of the right kind sit on buses that never accept hotplug (pcie-root, dmi-to-pci-bridge)"),
        (ControllerBusy, "devices still use the controller"),
        (DriveAddressInUse, "the drive address is taken"),
        (GuestNotRunning, "QEMU exited during an earlier hotplug (s390x: a refused PCI device): the guest is no longer running"),
        (HostdevInUse, "the host device is already assigned to the guest"),
        (IoWindow, "the device has I/O BARs and its port or bridge has no I/O window"),
        (LiveAttachUnsupported, "the device cannot be attached to a running guest"),
        (LiveDetachUnsupported, "the device cannot be detached from a running guest"),
        (Multifunction, "the device shares its slot with other functions"),
        (NoCcwDevno, "every channel I/O device number fe.0.0000-fe.0.ffff is taken"),
        (NoFreeSlot, "no free hot-pluggable PCI place of the right kind (libvirt: No more available PCI slots)"),
        (NoMemorySlot, "no free memory slot"),
        (NoUsbPort, "no free USB port on the existing controllers and hubs"),
        (NoVirtioSerialController, "no virtio-serial controller"),
        (NoVirtioSerialPort, "every virtio-serial port is taken"),
        (NotHotpluggablePlace, "the device sits on a place that does not accept hot-unplug"),
        (PortHotplugOff, "a free place of the right kind is on a port or bus with hotplug='off'"),
        (QemuBusNoHotplug, "libvirt picks the place but QEMU refuses hotplug on that bus"),
        (QemuDeviceRefused, "libvirt places the device but QEMU refuses it there (a spapr-vio device on PCI, a model the QEMU binary lacks)"),
        (ScsiController, "a SCSI controller libvirt would hot-plug for the device cannot be placed"),
        (UnknownDevice, "no device of the layout has this id"),
    };
}

/// <summary>One reason why a device cannot be hot-plugged or unplugged.</summary>
public sealed record HotplugReason
{
    /// <summary>A code from <see cref="HotplugReasons"/>.</summary>
    public required string Code { get; init; }
    /// <summary>Who refuses: <see cref="HotplugLayers"/>.</summary>
    public required string Layer { get; init; }
    /// <summary>What is wrong, with the figures.</summary>
    public required string Message { get; init; }
    /// <summary>The PCI controller (bus) the reason is about, if any.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? ControllerIndex { get; init; }
}

/// <summary>A change that makes a hotplug possible: now (e.g. attach with an explicit address) or at the next cold plan.</summary>
public sealed record HotplugSuggestion
{
    /// <summary>Stable code, e.g. <c>spare-root-ports</c>, <c>pcie-to-pci-bridge</c>, <c>pref64-reserve</c>, <c>attach-address</c>.</summary>
    public required string Code { get; init; }
    /// <summary>What to do, with the figures.</summary>
    public required string Message { get; init; }
    /// <summary>True when it applies to the running guest now; false for the next cold plan (a restart).</summary>
    public bool Now { get; init; }
    /// <summary>The devices it is for.</summary>
    public IReadOnlyList<string> ForDevices { get; init; } = [];
    /// <summary>Tunables of the optimizing policy that produce the change, where one exists.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Tunables? Tunables { get; init; }
    /// <summary>Devices to add to the cold planning request, where that is the change.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Device>? Devices { get; init; }
    /// <summary>The libvirt domain XML that makes the change.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LibvirtXml { get; init; }
}

/// <summary>The machine-level answer: does the root bus accept hotplug, or are pre-allocated ports needed.</summary>
public sealed record MachineHotplug
{
    /// <summary>Machine type (catalog name).</summary>
    public required string Machine { get; init; }
    /// <summary>Model of the root bus.</summary>
    public required string RootBus { get; init; }
    /// <summary>Whether devices can be hot-plugged straight onto the root bus of this guest (pseries: onto its PCI host bridges).</summary>
    public bool RootBusHotplug { get; init; }
    /// <summary>Whether hotplug needs pre-allocated empty ports (PCI Express machines) or bridges.</summary>
    public bool NeedsPreallocatedPorts { get; init; }
    /// <summary>Free hot-pluggable PCI Express ports (root or switch downstream ports) before the check.</summary>
    public int FreeHotplugPorts { get; init; }
    /// <summary>Free hot-pluggable conventional PCI slots (root bus, bridges; pseries: the PCI host bridges) before the check.</summary>
    public int FreeHotplugPciSlots { get; init; }
    /// <summary>s390x: free channel I/O device numbers fe.0.xxxx, where virtio devices are hot-plugged; null on other machines.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? FreeCcwDevnos { get; init; }
    /// <summary>The answer in words.</summary>
    public required string Message { get; init; }
}

/// <summary>The verdict for one device to hot-plug.</summary>
public sealed record HotplugVerdict
{
    /// <summary>The device id.</summary>
    public required string DeviceId { get; init; }
    /// <summary>kind/type/model of the device.</summary>
    public required string Device { get; init; }
    /// <summary>Whether the device can be hot-plugged (libvirt, QEMU and the guest's windows all agree).</summary>
    public bool Feasible { get; init; }
    /// <summary>The address the device gets (libvirt's choice); set even when only the guest cannot configure it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DeviceAddress? Address { get; init; }
    /// <summary>The bus or controller the device goes to, in words.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Place { get; init; }
    /// <summary>PCI devices: slot/function chain from the root bus (e.g. <c>01.3/00.0</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PciPath { get; init; }
    /// <summary>The error libvirt (or QEMU through libvirt) would report, when it refuses.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LibvirtError { get; init; }
    /// <summary>Controllers libvirt hot-plugs first for the device (SCSI controllers), with their addresses.</summary>
    public IReadOnlyList<Device> AddedControllers { get; init; } = [];
    /// <summary>Every reason the device cannot be hot-plugged (empty when feasible).</summary>
    public IReadOnlyList<HotplugReason> Reasons { get; init; } = [];
}

/// <summary>The answer of a hotplug check.</summary>
public sealed record HotplugReport
{
    /// <summary>True when every device can be hot-plugged.</summary>
    public bool Feasible { get; init; }
    /// <summary>One line: "1/2 devices can be hot-plugged: 1× no-free-slot, ...".</summary>
    public required string Summary { get; init; }
    /// <summary>The machine-level answer.</summary>
    public required MachineHotplug Machine { get; init; }
    /// <summary>One verdict per device, in the order given (devices are attached in that order).</summary>
    public required IReadOnlyList<HotplugVerdict> Devices { get; init; }
    /// <summary>Changes that would make the infeasible devices possible.</summary>
    public IReadOnlyList<HotplugSuggestion> Suggestions { get; init; } = [];
    /// <summary>Assumptions the verdicts rest on (firmware windows, unknown BARs, ACPI).</summary>
    public IReadOnlyList<string> Assumptions { get; init; } = [];
    /// <summary>The layout with the feasible devices (and the controllers libvirt adds for them) in it.</summary>
    public required Plan LayoutAfter { get; init; }
}

/// <summary>Outcome of a hotplug check: a report, or an error about the input.</summary>
public abstract record HotplugCheckResult
{
    private HotplugCheckResult() { }

    /// <summary>The check ran (the report says whether the hotplug is feasible).</summary>
    public sealed record Checked(HotplugReport Report) : HotplugCheckResult;

    /// <summary>The input cannot be checked (unknown machine, invalid layout, duplicate ids).</summary>
    public sealed record Failure(PlanError Error) : HotplugCheckResult;
}

/// <summary>The verdict for one device to hot-unplug.</summary>
public sealed record UnplugVerdict
{
    /// <summary>The device id.</summary>
    public required string DeviceId { get; init; }
    /// <summary>kind/type/model of the device.</summary>
    public required string Device { get; init; }
    /// <summary>Whether the device can be hot-unplugged.</summary>
    public bool Removable { get; init; }
    /// <summary>The device's address.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DeviceAddress? Address { get; init; }
    /// <summary>The bus or controller the device sits on, in words.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Place { get; init; }
    /// <summary>PCI devices: slot/function chain from the root bus.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PciPath { get; init; }
    /// <summary>The error libvirt (or QEMU through libvirt) would report, when it refuses.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LibvirtError { get; init; }
    /// <summary>Every reason the device cannot be unplugged (empty when removable).</summary>
    public IReadOnlyList<HotplugReason> Reasons { get; init; } = [];
}

/// <summary>The answer of a hot-unplug check.</summary>
public sealed record UnplugReport
{
    /// <summary>True when every device can be unplugged.</summary>
    public bool Removable { get; init; }
    /// <summary>One line: "1/2 devices can be unplugged: 1× multifunction".</summary>
    public required string Summary { get; init; }
    /// <summary>One verdict per device, in the order given (devices are detached in that order).</summary>
    public required IReadOnlyList<UnplugVerdict> Devices { get; init; }
    /// <summary>What the verdicts assume (the guest releasing PCI devices).</summary>
    public IReadOnlyList<string> Assumptions { get; init; } = [];
    /// <summary>The layout without the removable devices.</summary>
    public required Plan LayoutAfter { get; init; }
}

/// <summary>Outcome of a hot-unplug check: a report, or an error about the input.</summary>
public abstract record UnplugCheckResult
{
    private UnplugCheckResult() { }

    /// <summary>The check ran.</summary>
    public sealed record Checked(UnplugReport Report) : UnplugCheckResult;

    /// <summary>The input cannot be checked.</summary>
    public sealed record Failure(PlanError Error) : UnplugCheckResult;
}

/// <summary>Where a passed-through host device appears in the guest.</summary>
public sealed record HostMapping
{
    /// <summary>The device id.</summary>
    public required string DeviceId { get; init; }
    /// <summary>kind/type/model of the device.</summary>
    public required string Device { get; init; }
    /// <summary>The host address (PCI: <c>0000:3b:00.0</c>; mdev: the UUID).</summary>
    public required string HostAddress { get; init; }
    /// <summary>The guest address in libvirt's form (bus = PCI controller index).</summary>
    public required PciAddress GuestAddress { get; init; }
    /// <summary>Slot/function chain from the root bus, e.g. <c>02.0/00.0</c>: independent of guest bus numbering.</summary>
    public required string PciPath { get; init; }
    /// <summary>
    /// The guest-visible bus:slot.function as firmware numbers buses (depth-first from bus 0, expander buses from
    /// their busNr); a prediction: a guest OS may renumber.
    /// </summary>
    public required string GuestBdf { get; init; }
    /// <summary>Guest NUMA node of the expander bus the device sits behind, if any.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? NumaNode { get; init; }
    /// <summary>The bus the device sits on, in words.</summary>
    public required string Place { get; init; }
    /// <summary>The guest PCI Express switch the device sits under (its upstream port, e.g. <c>pci.16</c>), if any.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Switch { get; init; }
    /// <summary>
    /// The PCI controllers from the root bus down to the device's bus (expander bus, root port, switch upstream and
    /// downstream ports, bridges), each as <c>MODEL pci.INDEX</c>.
    /// </summary>
    public IReadOnlyList<string> Upstream { get; init; } = [];
}

/// <summary>Outcome of a host-to-guest mapping: the table, or an error about the plan.</summary>
public abstract record HostMappingResult
{
    private HostMappingResult() { }

    /// <summary>The table (empty when no device carries a host address).</summary>
    public sealed record Mapped(IReadOnlyList<HostMapping> Mappings) : HostMappingResult;

    /// <summary>The plan cannot be read as a layout.</summary>
    public sealed record Failure(PlanError Error) : HostMappingResult;
}
