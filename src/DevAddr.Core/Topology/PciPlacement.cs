using DevAddr.Core.Catalog;
using DevAddr.Core.Model;

namespace DevAddr.Core.Topology;

/// <summary>A PCI placement engine: decides where the devices that still need PCI addresses go and which controllers to add.</summary>
public interface IPciPlacementEngine
{
    /// <summary>Places every item of <paramref name="problem"/> that needs an address.</summary>
    /// <returns>The placement, or an error (e.g. infeasible tunables).</returns>
    PciPlacementResult Place(PciProblem problem);
}

/// <summary>
/// What a placement engine sees: the machine, the policy, the existing buses (controllers present, with the
/// slots still free after every fixed address and chipset reservation) and the items to place.
/// </summary>
public sealed record PciProblem
{
    /// <summary>The machine type.</summary>
    public required MachineType Machine { get; init; }
    /// <summary>The policy with its tunables.</summary>
    public required PolicySpec Policy { get; init; }
    /// <summary>Guest NUMA nodes.</summary>
    public required int NumaNodes { get; init; }
    /// <summary>Existing PCI buses, by index.</summary>
    public required IReadOnlyList<PciBusInfo> Buses { get; init; }
    /// <summary>Devices that need a PCI address, in placement order.</summary>
    public required IReadOnlyList<PciItem> Items { get; init; }
    /// <summary>Devices that already have PCI addresses (fixed), for budgets.</summary>
    public required IReadOnlyList<PciItem> Fixed { get; init; }
    /// <summary>The highest controller index in use.</summary>
    public required int MaxControllerIndex { get; init; }
    /// <summary>The catalog.</summary>
    public required DeviceCatalog Catalog { get; init; }
    /// <summary>Cost of moving an existing device (prior layouts with moves allowed).</summary>
    public int MoveWeight { get; init; } = 1000;
    /// <summary>The request's host topology, when it carries one.</summary>
    public Host.HostTopologyIndex? HostTopology { get; init; }
}

/// <summary>An existing PCI bus.</summary>
public sealed record PciBusInfo
{
    /// <summary>Controller index.</summary>
    public required int Index { get; init; }
    /// <summary>Controller model.</summary>
    public required string Model { get; init; }
    /// <summary>The controller's own address (null for the root).</summary>
    public PciAddress? Address { get; init; }
    /// <summary>NUMA node of the expander the bus is (under), if any.</summary>
    public int? NumaNode { get; init; }
    /// <summary>Whether its slots are hot-pluggable.</summary>
    public bool Hotplug { get; init; }
    /// <summary>Slots with no function in use.</summary>
    public required IReadOnlyList<int> FreeSlots { get; init; }
    /// <summary>Expander buses: the guest bus number, when set.</summary>
    public int? BusNr { get; init; }
    /// <summary>Root ports: the resources reserved for hotplug, when set.</summary>
    public PortReserve? Reserve { get; init; }
}

/// <summary>A device as the placement engine sees it.</summary>
public sealed record PciItem
{
    /// <summary>The device.</summary>
    public required Device Device { get; init; }
    /// <summary>Connect flags (what it is).</summary>
    public required ConnectFlags Flags { get; init; }
    /// <summary>Whether the model can be hot-plugged.</summary>
    public bool HotplugCapable { get; init; }
    /// <summary>BARs (catalog or per-device override).</summary>
    public IReadOnlyList<BarSpec> Bars { get; init; } = [];
    /// <summary>An existing device that may move: its current address (keeping it costs nothing).</summary>
    public PciAddress? PriorAddress { get; init; }
    /// <summary>A passed-through device: the host function it is (requests with a host topology).</summary>
    public HostPciFunction? Host { get; init; }
}

/// <summary>An engine's answer: addresses, added controllers, and a report; or an error.</summary>
public sealed record PciPlacementResult
{
    /// <summary>Address of each placed item, by device id.</summary>
    public IReadOnlyDictionary<string, PciAddress> Addresses { get; init; } = new Dictionary<string, PciAddress>();
    /// <summary>Controllers to add (complete with index, model, address and options).</summary>
    public IReadOnlyList<Device> AddedControllers { get; init; } = [];
    /// <summary>Guest bus numbers to set on existing expander buses that have none, by controller index.</summary>
    public IReadOnlyDictionary<int, int> ExpanderBusNumbers { get; init; } = new Dictionary<int, int>();
    /// <summary>The guest's 64-bit PCI hole to set on the root controller, in bytes (null: QEMU's default).</summary>
    public long? PciHole64 { get; init; }
    /// <summary>The solver report.</summary>
    public SolverReport? Report { get; init; }
    /// <summary>Set when no placement exists.</summary>
    public PlanError? Error { get; init; }
}

/// <summary>How the optimizing policy's solve went, and what the plan costs.</summary>
public sealed record SolverReport
{
    /// <summary><c>optimal</c> (proven) or <c>feasible</c> (limit reached; see gap).</summary>
    public required string Status { get; init; }
    /// <summary>Objective value of the plan.</summary>
    public required long Objective { get; init; }
    /// <summary>Best proven lower bound.</summary>
    public required long BestBound { get; init; }
    /// <summary>Relative gap between objective and bound (0 when optimal).</summary>
    public required double Gap { get; init; }
    /// <summary>Objective broken down per tunable.</summary>
    public required IReadOnlyDictionary<string, long> Breakdown { get; init; }
    /// <summary>Soft preferences the plan does not meet, and why.</summary>
    public required IReadOnlyList<UnmetPreference> Unmet { get; init; }
    /// <summary>Requests with a host topology: what the plan's windows take (absent otherwise).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public WindowReport? Windows { get; init; }
    /// <summary>Requests with a host topology: how the guest mirrors it (absent otherwise).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public MirrorReport? Mirror { get; init; }
}

/// <summary>
/// What the plan's windows take, as the firmware sizes them: each bridge window aligned to its largest BAR and rounded
/// up to a multiple of that alignment (SeaBIOS and OVMF do so), counted against the budgets.
/// </summary>
public sealed record WindowReport
{
    /// <summary>64-bit prefetchable windows of the devices the plan placed, with the spare ports' 64-bit reserves.</summary>
    public required long Mmio64Bytes { get; init; }
    /// <summary>Of those, the 64-bit reserves of root ports (spare ports and ports reserved for a device).</summary>
    public required long Pref64ReserveBytes { get; init; }
    /// <summary>The largest alignment among the 64-bit windows (the firmware aligns the 64-bit hole's start to it).</summary>
    public required long Mmio64AlignmentBytes { get; init; }
    /// <summary>The 64-bit budget the windows were held to.</summary>
    public required long Mmio64BudgetBytes { get; init; }
    /// <summary>The guest's 64-bit PCI hole the plan sets (libvirt's <c>&lt;pcihole64&gt;</c>); absent when left to QEMU.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public long? PciHole64Bytes { get; init; }
    /// <summary>32-bit memory windows (1 MiB granules) of the devices the plan placed.</summary>
    public required long Mmio32Bytes { get; init; }
    /// <summary>I/O windows (4 KiB each) the plan's ports and bridges need; 0 when no device needs I/O space.</summary>
    public required long IoBytes { get; init; }
    /// <summary>Guest PCI bus numbers the plan uses.</summary>
    public required int BusNumbers { get; init; }
}

/// <summary>How the guest mirrors the host topology.</summary>
public sealed record MirrorReport
{
    /// <summary>The mirror mode (<c>numa</c>, <c>root-complex</c>, <c>switch</c>), or <c>none</c>.</summary>
    public required string Mode { get; init; }
    /// <summary>Guest NUMA cells of the expander buses, with the host nodes they stand for.</summary>
    public required IReadOnlyList<MirrorCell> NumaCells { get; init; }
    /// <summary>The expander buses the mirror added.</summary>
    public required IReadOnlyList<MirrorExpander> Expanders { get; init; }
    /// <summary>The guest PCI Express switches the plan added.</summary>
    public required IReadOnlyList<MirrorSwitch> Switches { get; init; }
}

/// <summary>A guest NUMA cell that an expander bus of the plan names.</summary>
public sealed record MirrorCell
{
    /// <summary>The guest cell.</summary>
    public required int Cell { get; init; }
    /// <summary>The host NUMA nodes whose devices it carries.</summary>
    public required IReadOnlyList<int> HostNodes { get; init; }
    /// <summary>Whether those host nodes have CPUs (false: the guest cell should be CPU-less too, like a GPU's node).</summary>
    public required bool Cpus { get; init; }
}

/// <summary>An expander bus the mirror added.</summary>
public sealed record MirrorExpander
{
    /// <summary>Its controller index.</summary>
    public required int Index { get; init; }
    /// <summary>Its guest NUMA cell, if any.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? Cell { get; init; }
    /// <summary>The host root complex it mirrors (<c>root-complex</c> and <c>switch</c> modes).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? HostRootComplex { get; init; }
    /// <summary>The host NUMA node it mirrors.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? HostNode { get; init; }
    /// <summary>The devices behind it.</summary>
    public required IReadOnlyList<string> Devices { get; init; }
}

/// <summary>A guest PCI Express switch: a root port, an upstream port and one downstream port per device.</summary>
public sealed record MirrorSwitch
{
    /// <summary>Controller index of its upstream port.</summary>
    public required int Upstream { get; init; }
    /// <summary>Controller index of the root port it hangs off.</summary>
    public required int RootPort { get; init; }
    /// <summary>The host switch it mirrors (its topmost upstream port), when it mirrors one.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? HostSwitch { get; init; }
    /// <summary>The peer-to-peer groups it holds.</summary>
    public required IReadOnlyList<string> P2pGroups { get; init; }
    /// <summary>The devices under it, in downstream port order.</summary>
    public required IReadOnlyList<string> Devices { get; init; }
}

/// <summary>A soft preference the plan does not meet.</summary>
public sealed record UnmetPreference
{
    /// <summary>The tunable.</summary>
    public required string Tunable { get; init; }
    /// <summary>The device, when the tunable is per device.</summary>
    public string? DeviceId { get; init; }
    /// <summary>What was wanted and what the plan does.</summary>
    public required string Message { get; init; }
    /// <summary>The cost it adds to the objective.</summary>
    public long Cost { get; init; }
}
