using DevAddr.Core.Model;
using DevAddr.Core.Topology;

namespace DevAddr.Core.Validation;

/// <summary>Structural checks of a request before planning: ids, kinds, numbers.</summary>
internal static partial class RequestChecks
{
    public const int MaxDevices = PlanLimits.MaxDevices;

    public static void Check(PlanRequest request)
    {
        if (request.Machine is null || string.IsNullOrWhiteSpace(request.Machine.Arch) || string.IsNullOrWhiteSpace(request.Machine.Type))
            throw PlanningException.Create(ErrorCodes.InvalidInput, "the request must name the machine's arch and type", rule: "machine-given");
        if (request.Devices.Count > MaxDevices)
            throw PlanningException.Create(ErrorCodes.InvalidInput, $"the request has {request.Devices.Count} devices; at most {MaxDevices} are supported", rule: "max-devices");
        if (request.MemorySlots is < 0)
            throw PlanningException.Create(ErrorCodes.InvalidInput, $"memorySlots must not be negative, got {request.MemorySlots}", rule: "memory-slots-range");
        if (request.NumaNodes is < 0 or > 256)
            throw PlanningException.Create(ErrorCodes.InvalidInput, $"numaNodes must be 0-256, got {request.NumaNodes}", rule: "numa-range");
        var ids = new HashSet<string>(request.Devices.Count, StringComparer.Ordinal);
        for (int i = 0; i < request.Devices.Count; i++)
        {
            var d = request.Devices[i];
            if (d is null)
                throw PlanningException.Create(ErrorCodes.InvalidInput, $"devices[{i}] is null", rule: "device-given");
            if (string.IsNullOrWhiteSpace(d.Id))
                throw PlanningException.Create(ErrorCodes.InvalidInput, $"devices[{i}] has no id", rule: "device-id");
            if (!ids.Add(d.Id))
                throw PlanningException.Create(ErrorCodes.InvalidInput, $"duplicate device id '{d.Id}'", d.Id, "device-id-unique");
            if (string.IsNullOrWhiteSpace(d.Kind))
                throw PlanningException.Create(ErrorCodes.InvalidInput, $"device '{d.Id}' has no kind", d.Id, "device-kind");
            if (d.Kind == "controller" && string.IsNullOrWhiteSpace(d.Type))
                throw PlanningException.Create(ErrorCodes.InvalidInput, $"controller '{d.Id}' has no type", d.Id, "controller-type");
            if (d.Index is < 0 or > 255)
                throw PlanningException.Create(ErrorCodes.InvalidInput, $"device '{d.Id}' has index {d.Index}; it must be 0-255", d.Id, "controller-index-range");
            if (d.Address is PciAddress p && PciRangeProblem(p) is string pciProblem)
                throw PlanningException.Create(ErrorCodes.AddressConflict,
                    $"device '{d.Id}' has PCI address {pciProblem} (domain 0-0xffff, bus 0-255, slot 0-31, function 0-7)", d.Id, "pci-address-range");
            if (d.Address is not null and not PciAddress && RangeProblem(d.Address) is string problem)
                throw PlanningException.Create(ErrorCodes.AddressConflict, $"device '{d.Id}' has {d.Address.Kind} address {d.Address} out of range: {problem}", d.Id, "address-range");
            CheckOtherBusAddress(d);
            if (d.Controller is { } o && (o.Ports < 0 || o.Vectors < 0))
                throw PlanningException.Create(ErrorCodes.InvalidInput, $"controller '{d.Id}' has a negative ports or vectors count", d.Id, "controller-option-range");
        }
    }

    /// <summary>The address types libvirt knows besides those with a model of their own (carried through as <c>other</c>).</summary>
    private static readonly string[] s_otherAddressTypes = ["isa", "unassigned", "none"];

    /// <summary>
    /// Addresses of the s390x and pseries buses, and address types, as libvirt's parser reads them: CCW addresses
    /// complete (or empty) and in range, zPCI ids in range, spapr-vio registers not negative, no unknown type.
    /// </summary>
    private static void CheckOtherBusAddress(Device d)
    {
        switch (d.Address)
        {
            case OtherAddress { AddressType: "virtio-s390" }:
                throw PlanningException.Create(ErrorCodes.AddressConflict, "virtio-s390 bus doesn't have an address", d.Id, "address-type");
            case OtherAddress o when !s_otherAddressTypes.Contains(o.AddressType):
                throw PlanningException.Create(ErrorCodes.Unsupported,
                    $"device '{d.Id}': unknown address type '{o.AddressType}' (allowed: pci, drive, usb, virtio-serial, ccid, dimm, spapr-vio, ccw, virtio-mmio, isa, unassigned)", d.Id, "address-type");
            case CcwAddress c when c.Cssid is < 0 or > CcwAddress.CssidLast || c.Ssid is < 0 or > CcwAddress.SsidLast || c.Devno is < 0 or > CcwAddress.DevnoLast:
                throw PlanningException.Create(ErrorCodes.AddressConflict,
                    $"Invalid specification for virtio ccw address: cssid='0x{c.Cssid ?? 0:x}' ssid='0x{c.Ssid ?? 0:x}' devno='0x{c.Devno ?? 0:x4}' (cssid 0-0xfe, ssid 0-3, devno 0-0xffff)", d.Id, "ccw-address-range");
            case CcwAddress { IsComplete: false } c when c.Cssid is not null || c.Ssid is not null || c.Devno is not null:
                throw PlanningException.Create(ErrorCodes.AddressConflict,
                    "Invalid partial specification for virtio ccw address (give cssid, ssid and devno, or none of them)", d.Id, "ccw-address-range");
            case SpaprVioAddress { Reg: < 0 } v:
                throw PlanningException.Create(ErrorCodes.AddressConflict, $"device '{d.Id}': spapr-vio reg {v.Reg} is negative", d.Id, "spapr-vio-reg-range");
            case PciAddress { Zpci: { } z } when z.Uid is < 0 || z.Fid is < 0 or > ZpciIds.FidLast:
                throw PlanningException.Create(ErrorCodes.AddressConflict,
                    $"device '{d.Id}': zPCI uid must be 1-0xffff and fid 0-0xffffffff, got uid={z.Uid} fid={z.Fid}", d.Id, "zpci-range");
        }
    }

    /// <summary>Which field of a PCI address is out of range, as "FIELD N out of range", or null.</summary>
    private static string? PciRangeProblem(PciAddress p) =>
        p.Domain is < 0 or > 0xffff ? $"domain {p.Domain} out of range"
        : p.Bus is < 0 or > 255 ? $"bus {p.Bus} out of range"
        : p.Slot is < 0 or > PciAddress.SlotLast ? $"slot {p.Slot} out of range"
        : p.Function is < 0 or > PciAddress.FunctionLast ? $"function {p.Function} out of range"
        : null;

    /// <summary>Why a non-PCI address is out of range (negative fields, controller beyond the 0-255 controller indexes), or null.</summary>
    private static string? RangeProblem(DeviceAddress address) => address switch
    {
        DriveAddress a when a.Controller < 0 || a.Bus < 0 || a.Target < 0 || a.Unit < 0 => "fields must not be negative",
        DriveAddress { Controller: > 255 } => "controller must be 0-255",
        VirtioSerialAddress a when a.Controller < 0 || a.Bus < 0 || a.Port < 0 => "fields must not be negative",
        VirtioSerialAddress { Controller: > 255 } => "controller must be 0-255",
        CcidAddress a when a.Controller < 0 || a.Slot < 0 => "fields must not be negative",
        CcidAddress { Controller: > 255 } => "controller must be 0-255",
        UsbAddress { Bus: < 0 or > 255 } => "bus must be 0-255",
        DimmAddress { Slot: < 0 } => "slot must not be negative",
        _ => null,
    };
}
