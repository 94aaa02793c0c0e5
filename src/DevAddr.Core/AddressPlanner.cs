using DevAddr.Core.Catalog;
using DevAddr.Core.Model;
using DevAddr.Core.Policy;
using DevAddr.Core.Policy.Libvirt;
using DevAddr.Core.Topology;
using DevAddr.Core.Validation;

namespace DevAddr.Core;

/// <summary>The planner's entry point: plans a request, or validates a plan.</summary>
public static class AddressPlanner
{
    /// <summary>Plans the addresses of every device of <paramref name="request"/>.</summary>
    public static PlanResult Plan(PlanRequest request, DeviceCatalog? catalog = null) => Plan(request, null, catalog);

    /// <summary>
    /// Plans with a PCI placement engine (the optimizing policy); everything else (implicit devices, drive,
    /// USB and virtio-serial addresses) follows libvirt. A null engine gives the libvirt policy.
    /// </summary>
    public static PlanResult Plan(PlanRequest request, IPciPlacementEngine? engine, DeviceCatalog? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        catalog ??= DeviceCatalog.Default;
        try
        {
            RequestChecks.Check(request, catalog);
            var host = Host.HostTopologies.Prepare(ref request);
            var machine = catalog.FindMachine(request.Machine.Arch, request.Machine.Type)
                ?? throw PlanningException.Create(ErrorCodes.UnknownModel,
                    $"unknown machine type '{request.Machine.Type}' for architecture '{request.Machine.Arch}' ({KnownMachines(catalog, request.Machine.Arch)})",
                    rule: "known-machine");
            var version = PolicyVersions.Resolve(request.Policy);
            var libvirt = PolicyVersions.ResolveLibvirt(request.Policy, catalog);
            if (engine is null && request.Policy.Name != PolicySpec.Libvirt)
                throw PlanningException.Create(ErrorCodes.InvalidInput,
                    $"policy '{request.Policy.Name}' needs the optimizing planner (DevAddr.Solver); this entry point knows only '{PolicySpec.Libvirt}'", rule: "known-policy");
            if (request.Prior is null)
                return new PlanResult.Success(Checked(new LibvirtPolicy(catalog, machine, request, version, libvirt, engine, host: host).Run(), catalog));

            // A prior layout: its addresses are kept; report what a plan from scratch would do differently.
            var merged = PriorMerge.Merge(request);
            var plan = new LibvirtPolicy(catalog, machine, merged.Request, version, libvirt, engine, merged.Movable, request.Prior.MoveWeight, host).Run();
            Plan? fresh = null;
            try
            {
                fresh = new LibvirtPolicy(catalog, machine, request with { Prior = null }, version, libvirt, engine, host: host).Run();
            }
            catch (PlanningException)
            {
                // Without the layout the request may not be plannable (e.g. it relies on the layout's controllers).
            }
            long? gain = plan.Solver is { } now && fresh?.Solver is { } free ? Math.Max(0, now.Objective - free.Objective) : null;
            return new PlanResult.Success(Checked(plan with { Stability = PriorMerge.Report(request, plan, merged.Removed, fresh, gain) }, catalog));
        }
        catch (PlanningException ex)
        {
            return new PlanResult.Failure(ex.Error);
        }
    }

    /// <summary>The machine types of an architecture, or of every architecture when it has none, for an error message.</summary>
    private static string KnownMachines(DeviceCatalog catalog, string arch)
    {
        var forArch = catalog.Machines.Where(m => m.Arches.Contains(arch, StringComparer.Ordinal)).Select(m => m.Name).Distinct().ToList();
        return forArch.Count > 0
            ? $"known for {arch}: {string.Join(", ", forArch)}"
            : $"known: {string.Join(", ", catalog.Machines.Select(m => $"{m.Name} ({string.Join("/", m.Arches)})"))}";
    }

    /// <summary>
    /// Every plan passes the independent validator before it is returned: an error finding refuses the request
    /// (<see cref="ErrorCodes.UnusableLayout"/>, naming the rule and the device), warnings (budget overruns the guest
    /// runs with) are attached to the plan.
    /// </summary>
    private static Plan Checked(Plan plan, DeviceCatalog catalog)
    {
        var findings = PlanValidator.For(catalog).Validate(plan);
        if (findings.Count == 0) return plan;
        var errors = findings.Where(ValidationRules.IsError).ToList();
        if (errors.Count > 0)
        {
            var first = errors[0];
            throw PlanningException.Create(ErrorCodes.UnusableLayout,
                $"the layout is not usable (libvirt would define it; QEMU or the guest firmware cannot use it): {first.Rule}: {first.Message}" +
                (errors.Count > 1 ? $" (and {errors.Count - 1} more: {string.Join(", ", errors.Skip(1).Select(e => e.Rule).Distinct())})" : ""),
                first.DeviceId, first.Rule);
        }
        var warnings = findings.Where(f => !ValidationRules.IsError(f)).ToList();
        return warnings.Count == 0 ? plan : plan with { Warnings = warnings };
    }

    /// <summary>
    /// Checks a plan against every addressing invariant; returns all findings (empty when valid). Findings of
    /// severity <c>warning</c> (<see cref="ValidationRules.WarningRules"/>) do not make the plan invalid.
    /// </summary>
    public static IReadOnlyList<PlanError> Validate(Plan plan, DeviceCatalog? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return PlanValidator.For(catalog ?? DeviceCatalog.Default).Validate(plan);
    }

    /// <summary>
    /// Checks whether <paramref name="devices"/> can be hot-plugged, in order, into the running guest whose layout is
    /// <paramref name="layout"/> (libvirt's live attach: no PCI controller is added; then QEMU's and the firmware's limits).
    /// </summary>
    public static Hotplug.HotplugCheckResult HotplugCheck(Plan layout, IReadOnlyList<Device> devices, Hotplug.HotplugOptions? options = null, DeviceCatalog? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(devices);
        return Hotplug.HotplugChecker.Run(layout, devices, options, catalog ?? DeviceCatalog.Default);
    }

    /// <summary>Checks whether the devices with <paramref name="deviceIds"/> can be hot-unplugged, in order; returns the layout without them.</summary>
    public static Hotplug.UnplugCheckResult UnplugCheck(Plan layout, IReadOnlyList<string> deviceIds, Hotplug.HotplugOptions? options = null, DeviceCatalog? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(deviceIds);
        return Hotplug.UnplugChecker.Run(layout, deviceIds, options, catalog ?? DeviceCatalog.Default);
    }

    /// <summary>Where each passed-through host device (a device with a host address) appears in the guest.</summary>
    public static Hotplug.HostMappingResult HostMapping(Plan plan, DeviceCatalog? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var (rows, error) = Hotplug.HostMapper.Map(plan, catalog ?? DeviceCatalog.Default);
        return error is null ? new Hotplug.HostMappingResult.Mapped(rows!) : new Hotplug.HostMappingResult.Failure(error);
    }
}
