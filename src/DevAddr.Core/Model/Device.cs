using System.Text.Json.Serialization;

namespace DevAddr.Core.Model;

/// <summary>
/// One device of a guest, as requested (minimal: id, kind, model, optional address) or as planned
/// (complete address, controller options filled in, and <see cref="Added"/> set when the planner added it).
/// </summary>
public sealed record Device
{
    /// <summary>Unique id within the request.</summary>
    public required string Id { get; init; }

    /// <summary>Device kind: disk, interface, controller, video, sound, input, hostdev, memballoon, rng,
    /// watchdog, shmem, filesystem, vsock, iommu, memory, serial, console, channel, parallel, hub,
    /// redirdev, smartcard, or any other kind (carried through without an address).</summary>
    public required string Kind { get; init; }

    /// <summary>Sub-type: controller type (pci, usb, scsi, sata, ide, fdc, virtio-serial, ccid), hostdev type
    /// (pci, usb, scsi, scsi_host, mdev), input type (mouse, keyboard, tablet), disk device (disk, cdrom, ...),
    /// serial/console/channel target type, interface type, filesystem driver.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Type { get; init; }

    /// <summary>Device model (e.g. virtio, e1000, pcie-root-port, qemu-xhci, lsilogic, ich9, qxl).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Model { get; init; }

    /// <summary>The bus the device is attached through (disks: virtio, sata, scsi, ide, usb, fdc; inputs: ps2, usb, virtio).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Bus { get; init; }

    /// <summary>Target name: a disk's device name (vda, sdb, hdc) or a channel's name.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Target { get; init; }

    /// <summary>Controller index (controllers only).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Index { get; init; }

    /// <summary>The address: optional in a request, complete in a plan for every device that has one.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DeviceAddress? Address { get; init; }

    /// <summary>Controller options (ports, chassis, busNr, NUMA node, hotplug, ...).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ControllerOptions? Controller { get; init; }

    /// <summary>Host-side facts of a passed-through device (PCI Express or conventional, host address).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public HostDevice? Host { get; init; }

    /// <summary>Video only: whether this is the primary video device.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Primary { get; init; }

    /// <summary>Per-device tunables of the optimizing policy.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DeviceTunables? Tunables { get; init; }

    /// <summary>Plans only: true when the planner added this device.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Added { get; init; }

    /// <summary>Plans only: why the device was added.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Reason { get; init; }
}

/// <summary>Options of a controller. Unset values are filled in by the planner where the policy defines them.</summary>
public sealed record ControllerOptions
{
    /// <summary>Number of ports (USB xhci, virtio-serial).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Ports { get; init; }
    /// <summary>Number of MSI-X vectors (virtio-serial).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Vectors { get; init; }
    /// <summary>pcie-root-port / switch downstream port chassis number.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Chassis { get; init; }
    /// <summary>pcie-root-port / switch downstream port port number.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Port { get; init; }
    /// <summary>pci-bridge chassis number.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? ChassisNr { get; init; }
    /// <summary>Expander bus: first guest bus number.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? BusNr { get; init; }
    /// <summary>Expander bus, or pseries PCI host bridge: guest NUMA node.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? NumaNode { get; init; }
    /// <summary>pseries PCI host bridge (pci-root): the PHB's target index, 0 for index 0, else 1-30.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? TargetIndex { get; init; }
    /// <summary>Whether hotplug is enabled on this port/bus (null: the model's default).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Hotplug { get; init; }
    /// <summary>The QEMU device that implements the controller (e.g. pcie-root-port, pcie-pci-bridge, pxb-pcie).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ModelName { get; init; }
    /// <summary>USB companion controllers: start port on the master controller.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MasterStartPort { get; init; }
    /// <summary>pcie-root-port: resources reserved for later hotplug (QEMU's <c>*-reserve</c> properties).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PortReserve? Reserve { get; init; }
    /// <summary>The root controller (index 0): size of the guest's 64-bit PCI hole in bytes (libvirt's <c>&lt;pcihole64&gt;</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? PciHole64 { get; init; }
}

/// <summary>Host-side facts of a passed-through (VFIO) device.</summary>
public sealed record HostDevice
{
    /// <summary>Host address (PCI: <c>0000:3b:00.0</c>; USB: vendor:product; SCSI: adapter:bus:target:unit).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Address { get; init; }
    /// <summary>Whether the host device is PCI Express (null: unknown, treated as PCI Express).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? PciExpress { get; init; }
}
