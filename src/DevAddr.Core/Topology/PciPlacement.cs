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
