namespace DevAddr.Core.Validation;

/// <summary>
/// The rules <see cref="AddressPlanner.Validate"/> checks. Each violation is a <see cref="Model.PlanError"/> with
/// code <see cref="ErrorCode"/> and one of these names as its rule.
/// </summary>
public static class ValidationRules
{
    /// <summary>The error code of every validator finding.</summary>
    public const string ErrorCode = "invalid-plan";

    /// <summary>The severity of findings the guest runs with (the firmware leaves some BARs unmapped).</summary>
    public const string Warning = "warning";

    /// <summary>
    /// Rules whose findings are warnings, not errors: libvirt 9.0 defines such a guest and QEMU starts it, but the guest
    /// cannot use all of it — the firmware maps only the BARs that fit the I/O and 32-bit windows, numbers the buses
    /// behind an expander whose busNr leaves too few numbers wrongly (they wrap to 0, checked live), and does not
    /// see a function whose slot has nothing at function 0. Every other rule is an error: QEMU cannot start the guest
    /// or the plan contradicts itself.
    /// </summary>
    public static IReadOnlySet<string> WarningRules { get; } =
        new HashSet<string>(StringComparer.Ordinal) { "io-window-budget", "mmio32-budget", "busnr-space", "pci-function-zero" };

    /// <summary>True when a finding is an error (not a warning).</summary>
    public static bool IsError(Model.PlanError finding) => finding.Severity != Warning;

    /// <summary>Every rule name with a one-line description, sorted by name.</summary>
    public static IReadOnlyList<(string Rule, string Description)> All { get; } = new (string, string)[]
    {
        ("address-kind", "a device's address is of the kind its attachment uses (PCI, drive, USB, virtio-serial, CCID, DIMM, spapr-vio; CCW or virtio-mmio for PCI devices where the machine has them)"),
        ("address-present", "every device that needs an address has one"),
        ("bridge-index-order", "a pci-bridge's index is larger than the bus it sits on"),
        ("busnr-present", "every expander bus has a busNr"),
        ("busnr-range", "expander busNr values are 1-254"),
        ("busnr-space", "enough bus numbers below the lowest expander for the bridges and ports not behind an expander, and between expanders for the ones behind each"),
        ("busnr-unique", "no two expander buses share a busNr"),
        ("ccid-controller-exists", "a smartcard's CCID address names an existing CCID controller"),
        ("ccid-slot-unique", "no two smartcards share a CCID slot"),
        ("ccw-address-range", "CCW addresses (s390x) are complete: cssid 0-0xfe, ssid 0-3, devno 0-0xffff"),
        ("ccw-address-unique", "no two devices share a CCW device number"),
        ("chassis-port-unique", "no two PCI Express ports share a (chassis, port) pair"),
        ("controller-index-range", "controller indexes are not negative, PCI controller indexes 0-255"),
        ("controller-option-range", "chassisNr 1-255, chassis 0-255, port 0-255, NUMA node not negative"),
        ("device-given", "the device list has no empty entries"),
        ("device-id", "every device has a non-empty id"),
        ("device-id-unique", "device ids are unique"),
        ("dimm-slot-unique", "no two memory devices share a DIMM slot"),
        ("drive-address-range", "drive addresses are within the controller's buses, targets and units"),
        ("drive-address-unique", "no two drives share a drive address on one controller"),
        ("drive-controller-exists", "a drive address names an existing controller of the drive's bus"),
        ("fixed-chipset-address", "controllers the chipset places at a fixed address sit there"),
        ("hotplug-flag", "hotplug on/off is set only on controller models that take it (pci-root, pcie-root-port, pcie-switch-downstream-port)"),
        ("io-window-budget", "the I/O windows of bridges and ports (4 KiB each) and the devices' I/O BARs fit in the 64 KiB I/O space"),
        ("known-machine", "the machine type is in the catalog"),
        ("known-model", "every PCI controller model is in the catalog"),
        ("mmio32-budget", "32-bit memory BARs and bridge windows (1 MiB granules) fit in the machine's 32-bit PCI hole"),
        ("pci-address-unique", "no two devices share a PCI address"),
        ("pci-bus-accepts-device", "the bus a device sits on accepts that kind of device"),
        ("pci-bus-exists", "a PCI address names a bus that has a PCI controller"),
        ("pci-controller-tree", "every PCI controller hangs off the root bus (no cycles)"),
        ("pci-domain", "PCI addresses are in domain 0"),
        ("pci-function-range", "PCI functions are 0-7"),
        ("pci-function-zero", "a multifunction slot (several functions in use, or multifunction='on') has function 0 in use"),
        ("pci-hole64", "a 64-bit PCI hole size (pcihole64) is set only on PCI controller 0 of a machine type that takes it (pc, q35), in whole KiB"),
        ("pci-index-unique", "no two PCI controllers share an index"),
        ("pci-integrated", "integrated devices sit on bus 0"),
        ("pci-multifunction", "function 0 of a slot with several functions has multifunction='on'"),
        ("pci-reserved-address", "no device sits at a chipset function the machine reserves"),
        ("pci-root-index", "root PCI controllers have index 0"),
        ("pci-root-model", "PCI controller 0 is the machine's root model"),
        ("pci-root-present", "a machine with PCI has its root PCI controller (index 0)"),
        ("pci-slot-range", "slots are within the bus model's slot range"),
        ("pci-target-index", "pseries PCI host bridges: target index 0 exactly for index 0, others 1-30; no other controller has one"),
        ("port-reserve", "resource reserves (bus, io, mem, pref32, pref64) sit only on pcie-root-port or pci-bridge, with sizes QEMU accepts"),
        ("spapr-vio-reg-range", "spapr-vio registers (pseries) are present and at most 0xffffffff"),
        ("spapr-vio-reg-unique", "no two devices share a spapr-vio register"),
        ("usb-address-unique", "no two USB devices share a port"),
        ("usb-bus-exists", "a USB address names an existing USB controller"),
        ("usb-hub-exists", "every hop of a USB port path but the last is a hub"),
        ("usb-port-count", "a USB controller's ports attribute is allowed for its model and within its maximum"),
        ("usb-port-path", "USB port paths are dot-separated numbers, at most 4 deep"),
        ("usb-port-range", "root ports are within the controller's ports, hub ports 1-8"),
        ("virtio-serial-controller-exists", "a virtio-serial address names an existing virtio-serial controller"),
        ("virtio-serial-port-range", "virtio-serial bus 0, port within the controller's ports"),
        ("virtio-serial-port-unique", "no two devices share a virtio-serial port"),
        ("zpci-machine", "zPCI ids only on machine types with zPCI (s390x)"),
        ("zpci-range", "zPCI ids are present: uid 1-0xffff, fid 0-0xffffffff"),
        ("zpci-unique", "no two devices share a zPCI uid or fid"),
    };
}
