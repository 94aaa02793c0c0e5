using System.Text.Json.Serialization;

namespace DevAddr.Core.Model;

/// <summary>
/// The PCI topology of a host, as <c>devaddr host scan</c> reads it from Linux sysfs: NUMA nodes, PCI root complexes
/// (host bridges) and every PCI function with the chain of bridges and switch ports above it, its BARs, IOMMU group
/// and SR-IOV relations. A request carries it (<see cref="PlanRequest.HostTopology"/>) so that passed-through devices
/// can be placed to mirror the host: one expander bus per host NUMA node or root complex, one guest switch per host
/// switch, windows sized from the host's BARs.
/// </summary>
public sealed record HostTopology
{
    /// <summary>Creates a host topology; <c>new HostTopology { Functions = ... }</c> is the usual form.</summary>
    /// <param name="numaNodes">The NUMA nodes (default: none).</param>
    /// <param name="rootComplexes">The PCI root complexes (default: none).</param>
    /// <param name="functions">The PCI functions (default: none).</param>
    /// <remarks>Defaults are constructor parameters, not property initializers, so that a document that leaves a member out gets its default from the compile-time JSON metadata too.</remarks>
    [JsonConstructor]
    public HostTopology(IReadOnlyList<HostNumaNode> numaNodes = null!, IReadOnlyList<HostRootComplex> rootComplexes = null!, IReadOnlyList<HostPciFunction> functions = null!)
    {
        NumaNodes = numaNodes ?? [];
        RootComplexes = rootComplexes ?? [];
        Functions = functions ?? [];
    }

    /// <summary>Where the document comes from (e.g. <c>sysfs /sys</c>, or the public source of a rebuilt host).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Source { get; init; }

    /// <summary>The host's NUMA nodes, by id.</summary>
    public IReadOnlyList<HostNumaNode> NumaNodes { get; init; }

    /// <summary>The host's PCI root complexes (host bridges), by id.</summary>
    public IReadOnlyList<HostRootComplex> RootComplexes { get; init; }

    /// <summary>Every PCI function, in address order.</summary>
    public IReadOnlyList<HostPciFunction> Functions { get; init; }
}

/// <summary>A host NUMA node.</summary>
public sealed record HostNumaNode
{
    /// <summary>Creates a NUMA node; <c>new HostNumaNode { Id = ... }</c> is the usual form.</summary>
    /// <param name="cpus">The node's CPU list (default: empty).</param>
    /// <remarks>Defaults are constructor parameters, not property initializers, so that a document that leaves a member out gets its default from the compile-time JSON metadata too.</remarks>
    [JsonConstructor]
    public HostNumaNode(string cpus = "") => Cpus = cpus;

    /// <summary>Node number (Linux's <c>nodeN</c>).</summary>
    public required int Id { get; init; }

    /// <summary>Its CPUs as a Linux CPU list (e.g. <c>0-55,112-167</c>); empty for a node without CPUs (GPU or memory-only nodes).</summary>
    public string Cpus { get; init; }

    /// <summary>Its memory in MiB, when known (0: a node without memory).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? MemoryMiB { get; init; }

    /// <summary>True when the node has CPUs.</summary>
    [JsonIgnore]
    public bool HasCpus => !string.IsNullOrWhiteSpace(Cpus);
}

/// <summary>A PCI root complex (host bridge, <c>/sys/devices/pciDDDD:BB</c>).</summary>
public sealed record HostRootComplex
{
    /// <summary>Its sysfs name, e.g. <c>pci0000:26</c>.</summary>
    public required string Id { get; init; }

    /// <summary>PCI domain (segment).</summary>
    public int Domain { get; init; }

    /// <summary>Its root bus number.</summary>
    public int Bus { get; init; }

    /// <summary>The NUMA node its functions report (null: none reported).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? NumaNode { get; init; }
}

/// <summary>One PCI function of a host.</summary>
public sealed record HostPciFunction
{
    /// <summary>Creates a PCI function; <c>new HostPciFunction { Address = ..., ... }</c> is the usual form.</summary>
    /// <param name="upstream">The bridges and ports above it (default: none).</param>
    /// <param name="bars">Its BARs (default: none).</param>
    /// <remarks>Defaults are constructor parameters, not property initializers, so that a document that leaves a member out gets its default from the compile-time JSON metadata too.</remarks>
    [JsonConstructor]
    public HostPciFunction(IReadOnlyList<string> upstream = null!, IReadOnlyList<HostBar> bars = null!)
    {
        Upstream = upstream ?? [];
        Bars = bars ?? [];
    }

    /// <summary>Its address, <c>DDDD:BB:SS.F</c> (lower-case hex, as sysfs names it).</summary>
    public required string Address { get; init; }

    /// <summary>PCI class code, e.g. <c>0x030200</c> (3D controller).</summary>
    public required string Class { get; init; }

    /// <summary>Vendor id, e.g. <c>0x10de</c>.</summary>
    public required string Vendor { get; init; }

    /// <summary>Device id, e.g. <c>0x2330</c>.</summary>
    public required string Device { get; init; }

    /// <summary>The NUMA node the kernel reports for it (null: none, sysfs -1).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? NumaNode { get; init; }

    /// <summary>The root complex it sits under (<see cref="HostRootComplex.Id"/>).</summary>
    public required string RootComplex { get; init; }

    /// <summary>The bridges and switch ports above it, from the root complex down (addresses of functions of this topology).</summary>
    public IReadOnlyList<string> Upstream { get; init; }

    /// <summary>
    /// What it is on the PCI Express fabric (the PCI Express capability's port type): <c>endpoint</c>,
    /// <c>legacy-endpoint</c>, <c>integrated-endpoint</c>, <c>root-port</c>, <c>switch-upstream-port</c>,
    /// <c>switch-downstream-port</c>, <c>pcie-to-pci-bridge</c>, <c>pci-to-pcie-bridge</c>, <c>root-complex-event-collector</c>;
    /// <c>pci-endpoint</c> or <c>pci-bridge</c> for a conventional PCI function.
    /// </summary>
    public required string PortType { get; init; }

    /// <summary>Its BARs with their sizes and kinds (from sysfs <c>resource</c>); unused BARs are left out.</summary>
    public IReadOnlyList<HostBar> Bars { get; init; }

    /// <summary>Its IOMMU group (null: no IOMMU, or not in a group).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? IommuGroup { get; init; }

    /// <summary>SR-IOV: for a physical function, its virtual function counts.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public HostSriov? Sriov { get; init; }

    /// <summary>SR-IOV: for a virtual function, the address of its physical function.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PhysicalFunction { get; init; }

    /// <summary>The driver bound to it, when any (e.g. <c>vfio-pci</c>, <c>nvidia</c>, <c>mlx5_core</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Driver { get; init; }

    /// <summary>True for a PCI Express function (every port type but the conventional PCI ones).</summary>
    [JsonIgnore]
    public bool PciExpress => PortType is not (HostPortTypes.PciEndpoint or HostPortTypes.PciBridge);

    /// <summary>True for a bridge or port (it has a secondary bus).</summary>
    [JsonIgnore]
    public bool IsBridge => PortType is HostPortTypes.RootPort or HostPortTypes.SwitchUpstreamPort or HostPortTypes.SwitchDownstreamPort
        or HostPortTypes.PcieToPciBridge or HostPortTypes.PciToPcieBridge or HostPortTypes.PciBridge;
}

/// <summary>The port types of <see cref="HostPciFunction.PortType"/>.</summary>
public static class HostPortTypes
{
    /// <summary>PCI Express endpoint.</summary>
    public const string Endpoint = "endpoint";
    /// <summary>Legacy PCI Express endpoint.</summary>
    public const string LegacyEndpoint = "legacy-endpoint";
    /// <summary>Root complex integrated endpoint.</summary>
    public const string IntegratedEndpoint = "integrated-endpoint";
    /// <summary>Root port.</summary>
    public const string RootPort = "root-port";
    /// <summary>Switch upstream port.</summary>
    public const string SwitchUpstreamPort = "switch-upstream-port";
    /// <summary>Switch downstream port.</summary>
    public const string SwitchDownstreamPort = "switch-downstream-port";
    /// <summary>PCI Express to PCI bridge.</summary>
    public const string PcieToPciBridge = "pcie-to-pci-bridge";
    /// <summary>PCI to PCI Express bridge.</summary>
    public const string PciToPcieBridge = "pci-to-pcie-bridge";
    /// <summary>Root complex event collector.</summary>
    public const string EventCollector = "root-complex-event-collector";
    /// <summary>Conventional PCI function (no PCI Express capability).</summary>
    public const string PciEndpoint = "pci-endpoint";
    /// <summary>Conventional PCI-to-PCI bridge.</summary>
    public const string PciBridge = "pci-bridge";

    /// <summary>Every port type, in the order of the PCI Express capability's encoding where there is one.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Endpoint, LegacyEndpoint, IntegratedEndpoint, RootPort, SwitchUpstreamPort, SwitchDownstreamPort, PcieToPciBridge, PciToPcieBridge, EventCollector, PciEndpoint, PciBridge];
}

/// <summary>A BAR of a host PCI function.</summary>
public sealed record HostBar
{
    /// <summary>BAR number (0-5).</summary>
    public required int Index { get; init; }

    /// <summary>Size in bytes (a power of two).</summary>
    public required long Size { get; init; }

    /// <summary><c>io</c>, <c>mem32</c>, <c>mem32pref</c>, <c>mem64</c> or <c>mem64pref</c> (as the catalog's BARs).</summary>
    public required string Kind { get; init; }

    /// <summary>The kernel's resource flags as sysfs shows them (e.g. <c>0x14220c</c>), when read from sysfs.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Flags { get; init; }
}

/// <summary>SR-IOV counts of a physical function.</summary>
public sealed record HostSriov
{
    /// <summary>Virtual functions it supports (<c>sriov_totalvfs</c>).</summary>
    public int TotalVfs { get; init; }

    /// <summary>Virtual functions enabled now (<c>sriov_numvfs</c>).</summary>
    public int NumVfs { get; init; }
}
