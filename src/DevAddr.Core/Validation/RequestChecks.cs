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
        var ids = new HashSet<string>(StringComparer.Ordinal);
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
            if (d.Address is PciAddress p && (p.Bus > 255 || p.Slot > 31 || p.Function > 7 || p.Domain > 0xffff))
                throw PlanningException.Create(ErrorCodes.AddressConflict,
                    $"device '{d.Id}' has PCI address {p} out of range (bus 0-255, slot 0-31, function 0-7)", d.Id, "pci-address-range");
            if (d.Address is not null and not PciAddress && RangeProblem(d.Address) is string problem)
                throw PlanningException.Create(ErrorCodes.AddressConflict, $"device '{d.Id}' has {d.Address.Kind} address {d.Address} out of range: {problem}", d.Id, "address-range");
            if (d.Controller is { } o && (o.Ports < 0 || o.Vectors < 0))
                throw PlanningException.Create(ErrorCodes.InvalidInput, $"controller '{d.Id}' has a negative ports or vectors count", d.Id, "controller-option-range");
        }
    }

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
