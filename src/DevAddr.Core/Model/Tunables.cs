using System.Text.Json.Serialization;

namespace DevAddr.Core.Model;

/// <summary>Whether a tunable must hold (<c>require</c>: a hard constraint) or should hold (<c>prefer</c>: a weighted soft constraint).</summary>
public static class TunableModes
{
    /// <summary>Hard constraint: a plan that breaks it is infeasible.</summary>
    public const string Require = "require";
    /// <summary>Soft constraint: breaking it costs its weight in the objective.</summary>
    public const string Prefer = "prefer";
}

/// <summary>A tunable value with its mode and (for <c>prefer</c>) its weight.</summary>
public sealed record Tunable<T>
{
    /// <summary>Creates a tunable; <c>new Tunable&lt;int&gt; { Value = ... }</c> is the usual form.</summary>
    /// <param name="mode"><c>require</c> (default) or <c>prefer</c>.</param>
    /// <param name="weight">Weight of a <c>prefer</c> tunable (default 100).</param>
    /// <remarks>Defaults are constructor parameters, not property initializers, so that a document that leaves a member out gets its default from the compile-time JSON metadata too.</remarks>
    [JsonConstructor]
    public Tunable(string mode = TunableModes.Require, int weight = 100)
    {
        Mode = mode;
        Weight = weight;
    }

    /// <summary>The wanted value.</summary>
    public required T Value { get; init; }
    /// <summary><c>require</c> (default) or <c>prefer</c>.</summary>
    public string Mode { get; init; }
    /// <summary>Weight of a <c>prefer</c> tunable (cost per unit of violation), 1-1000000.</summary>
    public int Weight { get; init; }

    /// <summary>True when the tunable is hard.</summary>
    [JsonIgnore]
    public bool IsRequired => Mode == TunableModes.Require;
}

/// <summary>Global tunables of the optimizing policy. Every field is optional; per-device tunables override them.</summary>
public sealed record Tunables
{
    /// <summary>Empty hot-pluggable places to keep free for later hotplug, globally.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Tunable<int>? HotplugReserve { get; init; }

    /// <summary>Empty hot-pluggable places to keep free per guest NUMA node (key: node number as text).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, Tunable<int>>? HotplugReservePerNode { get; init; }

    /// <summary>Default bus kind of endpoints: <c>pcie</c>, <c>pci</c> or <c>auto</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Tunable<string>? BusKind { get; init; }

    /// <summary>Whether endpoints must (true) or must not (false) sit in hot-pluggable places.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Tunable<bool>? Hotpluggable { get; init; }

    /// <summary>Hotplug of the root ports that hold devices (false: <c>hotplug='off'</c>, guests do not offer to remove them). Empty spare ports stay hot-pluggable.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? OccupiedPortHotplug { get; init; }

    /// <summary>Packing: <c>one-per-bus</c> (PCIe style, default on PCIe machines) or <c>distinct-slots</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Packing { get; init; }

    /// <summary>Resource budgets (bus numbers, I/O space, MMIO windows).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Budgets? Budgets { get; init; }

    /// <summary>
    /// Resources (QEMU <c>bus-reserve</c>, <c>io-reserve</c>, <c>mem-reserve</c>, <c>pref32-reserve</c>,
    /// <c>pref64-reserve</c>) given to every spare hot-pluggable root port the plan adds, counted in the budgets;
    /// e.g. <c>{"pref64": 17179869184}</c> so a 16 GiB GPU can be hot-plugged into any spare port.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PortReserve? SparePortReserve { get; init; }

    /// <summary>Weight of compactness (fewer added controllers); default 1, low on purpose.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? CompactnessWeight { get; init; }

    /// <summary>
    /// How passed-through devices mirror the host topology (<see cref="PlanRequest.HostTopology"/>): <c>numa</c> (one
    /// expander bus per host NUMA node), <c>root-complex</c> (one per host root complex, carrying its NUMA node) or
    /// <c>switch</c> (as <c>root-complex</c>, and the devices under one host PCI Express switch under one guest switch).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Tunable<string>? Mirror { get; init; }

    /// <summary>Guest NUMA cell of each host NUMA node (key: host node number as text); unmapped nodes keep their number.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, int>? HostNumaMap { get; init; }

    /// <summary>
    /// Every function of a host IOMMU group that has a function passed through is passed through too (VFIO hands a
    /// guest whole groups); the functions of one host device in one group share one guest slot.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Tunable<bool>? WholeIommuGroups { get; init; }

    /// <summary>The 64-bit MMIO windows: the guest's 64-bit PCI hole and the reserves of spare ports, sized from the host's BARs.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public WindowTunables? Windows { get; init; }
}

/// <summary>How the 64-bit MMIO windows are sized (requests with a host topology).</summary>
public sealed record WindowTunables
{
    /// <summary>
    /// The guest's 64-bit PCI hole (libvirt's <c>&lt;pcihole64&gt;</c> on the root controller): <c>auto</c> (default
    /// with a host topology: sized from what the plan's 64-bit windows need), a size such as <c>2T</c> (the hole and
    /// the 64-bit budget), or <c>none</c> (left to QEMU's default).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PciHole64 { get; init; }

    /// <summary>The guest's physical address bits (default 46): with <c>auto</c>, the 64-bit windows may take the upper half of that space.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? PhysBits { get; init; }

    /// <summary>
    /// <c>pref64-reserve</c> of every spare hot-pluggable root port the plan adds: <c>host</c> (the largest 64-bit window
    /// a passed-through device needs, so one like it can be hot-plugged there) or a size such as <c>64G</c>.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SparePref64 { get; init; }
}

/// <summary>Resource budgets. Unset values use the machine's defaults.</summary>
public sealed record Budgets
{
    /// <summary>Guest PCI bus numbers available (at most 256 per PCI domain, bus 0 included).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? BusNumbers { get; init; }
    /// <summary>I/O port space in bytes available to bridges and ports (x86: 64 KiB total; each I/O window takes 4 KiB).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? IoBytes { get; init; }
    /// <summary>32-bit MMIO window in bytes for non-prefetchable and 32-bit BARs.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Mmio32Bytes { get; init; }
    /// <summary>64-bit MMIO window in bytes for 64-bit prefetchable BARs.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Mmio64Bytes { get; init; }
}

/// <summary>Per-device tunables; each overrides the global one of the same name.</summary>
public sealed record DeviceTunables
{
    /// <summary>Guest NUMA node the device belongs to (placed behind an expander bus of that node).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Tunable<int>? NumaNode { get; init; }
    /// <summary><c>pcie</c>, <c>pci</c> or <c>auto</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Tunable<string>? BusKind { get; init; }
    /// <summary>Must (true) or must not (false) sit in a hot-pluggable place.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Tunable<bool>? Hotpluggable { get; init; }
    /// <summary>Devices with the same group name share one multifunction slot (functions 0-7, in request order).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Group { get; init; }
    /// <summary>BARs of this device, replacing the catalog's (e.g. a GPU's 16 GiB 64-bit BAR).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Catalog.BarSpec>? Bars { get; init; }
    /// <summary>
    /// Resources reserved on the device's own root port (the device then sits behind a root port the plan adds),
    /// e.g. room for a bigger device replacing it later; counted in the budgets.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PortReserve? PortReserve { get; init; }
    /// <summary>
    /// Devices with the same peer-to-peer group name sit under one guest PCI Express switch (e.g. a GPU and its RDMA NIC,
    /// for GPUDirect RDMA), whatever their host topology.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Tunable<string>? P2pGroup { get; init; }
}

/// <summary>Solver settings of the optimizing policy. Defaults are deterministic.</summary>
public sealed record SolverSettings
{
    /// <summary>Creates solver settings; <c>new SolverSettings { Threads = ... }</c> is the usual form.</summary>
    /// <param name="threads">Search workers (default 1).</param>
    /// <param name="maxDeterministicTime">Deterministic time limit (default 20).</param>
    /// <param name="maxWallSeconds">Wall-clock safety net in seconds (default 60).</param>
    /// <remarks>Defaults are constructor parameters, not property initializers, so that a document that leaves a member out gets its default from the compile-time JSON metadata too.</remarks>
    [JsonConstructor]
    public SolverSettings(int threads = 1, double maxDeterministicTime = 20, double maxWallSeconds = 60)
    {
        Threads = threads;
        MaxDeterministicTime = maxDeterministicTime;
        MaxWallSeconds = maxWallSeconds;
    }

    /// <summary>Search workers (1 or more); the plan is the same for any count when the optimum is proven.</summary>
    public int Threads { get; init; }
    /// <summary>Deterministic time limit (solver work units, machine-independent).</summary>
    public double MaxDeterministicTime { get; init; }
    /// <summary>Wall-clock safety net in seconds.</summary>
    public double MaxWallSeconds { get; init; }
}
