using System.Text.Json.Serialization;

namespace DevAddr.Core.Model;

/// <summary>A plan: the fully expanded device list with a complete address for every addressable device.</summary>
public sealed record Plan
{
    /// <summary>The machine the plan is for (machine type resolved to its catalog name).</summary>
    public required MachineSpec Machine { get; init; }
    /// <summary>The policy that produced the plan.</summary>
    public required string Policy { get; init; }
    /// <summary>
    /// The version of <see cref="Policy"/> that made the plan (see <see cref="PolicyVersions"/>): the same request
    /// under the same policy version gives the same plan. Absent in plans read from libvirt domain XML.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PolicyVersion { get; init; }
    /// <summary>The optimize policy: the libvirt release whose rules it followed (absent for the libvirt policy, whose release is its version).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LibvirtVersion { get; init; }
    /// <summary>Every device: the requested ones and those the planner added, in stable order.</summary>
    public required IReadOnlyList<Device> Devices { get; init; }
    /// <summary>Counts that describe the plan.</summary>
    public required PlanSummary Summary { get; init; }
    /// <summary>How the plan relates to the request's prior layout (absent without one).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public StabilityReport? Stability { get; init; }
    /// <summary>The optimizing policy's solver report (absent for the libvirt policy).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Topology.SolverReport? Solver { get; init; }
    /// <summary>
    /// What the guest will run with but suffer from, as validator findings of severity <c>warning</c> (e.g. the
    /// libvirt policy, like libvirt, places devices whose BARs exceed the I/O or 32-bit MMIO budget: the firmware
    /// leaves some BARs unmapped). Absent when there is nothing to warn about.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<PlanError>? Warnings { get; init; }
}

/// <summary>Counts that describe a plan.</summary>
public sealed record PlanSummary
{
    /// <summary>Number of devices in the plan.</summary>
    public int Devices { get; init; }
    /// <summary>Number of devices and controllers the planner added.</summary>
    public int Added { get; init; }
    /// <summary>Number of PCI controllers (buses), including the root.</summary>
    public int PciBuses { get; init; }
    /// <summary>Number of pcie-root-ports.</summary>
    public int RootPorts { get; init; }
    /// <summary>Empty hot-pluggable places of any kind: empty root ports and free slots of hot-pluggable buses.</summary>
    public int FreeHotplugSlots { get; init; }
    /// <summary>Empty hot-pluggable PCI Express root (or downstream) ports.</summary>
    public int FreeRootPorts { get; init; }
}

/// <summary>An error that stops planning: a code, a message, and where known the device and rule.</summary>
public sealed record PlanError
{
    /// <summary>Stable machine-readable code (see README, "Errors").</summary>
    public required string Code { get; init; }
    /// <summary>Human-readable message.</summary>
    public required string Message { get; init; }
    /// <summary>The device the error is about, if any.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DeviceId { get; init; }
    /// <summary>The rule that was broken, if any.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Rule { get; init; }
    /// <summary>Validator findings only: <c>warning</c> when the guest still runs (budget rules); absent for errors.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Severity { get; init; }
}

/// <summary>Outcome of planning: a plan, or an error.</summary>
public abstract record PlanResult
{
    private PlanResult() { }

    /// <summary>A plan was produced.</summary>
    public sealed record Success(Plan Plan) : PlanResult;

    /// <summary>The request cannot be planned.</summary>
    public sealed record Failure(PlanError Error) : PlanResult;
}

/// <summary>Error codes of <see cref="PlanError"/>.</summary>
public static class ErrorCodes
{
    /// <summary>The request is malformed (missing fields, duplicate ids, bad values).</summary>
    public const string InvalidInput = "invalid-input";
    /// <summary>The machine type or a device/controller model is not in the catalog.</summary>
    public const string UnknownModel = "unknown-model";
    /// <summary>A given address is invalid or clashes with another.</summary>
    public const string AddressConflict = "address-conflict";
    /// <summary>A device cannot be placed: no free place and none can be added.</summary>
    public const string NoSpace = "no-space";
    /// <summary>The hard tunables cannot all hold; the message names the conflicting ones.</summary>
    public const string Infeasible = "infeasible";
    /// <summary>The solver stopped at its limit without any plan.</summary>
    public const string SolverLimit = "solver-limit";
    /// <summary>
    /// The layout the request leads to breaks an addressing invariant (the rule names it) that QEMU or the guest's
    /// firmware needs, e.g. a function without function 0 in its slot, PCI controllers in a cycle, expander bus
    /// numbers that leave too few for the buses behind them. libvirt 9.0 defines such guests; the planner refuses them.
    /// </summary>
    public const string UnusableLayout = "unusable-layout";
    /// <summary>The configuration is not supported by the machine or hypervisor.</summary>
    public const string Unsupported = "unsupported";
}
