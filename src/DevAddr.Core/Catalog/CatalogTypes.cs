namespace DevAddr.Core.Catalog;

/// <summary>A machine type: its PCI root, the devices and controllers it implies, and its fixed chipset slots.</summary>
public sealed record MachineType
{
    /// <summary>Catalog name (pc, q35, virt).</summary>
    public required string Name { get; init; }
    /// <summary>One-line description.</summary>
    public string Description { get; set; } = "";
    /// <summary>Guest architectures this machine type exists for.</summary>
    public required IReadOnlyList<string> Arches { get; init; }
    /// <summary>Machine names that resolve to this type; a trailing <c>*</c> matches any suffix.</summary>
    public required IReadOnlyList<string> Aliases { get; init; }
    /// <summary>Model of the PCI root controller (index 0), or null for machines without PCI.</summary>
    public string? PciRoot { get; init; }
    /// <summary>USB controller model added at index 0 when the guest defines none.</summary>
    public string? DefaultUsbController { get; init; }
    /// <summary>Model of a USB controller the guest gives without one (libvirt: piix3-uhci on x86, also on q35;
    /// qemu-xhci on aarch64). Only the controller the machine adds itself gets <see cref="DefaultUsbController"/>.</summary>
    public string? UsbModelWhenUnset { get; init; }
    /// <summary>Whether a SATA controller index 0 is always present.</summary>
    public bool DefaultSataController { get; init; }
    /// <summary>Memballoon model added when the guest defines none (null: none added).</summary>
    public string? DefaultMemballoon { get; init; }
    /// <summary>Video model used when a video device is added or given without a model.</summary>
    public string? DefaultVideo { get; init; }
    /// <summary>Input devices the machine always has.</summary>
    public IReadOnlyList<ImplicitInput> ImplicitInputs { get; set; } = [];
    /// <summary>Model used for SCSI controllers added implicitly or given without a model.</summary>
    public string DefaultScsiModel { get; set; } = "lsilogic";
    /// <summary>How many IDE controllers the machine has (0: IDE unsupported).</summary>
    public int MaxIdeControllers { get; init; }
    /// <summary>pci-root machines: keep one slot spare while placing devices so a pci-bridge can still be added.</summary>
    public bool SpareBridgeSlot { get; init; }
    /// <summary>pcie-root machines: add one empty pcie-root-port for hotplug when the planner added buses.</summary>
    public bool SpareRootPort { get; init; }
    /// <summary>Chipset functions on the root bus that are never usable (bus:slot.function, hex).</summary>
    public IReadOnlyList<string> ReservedAddresses { get; set; } = [];
    /// <summary>Controllers that live at a fixed chipset address.</summary>
    public IReadOnlyList<FixedController> FixedControllers { get; set; } = [];
    /// <summary>Root-bus slot given to the primary video device when free.</summary>
    public int? PrimaryVideoSlot { get; init; }
    /// <summary>Root-bus slot given to the first ich9 sound device when free.</summary>
    public int? Ich9SoundSlot { get; init; }
    /// <summary>Root-bus slots tried, in order, for the first ich9 USB2 controller set.</summary>
    public IReadOnlyList<int> Usb2CompanionSlots { get; set; } = [];
    /// <summary>Root-bus slot given to the first dmi-to-pci-bridge when free.</summary>
    public int? DmiToPciBridgeSlot { get; init; }
    /// <summary>Whether pcie-to-pci-bridge is available (else dmi-to-pci-bridge + pci-bridge are used).</summary>
    public bool PcieToPciBridge { get; set; } = true;
    /// <summary>
    /// The bus the optimizing policy adds for devices of one NUMA node: pci-expander-bus or pcie-expander-bus, or on
    /// pseries pci-root (another PCI host bridge, carrying the node).
    /// </summary>
    public string? ExpanderBus { get; init; }

    /// <summary>Size of the guest's I/O port space for PCI (e.g. <c>64K</c>); null: not checked.</summary>
    public string? IoSpace { get; init; }
    /// <summary>Size of the 32-bit PCI memory hole below 4 GiB (e.g. <c>1004M</c>); null: not checked.</summary>
    public string? Mmio32Window { get; init; }
    /// <summary>Whether the root controller takes a 64-bit PCI hole size (libvirt's <c>&lt;pcihole64&gt;</c>: x86 pc and q35).</summary>
    public bool PciHole64 { get; init; }

    /// <summary>Serial target type of a serial given without one or as isa-serial (isa-serial on x86, system-serial on aarch64).</summary>
    public string? DefaultSerialTarget { get; set; } = "isa-serial";
    /// <summary>Serial target types the machine accepts.</summary>
    public IReadOnlyList<string> SerialTargets { get; set; } = [];
    /// <summary>Target types of a first serial port that libvirt also shows as console 0 (adding that console when missing).</summary>
    public IReadOnlyList<string> ConsoleSerialTargets { get; set; } = [];
    /// <summary>Network interface model used when an interface is given without one.</summary>
    public string? DefaultNicModel { get; init; }
    /// <summary>Input types that go on the PS/2 bus when given without a bus (empty: the machine has no PS/2; the rest go on USB).</summary>
    public IReadOnlyList<string> Ps2Inputs { get; set; } = [];
    /// <summary>Whether the machine has the ISA panic device (libvirt's default panic model).</summary>
    public bool IsaPanic { get; init; }
    /// <summary>Whether the intel IOMMU is available.</summary>
    public bool IntelIommu { get; init; }
    /// <summary>Video models the machine does not support.</summary>
    public IReadOnlyList<string> UnsupportedVideoModels { get; set; } = [];

    /// <summary>
    /// Whether the machine has several PCI roots (pseries PCI host bridges): pci-root controllers may have any index,
    /// and the bus libvirt adds when the PCI slots run out is another pci-root.
    /// </summary>
    public bool MultipleRoots { get; init; }
    /// <summary>The <c>&lt;model name&gt;</c> libvirt gives every pci-root controller (pseries: spapr-pci-host-bridge).</summary>
    public string? RootModelName { get; init; }
    /// <summary>Whether pci-root controllers carry a <c>&lt;target index&gt;</c> (pseries PHBs: 0 for index 0, else 1-30).</summary>
    public bool RootTargetIndex { get; init; }
    /// <summary>Whether PCI devices carry s390x zPCI ids (uid, fid).</summary>
    public bool Zpci { get; init; }
    /// <summary>Whether virtio devices without an address go on channel I/O (s390x CCW).</summary>
    public bool Ccw { get; init; }
    /// <summary>Whether the machine has the spapr-vio bus (pseries).</summary>
    public bool SpaprVio { get; init; }
    /// <summary>Whether virtio devices may use virtio-mmio (ARM and RISC-V virt): once any device has a virtio-mmio address, every virtio device without an address gets one.</summary>
    public bool VirtioMmio { get; init; }
    /// <summary>The panic model of a panic device given without one.</summary>
    public string DefaultPanic { get; set; } = "isa";
    /// <summary>Whether libvirt adds a panic device of <see cref="DefaultPanic"/> model when there is none (pseries, s390x).</summary>
    public bool ImplicitPanic { get; init; }
    /// <summary>The bus of an input device given without one (mouse and keyboard take PS/2 where the machine has it).</summary>
    public string DefaultInputBus { get; set; } = "usb";
    /// <summary>Whether a guest with graphics gets a USB keyboard and (unless it has a USB tablet) a USB mouse (pseries).</summary>
    public bool GraphicsUsbInputs { get; init; }
    /// <summary>Whether a USB controller without model and without address is model 'none' (s390x); with an address its model stays unset.</summary>
    public bool UsbNoneWithoutAddress { get; init; }
    /// <summary>Whether the machine has an NVRAM device (pseries).</summary>
    public bool Nvram { get; init; }
    /// <summary>Whether the diag288 watchdog exists (s390x).</summary>
    public bool Diag288 { get; init; }
    /// <summary>The TPM model of a TPM given without one (pseries: tpm-spapr; elsewhere tpm-tis).</summary>
    public string DefaultTpmModel { get; set; } = "tpm-tis";
    /// <summary>Whether the chipset has the iTCO watchdog (q35: part of the ICH9 LPC function; libvirt 11.3 lists it).</summary>
    public bool ItcoWatchdog { get; init; }
    /// <summary>Whether the machine has parallel ports (not pseries, not s390x).</summary>
    public bool ParallelPorts { get; set; } = true;
    /// <summary>Whether a domain written for the machine turns ACPI on (libvirt 11.3 refuses it where QEMU's machine has none: pseries, s390-ccw-virtio).</summary>
    public bool Acpi { get; set; } = true;
    /// <summary>Whether the virtio IOMMU is available (q35 and ARM virt).</summary>
    public bool VirtioIommu { get; init; }

    /// <summary>True when the root bus is PCI Express.</summary>
    public bool IsPcie => PciRoot == "pcie-root";
}

/// <summary>An input device a machine always has.</summary>
public sealed record ImplicitInput(string Type, string Bus);

/// <summary>A libvirt release the libvirt policy reproduces, and the rules in which releases differ (models/libvirt-versions.json).</summary>
public sealed record LibvirtRules
{
    /// <summary>The release, as a request's <c>policy.version</c> names it (e.g. <c>9.0</c>).</summary>
    public required string Version { get; init; }
    /// <summary>What the version reproduces.</summary>
    public required string Description { get; init; }
    /// <summary>The QEMU release it was measured with.</summary>
    public required string Qemu { get; init; }
    /// <summary>Order in which USB device kinds get ports (controller = CCID controllers).</summary>
    public required IReadOnlyList<string> UsbCategoryOrder { get; init; }
    /// <summary>Device kinds the release does not know and drops from a definition (9.0: crypto, pstore).</summary>
    public required IReadOnlyList<string> DroppedDeviceKinds { get; init; }
    /// <summary>Whether controllers libvirt adds are inserted by index into their type's group (else appended).</summary>
    public required bool AddedControllersSorted { get; init; }
    /// <summary>Whether q35 guests get an iTCO watchdog (part of the ICH9 LPC function, no address).</summary>
    public required bool ItcoWatchdog { get; init; }
    /// <summary>Whether several watchdogs are allowed (all with the first one's action; one per model but i6300esb).</summary>
    public required bool MultipleWatchdogs { get; init; }
    /// <summary>Machine types the ib700 watchdog is allowed on (empty: any).</summary>
    public required IReadOnlyList<string> Ib700Machines { get; init; }
    /// <summary>Whether a vhost-user NIC needs the guest's memory shared.</summary>
    public required bool VhostUserNeedsSharedMemory { get; init; }
    /// <summary>Whether a usb-net NIC is a USB device (else libvirt asks a PCI slot for it and fails).</summary>
    public required bool UsbNetOnUsb { get; init; }
    /// <summary>Whether a USB disk must have a source.</summary>
    public required bool UsbDiskNeedsSource { get; init; }
    /// <summary>Whether a vhost-user NIC without a model is virtio (else libvirt refuses it).</summary>
    public required bool VhostUserDefaultModel { get; init; }
    /// <summary>Whether <c>&lt;maxMemory&gt;</c> needs a slot count.</summary>
    public required bool MaxMemoryNeedsSlots { get; init; }
    /// <summary>Whether a q35 guest with more than 255 vCPUs and no IOMMU gets an intel IOMMU with extended interrupts (else it is refused).</summary>
    public required bool AutoIntelIommu { get; init; }
    /// <summary>Whether a virtio-mem device may be on channel I/O (s390x) rather than PCI.</summary>
    public required bool VirtioMemOnCcw { get; init; }
    /// <summary>The most vCPUs QEMU takes, by machine type (where it limits them).</summary>
    public required IReadOnlyDictionary<string, int> MaxVcpus { get; init; }
    /// <summary>Whether memory hotplug needs guest NUMA cells (else libvirt adds cell 0).</summary>
    public required bool MemoryHotplugNeedsNuma { get; init; }
    /// <summary>Panic model of a panic device without one, by "arch/machine", where it differs from the machine type's.</summary>
    public required IReadOnlyDictionary<string, string> DefaultPanic { get; init; }
    /// <summary>Device models the release does not know, with its error.</summary>
    public required IReadOnlyList<UnknownModel> UnknownModels { get; init; }
}

/// <summary>A device model a libvirt release refuses.</summary>
public sealed record UnknownModel(string Kind, string? Model, string Message)
{
    /// <summary>The bus the device is on, where that is what the release does not know (an MTP filesystem on USB).</summary>
    public string? Bus { get; init; }
}

/// <summary>A controller at a fixed chipset address.</summary>
public sealed record FixedController
{
    /// <summary>Controller type (ide, usb, sata).</summary>
    public required string Type { get; init; }
    /// <summary>Controller index.</summary>
    public int Index { get; init; }
    /// <summary>Models this applies to (empty: all; "default" means no model given).</summary>
    public IReadOnlyList<string> Models { get; set; } = [];
    /// <summary>The fixed address (bus:slot.function, hex).</summary>
    public required string Address { get; init; }
    /// <summary>Whether the controller is a function of a chipset slot that is reserved as a whole (not reserved on its own).</summary>
    public bool InChipsetSlot { get; init; }
    /// <summary>The error reported when the controller is given another address.</summary>
    public required string Error { get; init; }
}

/// <summary>A PCI controller model: what it accepts downstream and what it is upstream.</summary>
public sealed record PciControllerModel
{
    /// <summary>libvirt model name.</summary>
    public required string Model { get; init; }
    /// <summary>The QEMU device implementing it.</summary>
    public string? QemuModel { get; init; }
    /// <summary>Other QEMU devices libvirt accepts as this model's <c>&lt;model name&gt;</c> (pcie-root-port: ioh3420).</summary>
    public IReadOnlyList<string> OtherModelNames { get; set; } = [];
    /// <summary>Its own connect type (device side), or "none" for roots.</summary>
    public required string Is { get; init; }
    /// <summary>Connect types it accepts downstream.</summary>
    public required IReadOnlyList<string> Accepts { get; init; }
    /// <summary>Whether endpoints may be placed on it automatically.</summary>
    public bool AutoAssign { get; init; }
    /// <summary>Whether its slots are hot-pluggable (unless hotplug is turned off).</summary>
    public bool Hotplug { get; init; }
    /// <summary>Whether the controller takes a hotplug on/off option (libvirt: pci-root, pcie-root-port, pcie-switch-downstream-port).</summary>
    public bool HotplugOption { get; init; }
    /// <summary>Root ports: automatic placement packs them as functions of one slot.</summary>
    public bool AggregateSlot { get; init; }
    /// <summary>Lowest usable slot.</summary>
    public int MinSlot { get; init; }
    /// <summary>Highest usable slot.</summary>
    public int MaxSlot { get; init; }
    /// <summary>Whether it is a root bus (index 0 only).</summary>
    public bool Root { get; init; }
    /// <summary>Which options the planner fills in: chassisNr, chassis-port, chassis-slot, busNr.</summary>
    public string? Defaults { get; init; }
    /// <summary>Guest bus numbers it consumes.</summary>
    public int BusNumbers { get; init; }
    /// <summary>Whether it forwards an I/O window (4 KiB of the 64 KiB I/O space when given one).</summary>
    public bool IoWindow { get; init; }
}

/// <summary>A BAR of a device model.</summary>
public sealed record BarSpec(string Size, string Kind);

/// <summary>A device model rule: which devices it matches and how they connect.</summary>
public sealed record DeviceModelRule
{
    /// <summary>Device kind.</summary>
    public required string Kind { get; init; }
    /// <summary>Sub-type to match (null: any).</summary>
    public string? Type { get; init; }
    /// <summary>Bus to match (null: any).</summary>
    public string? Bus { get; init; }
    /// <summary>Model to match (null: any; "-": no model given).</summary>
    public string? Model { get; init; }
    /// <summary>pci, pcie, virtio or none.</summary>
    public required string Connect { get; init; }
    /// <summary>Must sit on the root bus.</summary>
    public bool Integrated { get; init; }
    /// <summary>The PCI assignment pass the device is placed in.</summary>
    public string? Pass { get; init; }
    /// <summary>Non-PCI attachment: drive, usb, usb-hub, virtio-serial, virtio-console, ccid, dimm.</summary>
    public string? Attach { get; init; }
    /// <summary>Whether the device can be hot-plugged.</summary>
    public bool Hotplug { get; init; }
    /// <summary>Typical BARs.</summary>
    public IReadOnlyList<BarSpec> Bars { get; set; } = [];
    /// <summary>USB controllers: root hub ports (default when no ports are given).</summary>
    public int? UsbPorts { get; init; }
    /// <summary>USB controllers: maximum ports that may be given.</summary>
    public int? MaxUsbPorts { get; init; }
    /// <summary>ich9 USB2 sets: the fixed function of this member.</summary>
    public int? CompanionFunction { get; init; }
    /// <summary>SCSI controllers: number of units.</summary>
    public int? ScsiUnits { get; init; }
    /// <summary>SCSI controllers: unit used by the controller itself.</summary>
    public int? ScsiReservedUnit { get; init; }
    /// <summary>
    /// SCSI controllers other than virtio-scsi: the highest SCSI id QEMU's device takes (libvirt passes a disk's or
    /// host device's unit as its scsi-id); measured on QEMU 7.2 ("bad scsi device id" beyond it).
    /// </summary>
    public int? MaxScsiId { get; init; }
    /// <summary>SATA: drives per controller.</summary>
    public int? DrivesPerController { get; init; }
    /// <summary>virtio-serial: default number of ports.</summary>
    public int? SerialPorts { get; init; }

    internal bool Matches(string kind, string? type, string? bus, string? model) =>
        Kind == kind && Match(Type, type) && Match(Bus, bus) && Match(Model, model);

    private static bool Match(string? pattern, string? value) =>
        pattern is null or "*" || (pattern == "-" ? string.IsNullOrEmpty(value) : string.Equals(pattern, value, StringComparison.Ordinal));
}
