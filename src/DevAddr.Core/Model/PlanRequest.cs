using System.Text.Json.Serialization;

namespace DevAddr.Core.Model;

/// <summary>A planning request: the guest machine, the policy and the (minimal) device list.</summary>
public sealed record PlanRequest
{
    /// <summary>Guest architecture and machine type.</summary>
    public required MachineSpec Machine { get; init; }

    /// <summary>Global policy and tunables (the default policy reproduces libvirt's assignment).</summary>
    public PolicySpec Policy { get; init; } = new();

    /// <summary>Number of guest NUMA cells (0 when the guest has no NUMA topology).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int NumaNodes { get; init; }

    /// <summary>Number of memory hotplug slots (libvirt's maxMemory slots), for DIMM addressing.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MemorySlots { get; init; }

    /// <summary>The devices, in the order the guest definition lists them.</summary>
    public IReadOnlyList<Device> Devices { get; init; } = [];
}

/// <summary>Guest architecture and machine type (e.g. x86_64 + q35, x86_64 + pc, aarch64 + virt).</summary>
public sealed record MachineSpec(string Arch, string Type);

/// <summary>Global policy. <c>libvirt</c> is the built-in policy that reproduces libvirt 9.0's assignment.</summary>
public sealed record PolicySpec
{
    /// <summary>Policy name.</summary>
    public string Name { get; init; } = "libvirt";
}
