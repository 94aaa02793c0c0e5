using System.Globalization;
using DevAddr.Core.Catalog;
using DevAddr.Core.Model;

namespace DevAddr.Core.Validation;

/// <summary>
/// Checks a plan against the addressing invariants, independently of the code that produced it: it reads
/// only the plan and the catalog (never the policy or the topology code). Reports every violation, sorted by
/// rule, then device, then message. The rules are listed in <see cref="ValidationRules"/>.
/// </summary>
/// <remarks>
/// Placement is checked the way libvirt checks addresses given in a definition: an endpoint fits any bus that
/// accepts PCI or PCI Express endpoints, a pci-bridge fits where a conventional PCI device fits, and the
/// auto-assign and hotplug preferences of automatic placement do not apply. The validator never throws for a
/// plan whose fields are in the ranges the model allows; an instance checks one plan at a time.
/// </remarks>
internal sealed partial class PlanValidator
{
    private readonly DeviceCatalog catalog;

    private PlanValidator(DeviceCatalog catalog) => this.catalog = catalog;

    /// <summary>The validator this thread used last: its collections keep their capacity from plan to plan.</summary>
    [ThreadStatic]
    private static PlanValidator? t_last;

    /// <summary>A validator for <paramref name="catalog"/>, reused on this thread (an instance checks one plan at a time).</summary>
    public static PlanValidator For(DeviceCatalog catalog)
    {
        var last = t_last;
        if (last is not null && ReferenceEquals(last.catalog, catalog) && !last._busy) return last;
        return t_last = new PlanValidator(catalog);
    }

    private bool _busy;
    private readonly List<PlanError> _errors = [];
    private MachineType _machine = null!;
    private readonly List<Device> _devices = [];
    /// <summary>The device rule of each device of <see cref="_devices"/>, at the same position.</summary>
    private readonly List<DeviceModelRule?> _rules = [];
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);

    /// <summary>PCI controllers by index (the first one of each index).</summary>
    private readonly Dictionary<int, PciBus> _buses = [];

    private readonly record struct PciBus(Device Device, PciControllerModel Model, int Index);

    private void Fail(string rule, Device? d, string message) =>
        _errors.Add(new PlanError
        {
            Code = ValidationRules.ErrorCode, Rule = rule, DeviceId = d?.Id, Message = message,
            Severity = ValidationRules.WarningRules.Contains(rule) ? ValidationRules.Warning : null,
        });

    public IReadOnlyList<PlanError> Validate(Plan plan)
    {
        _busy = true;
        try
        {
            return Run(plan);
        }
        finally
        {
            // Nothing of this plan is held on to once it is checked.
            _errors.Clear();
            _devices.Clear();
            _rules.Clear();
            _ids.Clear();
            _buses.Clear();
            _controllers.Clear();
            _controllersFound = false;
            _onBus.Clear();
            _drives.Clear();
            _byBus.Clear();
            _visiting.Clear();
            _machine = null!;
            _busy = false;
        }
    }

    private IReadOnlyList<PlanError> Run(Plan plan)
    {
        var all = plan.Devices ?? [];
        for (int i = 0; i < all.Count; i++)
        {
            var d = all[i];
            if (d is null)
            {
                Fail("device-given", null, Inv($"devices[{i}] is empty"));
                continue;
            }
            _devices.Add(d);
            _rules.Add(Rule(d));
            if (string.IsNullOrEmpty(d.Id)) Fail("device-id", d, Inv($"devices[{i}] has no id"));
            else if (!_ids.Add(d.Id)) Fail("device-id-unique", d, Inv($"duplicate device id '{d.Id}'"));
        }

        var machine = plan.Machine is { Arch: not null, Type: not null } m ? catalog.FindMachine(m.Arch, m.Type) : null;
        if (machine is null)
        {
            Fail("known-machine", null, Inv($"unknown machine type '{plan.Machine?.Type}' for architecture '{plan.Machine?.Arch}'"));
            return Sorted();
        }
        _machine = machine;

        CheckControllerOptions();
        CheckPciControllers();
        CheckPciAddresses();
        CheckBusNumbers();
        CheckBudgets();
        CheckDrives();
        CheckUsb();
        CheckVirtioSerial();
        CheckCcidAndDimm();
        CheckSpaprVio();
        CheckCcw();
        CheckZpci();
        CheckTargetIndexes();
        CheckAddressPresence();
        return Sorted();
    }

    private IReadOnlyList<PlanError> Sorted() =>
        _errors.Count == 0 ? [] : _errors.OrderBy(e => e.Rule, StringComparer.Ordinal)
            .ThenBy(e => e.DeviceId, StringComparer.Ordinal)
            .ThenBy(e => e.Message, StringComparer.Ordinal)
            .ToList();

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private DeviceModelRule? Rule(Device d) => catalog.Resolve(d.Kind ?? "", d.Type, d.Bus, d.Model);

    private static bool IsController(Device d, string type) => d.Kind == "controller" && d.Type == type;

    private static bool IsPciController(Device d) => IsController(d, "pci");

    /// <summary>The first controller of a type with an index, or null.</summary>
    private Device? FindController(string type, int index)
    {
        if (!_controllersFound)
        {
            _controllersFound = true;
            foreach (var c in _devices)
                if (c.Kind == "controller" && c.Type is not null) _controllers.TryAdd((c.Type, c.Index ?? 0), c);
        }
        return _controllers.GetValueOrDefault((type, index));
    }

    /// <summary>The first controller of each type and index, built on first use per plan.</summary>
    private readonly Dictionary<(string Type, int Index), Device> _controllers = [];
    private bool _controllersFound;

    /// <summary>Options of every controller: index range, chassis, port, NUMA node, hotplug.</summary>
    private void CheckControllerOptions()
    {
        foreach (var d in _devices)
        {
            if (d.Kind == "controller" && (d.Index < 0 || (IsPciController(d) && d.Index > 255)))
                Fail("controller-index-range", d, Inv($"{d.Id}: controller index {d.Index} is outside {(IsPciController(d) ? "0-255 (PCI bus numbers)" : "0 and up")}"));
            var o = d.Controller;
            if (o is null) continue;
            if (o.ChassisNr is int nr && nr is < 1 or > 255)
                Fail("controller-option-range", d, Inv($"{d.Id}: chassisNr {nr} is outside 1-255"));
            if (o.Chassis is int ch && ch is < 0 or > 255)
                Fail("controller-option-range", d, Inv($"{d.Id}: chassis {ch} is outside 0-255"));
            if (o.Port is int port && port is < 0 or > 255)
                Fail("controller-option-range", d, Inv($"{d.Id}: port {port} is outside 0-255"));
            if (o.NumaNode is int node && node < 0)
                Fail("controller-option-range", d, Inv($"{d.Id}: NUMA node {node} is negative"));
            if (o.Reserve is { } reserve)
            {
                string? qemuModel = o.ModelName ?? (IsPciController(d) && d.Model is not null ? catalog.FindPciController(d.Model)?.QemuModel : null);
                if (!IsPciController(d) || qemuModel is not ("pcie-root-port" or "pci-bridge"))
                    Fail("port-reserve", d, Inv($"{d.Id}: a resource reserve is set, but only QEMU's pcie-root-port and pci-bridge take one ({d.Model ?? d.Kind} is {qemuModel ?? "neither"})"));
                else if (reserve.Problem() is { } problem)
                    Fail("port-reserve", d, Inv($"{d.Id}: {problem}"));
            }
            if (o.PciHole64 is long hole && (!IsPciController(d) || d.Index != 0 || !_machine.PciHole64 || hole < 0 || hole % 1024 != 0))
                Fail("pci-hole64", d, Inv($"{d.Id}: a 64-bit PCI hole of {hole} bytes is set, but only PCI controller 0 of machine type pc or q35 takes one, in whole KiB"));
            if (o.Hotplug is bool hotplug)
            {
                var model = IsPciController(d) && d.Model is not null ? catalog.FindPciController(d.Model) : null;
                if (model is not { HotplugOption: true })
                    Fail("hotplug-flag", d, Inv($"{d.Id}: hotplug='{(hotplug ? "on" : "off")}' is set, but {d.Model ?? d.Kind} takes no hotplug option"));
            }
        }
    }

    /// <summary>Parses a catalog size; 0 when absent or malformed (the catalog loader rejects malformed sizes).</summary>
    private static long Size(string? text) => ByteSize.TryParse(text, out long n) ? n : 0;
}
