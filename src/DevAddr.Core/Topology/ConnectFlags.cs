namespace DevAddr.Core.Topology;

/// <summary>
/// What a device is (device side) or what a bus accepts (bus side). A device fits a bus when both share
/// at least one type bit, subject to the auto-assign, hotplug and integrated rules.
/// </summary>
[Flags]
public enum ConnectFlags
{
    /// <summary>Nothing.</summary>
    None = 0,
    /// <summary>Device: the address is picked automatically. Bus: automatic placement allowed.</summary>
    AutoAssign = 1 << 0,
    /// <summary>Device: must be hot-pluggable. Bus: slots are hot-pluggable.</summary>
    Hotpluggable = 1 << 1,
    /// <summary>Device must sit on the root bus.</summary>
    Integrated = 1 << 2,
    /// <summary>Several such devices may share one slot as functions (pcie-root-port).</summary>
    AggregateSlot = 1 << 3,
    /// <summary>Conventional PCI endpoint.</summary>
    PciDevice = 1 << 4,
    /// <summary>PCI Express endpoint.</summary>
    PcieDevice = 1 << 5,
    /// <summary>pcie-root-port.</summary>
    PcieRootPort = 1 << 6,
    /// <summary>pcie-switch-upstream-port.</summary>
    PcieSwitchUpstreamPort = 1 << 7,
    /// <summary>pcie-switch-downstream-port.</summary>
    PcieSwitchDownstreamPort = 1 << 8,
    /// <summary>dmi-to-pci-bridge.</summary>
    DmiToPciBridge = 1 << 9,
    /// <summary>pcie-to-pci-bridge.</summary>
    PcieToPciBridge = 1 << 10,
    /// <summary>pci-bridge.</summary>
    PciBridge = 1 << 11,
    /// <summary>pci-expander-bus.</summary>
    PciExpanderBus = 1 << 12,
    /// <summary>pcie-expander-bus.</summary>
    PcieExpanderBus = 1 << 13,

    /// <summary>All type bits.</summary>
    TypesMask = PciDevice | PcieDevice | PcieRootPort | PcieSwitchUpstreamPort | PcieSwitchDownstreamPort |
                DmiToPciBridge | PcieToPciBridge | PciBridge | PciExpanderBus | PcieExpanderBus,
}

/// <summary>Conversions between catalog connect-type names and <see cref="ConnectFlags"/>.</summary>
public static class ConnectTypes
{
    /// <summary>The flag of a catalog connect-type name.</summary>
    public static ConnectFlags Parse(string name) => name switch
    {
        "pci-device" => ConnectFlags.PciDevice,
        "pcie-device" => ConnectFlags.PcieDevice,
        "pcie-root-port" => ConnectFlags.PcieRootPort,
        "pcie-switch-upstream-port" => ConnectFlags.PcieSwitchUpstreamPort,
        "pcie-switch-downstream-port" => ConnectFlags.PcieSwitchDownstreamPort,
        "dmi-to-pci-bridge" => ConnectFlags.DmiToPciBridge,
        "pcie-to-pci-bridge" => ConnectFlags.PcieToPciBridge,
        "pci-bridge" => ConnectFlags.PciBridge,
        "pci-expander-bus" => ConnectFlags.PciExpanderBus,
        "pcie-expander-bus" => ConnectFlags.PcieExpanderBus,
        "none" => ConnectFlags.None,
        _ => throw new ArgumentException($"unknown connect type '{name}'", nameof(name)),
    };

    /// <summary>What a device of these flags needs, in words (for error messages).</summary>
    public static string Describe(ConnectFlags flags) =>
        (flags & ConnectFlags.PciDevice) != 0 ? "standard PCI device"
        : (flags & ConnectFlags.PcieDevice) != 0 ? "PCI Express device"
        : (flags & ConnectFlags.PcieRootPort) != 0 ? "pcie-root-port"
        : (flags & ConnectFlags.PcieSwitchUpstreamPort) != 0 ? "pci-switch-upstream-port"
        : (flags & ConnectFlags.PcieSwitchDownstreamPort) != 0 ? "pci-switch-downstream-port"
        : (flags & ConnectFlags.DmiToPciBridge) != 0 ? "dmi-to-pci-bridge"
        : (flags & ConnectFlags.PcieToPciBridge) != 0 ? "pcie-to-pci-bridge"
        : (flags & ConnectFlags.PciExpanderBus) != 0 ? "pci-expander-bus"
        : (flags & ConnectFlags.PcieExpanderBus) != 0 ? "pcie-expander-bus"
        : (flags & ConnectFlags.PciBridge) != 0 ? "pci-bridge"
        : "unknown PCI device";
}
