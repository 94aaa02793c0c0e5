using System.Text.Json.Serialization;

namespace DevAddr.Core.Model;

/// <summary>A planning request: the guest machine, the policy and the (minimal) device list.</summary>
public sealed record PlanRequest
{
    /// <summary>Creates a request; <c>new PlanRequest { Machine = ..., Devices = ... }</c> is the usual form.</summary>
    /// <param name="policy">The policy (default: the libvirt policy, newest version).</param>
    /// <param name="devices">The devices (default: none).</param>
    /// <remarks>Defaults are constructor parameters, not property initializers, so that a document that leaves a member out gets its default from the compile-time JSON metadata too.</remarks>
    [JsonConstructor]
    public PlanRequest(PolicySpec policy = null!, IReadOnlyList<Device> devices = null!)
    {
        Policy = policy ?? new();
        Devices = devices ?? [];
    }

    /// <summary>Guest architecture and machine type.</summary>
    public required MachineSpec Machine { get; init; }

    /// <summary>Global policy and tunables (the default policy reproduces libvirt's assignment).</summary>
    public PolicySpec Policy { get; init; }

    /// <summary>Number of guest NUMA cells (0 when the guest has no NUMA topology).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int NumaNodes { get; init; }

    /// <summary>
    /// Whether the guest's memory is shared (libvirt's <c>&lt;memoryBacking&gt;&lt;access mode='shared'/&gt;</c>, or every NUMA
    /// cell's <c>memAccess='shared'</c>): libvirt 11.3 refuses vhost-user NICs otherwise.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool SharedMemory { get; init; }

    /// <summary>Number of vCPUs (0: not given): above 255 a q35 guest needs an IOMMU with extended interrupts.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Vcpus { get; init; }

    /// <summary>Number of memory hotplug slots (libvirt's maxMemory slots), for DIMM addressing.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MemorySlots { get; init; }

    /// <summary>The guest's current layout, whose addresses are kept (ABI stability).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PriorLayout? Prior { get; init; }

    /// <summary>
    /// The host's PCI topology (<c>devaddr host scan</c>): passed-through devices are found in it by their host address,
    /// and the optimize policy's <c>mirror</c>, <c>wholeIommuGroups</c> and <c>windows</c> tunables use it.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public HostTopology? HostTopology { get; init; }

    /// <summary>
    /// The host topology as a file (JSON or YAML), relative to the request file's directory; read by
    /// <c>devaddr plan</c> and <c>devaddr whatif</c> into <see cref="HostTopology"/>. Not both.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? HostTopologyFile { get; init; }

    /// <summary>The devices, in the order the guest definition lists them.</summary>
    public IReadOnlyList<Device> Devices { get; init; }
}

/// <summary>Guest architecture and machine type (e.g. x86_64 + q35, x86_64 + pc, aarch64 + virt).</summary>
public sealed record MachineSpec(string Arch, string Type);

/// <summary>
/// Global policy. <c>libvirt</c> (default) reproduces libvirt 9.0's assignment; <c>optimize</c> places PCI
/// devices with a CP-SAT model under the tunables, to a proven optimum. Each has versions (<see cref="PolicyVersions"/>).
/// </summary>
public sealed record PolicySpec
{
    /// <summary>The libvirt-compatible constructive policy.</summary>
    public const string Libvirt = "libvirt";
    /// <summary>The CP-SAT optimizing policy.</summary>
    public const string Optimize = "optimize";

    /// <summary>Creates a policy; <c>new PolicySpec { Name = ..., Version = ... }</c> is the usual form.</summary>
    /// <param name="name">Policy name (default: <c>libvirt</c>).</param>
    /// <remarks>Defaults are constructor parameters, not property initializers, so that a document that leaves a member out gets its default from the compile-time JSON metadata too.</remarks>
    [JsonConstructor]
    public PolicySpec(string name = Libvirt) => Name = name;

    /// <summary>Policy name: <c>libvirt</c> or <c>optimize</c>.</summary>
    public string Name { get; init; }

    /// <summary>
    /// The policy version to plan with (see <see cref="PolicyVersions"/>), e.g. <c>9.0</c> for <c>libvirt</c>,
    /// <c>1</c> for <c>optimize</c>. Left out: the newest. Pin it where plans must not change across releases.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Version { get; init; }

    /// <summary>
    /// The optimize policy: the libvirt release whose rules it follows for everything but PCI placement (e.g.
    /// <c>9.0</c>, <c>11.3</c>). Left out: the newest. (The libvirt policy's release is its <see cref="Version"/>.) JSON name: <c>libvirt</c>.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonPropertyName("libvirt")]
    public string? LibvirtVersion { get; init; }

    /// <summary>Global tunables (optimize policy).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Tunables? Tunables { get; init; }

    /// <summary>Solver settings (optimize policy).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SolverSettings? Solver { get; init; }
}
