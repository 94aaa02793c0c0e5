using System.Globalization;
using DevAddr.Core.Host;
using DevAddr.Core.Model;
using DevAddr.Core.Topology;

namespace DevAddr.Solver;

/// <summary>A guest PCI Express switch the model may add: its units, and the host switch or peer-to-peer groups it stands for.</summary>
internal sealed class GuestSwitch(int index)
{
    public int Index { get; } = index;
    public List<PlacementUnit> Units { get; } = [];
    /// <summary>The host switch (topmost upstream port) it mirrors, when mirroring one.</summary>
    public string? HostSwitch { get; set; }
    public SortedSet<string> P2pGroups { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// What the passed-through devices of a request ask of the model: the expander group each should sit in (its host NUMA
/// node's guest cell, or its own host root complex), the guest switches (host switches under <c>mirror: switch</c> and
/// peer-to-peer groups, merged where they share a device), the 64-bit window settings. Null for requests that use none
/// of it, so they are modelled exactly as before.
/// </summary>
internal sealed class Passthrough
{
    /// <summary>Group ids of host root complexes' expander buses start here (NUMA groups are node numbers, 0-256).</summary>
    public const int RootComplexGroupBase = 1000;

    private const long MiB = 1L << 20;

    private readonly Dictionary<int, (string RootComplex, int? Cell, int? HostNode)> _rootComplexGroups = [];
    private readonly Dictionary<int, int> _target = [];
    private readonly Dictionary<int, string> _targetText = [];
    private readonly Dictionary<int, GuestSwitch> _switchOf = [];

    private Passthrough(PciProblem problem) => Problem = problem;

    public PciProblem Problem { get; }
    /// <summary>The mirror tunable (null: no mirroring; devices still get host-sized windows).</summary>
    public Tunable<string>? Mirror { get; private set; }
    public string Mode => Mirror?.Value ?? "none";
    public HostTopologyIndex? Host => Problem.HostTopology;
    public List<GuestSwitch> Switches { get; } = [];
    /// <summary>The 64-bit hole: null (QEMU's default), -1 (sized from the plan) or a size in bytes.</summary>
    public long? PciHole64 { get; private set; }
    /// <summary>The 64-bit budget (bytes).</summary>
    public long Mmio64Budget { get; private set; }
    /// <summary>Guest cells of host nodes, with the host nodes each stands for.</summary>
    public SortedDictionary<int, SortedSet<int>> CellHostNodes { get; } = [];
    /// <summary>Constant penalties for host IOMMU groups not passed through whole (prefer mode): device, message.</summary>
    public List<(string DeviceId, string Message)> PartialGroups { get; } = [];

    /// <summary>The passthrough setup of a problem, or null when the request uses none of it.</summary>
    public static Passthrough? Create(PciProblem problem, IReadOnlyList<PlacementUnit> units, out PlanError? error)
    {
        error = null;
        var t = problem.Policy.Tunables;
        bool used = problem.HostTopology is not null || t?.Mirror is not null || t?.Windows is not null || t?.WholeIommuGroups is not null
                    || t?.HostNumaMap is not null || units.Any(u => u.P2pGroup is not null);
        if (!used) return null;
        var p = new Passthrough(problem);
        error = p.Setup(units);
        return error is null ? p : null;
    }

    public bool IsRootComplexGroup(int g) => g >= RootComplexGroupBase;

    /// <summary>The guest NUMA cell of a group (-1 for the main hierarchy or a root complex without a node).</summary>
    public int CellOf(int g) => g < RootComplexGroupBase ? g : _rootComplexGroups[g].Cell ?? PlacementClass.Main;

    public IEnumerable<int> RootComplexGroups => _rootComplexGroups.Keys.Order();

    public (string RootComplex, int? Cell, int? HostNode) RootComplexOf(int g) => _rootComplexGroups[g];

    /// <summary>The expander group a unit should sit in (null: none, the main hierarchy), and the requirement in words.</summary>
    public (int Group, string Text)? TargetOf(PlacementUnit u) =>
        _target.TryGetValue(u.Index, out int g) ? (g, _targetText[u.Index]) : null;

    public GuestSwitch? SwitchOf(PlacementUnit u) => _switchOf.GetValueOrDefault(u.Index);

    /// <summary>The extra padding the firmware adds when it puts a switch's windows under one upstream port (64-bit).</summary>
    public static long SwitchPadding64(GuestSwitch w) =>
        PlacementUnit.AlignUp(w.Units.Sum(u => u.Window64), w.Units.Select(u => u.Alignment64).DefaultIfEmpty(0).Max()) - w.Units.Sum(u => u.Window64);

    /// <summary>The same for the 32-bit windows (1 MiB granules).</summary>
    public static long SwitchPadding32(GuestSwitch w) =>
        PlacementUnit.AlignUp(w.Units.Sum(u => u.Window32), w.Units.Select(u => u.Window32 == 0 ? 0 : MiB).DefaultIfEmpty(0).Max()) - w.Units.Sum(u => u.Window32);

    private PlanError? Setup(IReadOnlyList<PlacementUnit> units)
    {
        var t = Problem.Policy.Tunables;
        Mirror = t?.Mirror;
        if (Mirror is { } m)
        {
            if (m.Value is not ("numa" or "root-complex" or "switch"))
                return Invalid($"tunables.mirror: '{m.Value}' is not one of numa, root-complex, switch", "mirror", null);
            if (Host is null)
                return Invalid("tunables.mirror needs the host topology (hostTopology or hostTopologyFile; devaddr host scan writes one)", "mirror", null);
        }
        if (t?.WholeIommuGroups is not null && Host is null)
            return Invalid("tunables.wholeIommuGroups needs the host topology (hostTopology or hostTopologyFile)", "whole-iommu-groups", null);
        var map = new Dictionary<int, int>();
        foreach (var (key, cell) in t?.HostNumaMap ?? new Dictionary<string, int>())
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out int node))
                return Invalid($"tunables.hostNumaMap: key '{key}' is not a host NUMA node number", "host-numa-map", null);
            if (cell < 0 || cell >= Problem.NumaNodes)
                return Invalid($"tunables.hostNumaMap.{key}: guest cell {cell} is not one of the guest's {Problem.NumaNodes} NUMA cells", "host-numa-map", null);
            map[node] = cell;
        }
        if (SetupWindows(units) is { } windowError) return windowError;
        if (t?.WholeIommuGroups is { } whole && CheckWholeGroups(units, whole) is { } groupError) return groupError;

        bool anySwitch = Mirror?.Value == "switch" || units.Any(u => u.P2pGroup is not null);
        if (anySwitch && !Problem.Machine.IsPcie)
        {
            var who = units.FirstOrDefault(u => u.P2pGroup is not null);
            return Invalid($"{(who is null ? "tunables.mirror 'switch'" : $"device '{who.Id}': p2pGroup")} needs PCI Express switches; machine type {Problem.Machine.Name} has none",
                "p2p-group", who?.Id);
        }

        // Expander groups: the guest cell of each passed-through unit's host node, or its host root complex.
        if (Mirror is not null && Host is { } host)
        {
            var rootComplexes = new SortedDictionary<string, int>(StringComparer.Ordinal);
            foreach (var u in units.Where(u => u.Host is not null && u.NumaNode is null))
            {
                int? hostNode = host.NodeOf(u.Host!);
                int? cell = null;
                if (hostNode is int hn)
                {
                    cell = map.TryGetValue(hn, out int c) ? c : hn;
                    if (cell >= Problem.NumaNodes)
                        return Invalid($"device '{u.Id}': its host NUMA node {hn} has no guest cell (the guest has {Problem.NumaNodes}): raise numaNodes or map the node in tunables.hostNumaMap",
                            "numa-node-exists", u.Id);
                    if (!CellHostNodes.TryGetValue(cell.Value, out var set)) CellHostNodes[cell.Value] = set = [];
                    set.Add(hn);
                }
                if (Mirror.Value == "numa")
                {
                    if (cell is int numaCell)
                    {
                        _target[u.Index] = numaCell;
                        _targetText[u.Index] = $"on the expander bus of guest NUMA cell {numaCell} (host node {hostNode})";
                    }
                    continue;
                }
                string rc = u.Host!.RootComplex;
                if (!rootComplexes.TryGetValue(rc, out int g))
                {
                    g = RootComplexGroupBase + rootComplexes.Count;
                    rootComplexes[rc] = g;
                    _rootComplexGroups[g] = (rc, cell, hostNode);
                }
                _target[u.Index] = g;
                _targetText[u.Index] = $"on the expander bus of host root complex {rc}";
            }
            // Group ids follow the root complexes' names, whatever the device order.
            if (rootComplexes.Count > 0) RenumberRootComplexGroups(rootComplexes);
        }

        return anySwitch ? SetupSwitches(units) : null;
    }

    private void RenumberRootComplexGroups(SortedDictionary<string, int> rootComplexes)
    {
        var old = _rootComplexGroups.ToDictionary(kv => kv.Key, kv => kv.Value);
        var renumber = new Dictionary<int, int>();
        int next = RootComplexGroupBase;
        foreach (var (_, g) in rootComplexes) renumber[g] = next++;
        _rootComplexGroups.Clear();
        foreach (var (g, v) in old) _rootComplexGroups[renumber[g]] = v;
        foreach (var key in _target.Keys.ToList())
            if (renumber.TryGetValue(_target[key], out int n)) _target[key] = n;
    }

    /// <summary>Guest switches: units under one host switch (mirror: switch) and units of one p2p group, merged where they overlap.</summary>
    private PlanError? SetupSwitches(IReadOnlyList<PlacementUnit> units)
    {
        var parent = units.ToDictionary(u => u.Index, u => u.Index);
        int Find(int x) { while (parent[x] != x) x = parent[x] = parent[parent[x]]; return x; }
        void Union(int a, int b) { a = Find(a); b = Find(b); if (a != b) parent[Math.Max(a, b)] = Math.Min(a, b); }
        var hostSwitch = new Dictionary<int, string>();
        var keys = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var u in units)
        {
            var keysOfUnit = new List<string>();
            if (Mirror?.Value == "switch" && u.Host is not null && u.NumaNode is null && Host!.SwitchOf(u.Host) is string hs)
            {
                keysOfUnit.Add("host:" + hs);
                hostSwitch[u.Index] = hs;
            }
            if (u.P2pGroup is { } pg)
            {
                if (string.IsNullOrWhiteSpace(pg.Value))
                    return Invalid($"device '{u.Id}': p2pGroup must be a non-empty name", "p2p-group", u.Id);
                keysOfUnit.Add("p2p:" + pg.Value);
            }
            foreach (string k in keysOfUnit)
            {
                if (keys.TryGetValue(k, out int other)) Union(other, u.Index);
                else keys[k] = u.Index;
            }
        }
        var members = units.Where(u => hostSwitch.ContainsKey(u.Index) || u.P2pGroup is not null)
            .GroupBy(u => Find(u.Index)).OrderBy(g => g.Key);
        foreach (var group in members)
        {
            var w = new GuestSwitch(Switches.Count);
            foreach (var u in group)
            {
                w.Units.Add(u);
                _switchOf[u.Index] = w;
                if (hostSwitch.TryGetValue(u.Index, out var hs)) w.HostSwitch ??= hs;
                if (u.P2pGroup is { } pg) w.P2pGroups.Add(pg.Value);
            }
            if (w.Units.Count > 32)
                return Invalid($"{Describe(w)} would hold {w.Units.Count} devices; a guest switch has at most 32 downstream ports", "p2p-group", w.Units[32].Id);
            Switches.Add(w);
        }
        return null;
    }

    /// <summary>A guest switch in words.</summary>
    public static string Describe(GuestSwitch w) =>
        w.P2pGroups.Count > 0
            ? $"the guest switch of p2p group{(w.P2pGroups.Count > 1 ? "s" : "")} {string.Join(", ", w.P2pGroups.Select(g => $"'{g}'"))}"
            : $"the guest switch mirroring host switch {w.HostSwitch}";

    private PlanError? SetupWindows(IReadOnlyList<PlacementUnit> units)
    {
        var w = Problem.Policy.Tunables?.Windows;
        int physBits = w?.PhysBits ?? 46;
        if (physBits is < 36 or > 52)
            return Invalid($"tunables.windows.physBits: {physBits} is not 36-52", "windows", null);
        long? explicitBudget = Problem.Policy.Tunables?.Budgets?.Mmio64Bytes;
        string hole = w?.PciHole64 ?? (Host is null || !Problem.Machine.PciHole64 ? "none" : "auto");
        if (hole != "none" && !Problem.Machine.PciHole64)
            return Invalid($"tunables.windows.pciHole64: machine type {Problem.Machine.Name} has no 64-bit PCI hole setting (libvirt's <pcihole64> is for pc and q35)", "windows", null);
        switch (hole)
        {
            case "auto":
                PciHole64 = -1;
                Mmio64Budget = explicitBudget ?? (1L << (physBits - 1));
                break;
            case "none":
                PciHole64 = null;
                Mmio64Budget = explicitBudget ?? (32L << 30);
                break;
            default:
                if (!PlacementUnit.TryParseSize(hole, out long size))
                    return Invalid($"tunables.windows.pciHole64: '{hole}' is not auto, none or a size such as 2T", "windows", null);
                PciHole64 = size;
                Mmio64Budget = Math.Min(size, explicitBudget ?? long.MaxValue);
                break;
        }
        if (w?.SparePref64 is string spare and not "host" && !PlacementUnit.TryParseSize(spare, out _))
            return Invalid($"tunables.windows.sparePref64: '{spare}' is not host or a size such as 64G", "windows", null);
        return null;
    }

    /// <summary>The pref64-reserve the spare ports get from <c>windows.sparePref64</c> (null: not set).</summary>
    public long? SparePref64(IReadOnlyList<PlacementUnit> units) => Problem.Policy.Tunables?.Windows?.SparePref64 switch
    {
        null => null,
        "host" => units.Where(u => u.Host is not null).Select(u => u.Window64).DefaultIfEmpty(0).Max() is long max and > 0 ? max : null,
        string size => PlacementUnit.ParseSize(size),
    };

    private PlanError? CheckWholeGroups(IReadOnlyList<PlacementUnit> units, Tunable<bool> whole)
    {
        if (!whole.Value) return null;
        var passed = units.SelectMany(u => u.Items).Where(i => i.Host is not null)
            .Select(i => HostTopologyIndex.Normalize(i.Host!.Address)!).ToHashSet(StringComparer.Ordinal);
        var seen = new HashSet<int>();
        foreach (var item in units.SelectMany(u => u.Items).Where(i => i.Host is { IommuGroup: not null }))
        {
            int group = item.Host!.IommuGroup!.Value;
            if (!seen.Add(group)) continue;
            var missing = Host!.GroupMembers(group).Select(f => HostTopologyIndex.Normalize(f.Address)!).Where(a => !passed.Contains(a)).ToList();
            if (missing.Count == 0) continue;
            string message = $"device '{item.Device.Id}' (host {HostTopologyIndex.Normalize(item.Host.Address)}): IOMMU group {group} also holds {string.Join(", ", missing)}, which the request does not pass through (VFIO hands a guest whole IOMMU groups)";
            if (whole.IsRequired) return Invalid(message, "whole-iommu-groups", item.Device.Id);
            PartialGroups.Add((item.Device.Id, message));
        }
        return null;
    }

    private static PlanError Invalid(string message, string rule, string? deviceId) =>
        new() { Code = ErrorCodes.InvalidInput, Message = message, Rule = rule, DeviceId = deviceId };
}
