using System.Globalization;
using DevAddr.Core.Model;
using DevAddr.Core.Topology;
using Google.OrTools.Sat;

namespace DevAddr.Solver;

/// <summary>Builds the CP-SAT placement model: variables, hard constraints, soft penalties, objective.</summary>
internal sealed class PlacementModelBuilder(PciProblem problem, TopologyFacts topo, IReadOnlyList<PlacementUnit> units, Passthrough? pass = null)
{
    private const long MiB = 1L << 20;
    private const int PortsPerSlot = 8;
    private const int BridgeSlots = 31;
    private const int StyleWeight = 3;
    private readonly BuiltModel _m = new();
    private CpModel Model => _m.Model;
    private Tunables? Global => problem.Policy.Tunables;

    private BoolVar Requirement(string description, string? deviceId = null)
    {
        var existing = _m.Requirements.FirstOrDefault(r => r.Description == description && r.DeviceId == deviceId);
        if (existing is not null) return existing.Literal;
        var lit = Model.NewBoolVar("req:" + description + ":" + deviceId);
        _m.Requirements.Add(new Requirement(lit, description, deviceId));
        return lit;
    }

    private void Penalize(string tunable, ILiteral when, long weight, string? deviceId, string message)
    {
        var amount = Model.NewIntVar(0, 1, $"pen:{tunable}:{deviceId}");
        Model.Add(amount == 1).OnlyEnforceIf(when);
        Model.Add(amount == 0).OnlyEnforceIf(when.Not());
        _m.Penalties.Add(new Penalty(tunable, amount, weight, deviceId, message, Reported: true));
    }

    public BuiltModel Build()
    {
        var groups = new SortedSet<int> { PlacementClass.Main };
        foreach (var u in units)
            if (u.NumaNode is { } n) groups.Add(n.Value);
        foreach (var n in topo.Expanders.Keys) groups.Add(n);
        foreach (var u in units)
            if (pass?.TargetOf(u) is { } target) groups.Add(target.Group);
        foreach (var key in Global?.HotplugReservePerNode?.Keys ?? [])
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out int n))
                return Fail($"hotplugReservePerNode key '{key}' is not a NUMA node number", "numa-node", null);
            groups.Add(n);
        }
        foreach (int n in groups.Where(g => g != PlacementClass.Main))
        {
            if (n < Passthrough.RootComplexGroupBase && n >= problem.NumaNodes)
                return Fail($"NUMA node {n} is not one of the guest's {problem.NumaNodes} NUMA nodes", "numa-node-exists",
                    units.FirstOrDefault(u => u.NumaNode?.Value == n)?.Id);
            if (problem.Machine.ExpanderBus is null)
            {
                var asker = units.FirstOrDefault(u => u.NumaNode?.Value == n);
                string who = asker is not null ? $"device '{asker.Id}': tunables.numaNode {n}"
                    : Global?.HotplugReservePerNode?.ContainsKey(n.ToString(CultureInfo.InvariantCulture)) == true ? $"tunables.hotplugReservePerNode.{n}"
                    : "tunables.mirror";
                var able = problem.Catalog.Machines.Where(m => m.ExpanderBus is not null)
                    .Select(m => $"{m.Name} ({string.Join("/", m.Arches)})").Distinct().ToList();
                return Fail($"{who}: machine type {problem.Machine.Name} ({string.Join("/", problem.Machine.Arches)}) has no bus that carries a NUMA node " +
                    $"(no expander bus, no second host bridge), so devices cannot be placed by node; machine types that can: {string.Join(", ", able)}",
                    "numa-expander", asker?.Id);
            }
        }
        _m.Groups.AddRange(groups);

        if (Global?.Packing is { } packing && packing is not ("one-per-bus" or "distinct-slots"))
            return Fail($"packing must be 'one-per-bus' or 'distinct-slots', got '{packing}'", "packing", null);
        if (Global?.SparePortReserve is { } spare && !CheckReserve(spare, "sparePortReserve", null)) return _m;
        foreach (var u in units)
            if (u.PortReserve is { } r && !CheckReserve(r, "portReserve", u.Id)) return _m;
        foreach (var u in units)
            if (!AddUnit(u)) return _m;
        AddSwitches();
        AddCapacity();
        AddBudgets();
        AddReserve();
        BuildObjective();
        return _m;
    }

    /// <summary>A root-port reserve must be one QEMU accepts, on a machine with PCI Express root ports.</summary>
    private bool CheckReserve(PortReserve r, string tunable, string? deviceId)
    {
        string who = deviceId is null ? tunable : $"device '{deviceId}': {tunable}";
        if (r.Problem() is { } problemText)
        {
            Fail($"{who}: {problemText}", "port-reserve", deviceId);
            return false;
        }
        // The global spare-port reserve applies to the root ports the plan adds: none on pci-root machines.
        if (!topo.IsPcie && deviceId is not null)
        {
            Fail($"{who}: machine type {problem.Machine.Name} has no PCI Express root ports to carry a reserve", "port-reserve", deviceId);
            return false;
        }
        return true;
    }

    private BuiltModel Fail(string message, string rule, string? deviceId)
    {
        _m.Error = new PlanError { Code = ErrorCodes.InvalidInput, Message = message, Rule = rule, DeviceId = deviceId };
        return _m;
    }

    /// <summary>Classes a unit may take at all (machine and device capability), before tunables.</summary>
    private IEnumerable<PlacementClass> StructuralClasses(PlacementUnit u)
    {
        var wantsPcie = u.BusKind is { Value: "pcie" };
        var guestSwitch = pass?.SwitchOf(u);
        foreach (int g in GroupsFor(u))
        {
            if (topo.IsPcie)
            {
                if (u.IntegratedOnly)
                {
                    if (g == PlacementClass.Main) yield return new(Attach.Integrated, g);
                    continue;
                }
                bool portOk = u.PcieCapable || wantsPcie;
                if (portOk)
                {
                    yield return new(Attach.RootPort, g);
                    yield return new(Attach.RootPortOff, g);
                    if (g == PlacementClass.Main) yield return new(Attach.Integrated, g);
                }
                yield return new(Attach.Bridge, g);
                if (portOk && guestSwitch is not null) yield return new(Attach.SwitchPort, g, guestSwitch.Index);
            }
            else
            {
                if (u.IntegratedOnly)
                {
                    if (g == PlacementClass.Main) yield return new(Attach.Root, g);
                    continue;
                }
                if (g == PlacementClass.Main)
                {
                    yield return new(Attach.Root, g);
                    yield return new(Attach.Bridge, g);
                }
                else
                {
                    yield return new(Attach.Expander, g);
                }
            }
        }
    }

    /// <summary>
    /// The groups a unit may be placed in: every group, as always, unless the request mirrors a host topology; then a
    /// passed-through device may take its own expander group or the main hierarchy, a device in a guest switch any
    /// group (it follows its switch, which may stand where another of its devices wants to be), every other device the
    /// main hierarchy (or, with its own NUMA node, every group).
    /// </summary>
    private IEnumerable<int> GroupsFor(PlacementUnit u)
    {
        if (pass is null || u.NumaNode is not null || pass.SwitchOf(u) is not null) return _m.Groups;
        return pass.TargetOf(u) is { } target ? [PlacementClass.Main, target.Group] : [PlacementClass.Main];
    }

    /// <summary>The class of an existing place (for devices that may stay where they are).</summary>
    private PlacementClass? ClassOfPlace(PciAddress a)
    {
        var bus = problem.Buses.FirstOrDefault(b => b.Index == a.Bus);
        if (bus is null) return null;
        int node = bus.NumaNode ?? PlacementClass.Main;
        return bus.Model switch
        {
            "pcie-root" => new PlacementClass(Attach.Integrated, node),
            "pcie-root-port" or "pcie-switch-downstream-port" => new PlacementClass(bus.Hotplug ? Attach.RootPort : Attach.RootPortOff, node),
            _ when topo.ExpanderIsRootBus && bus.Model == problem.Machine.ExpanderBus && bus.NumaNode is not null => new PlacementClass(Attach.Expander, node),
            "pci-root" => new PlacementClass(Attach.Root, node),
            "pci-expander-bus" => new PlacementClass(Attach.Expander, node),
            _ => new PlacementClass(Attach.Bridge, node),
        };
    }

    /// <summary>The class whose properties apply: for staying, the class of the current place.</summary>
    private static PlacementClass Effective(PlacementUnit u, PlacementClass c) =>
        c.Attach == Attach.Stay && u.PriorClass is { } p ? p : c;

    private bool AddUnit(PlacementUnit u)
    {
        var classes = StructuralClasses(u).ToList();
        if (u.PriorAddress is { } prior && ClassOfPlace(prior) is { } here)
        {
            u.PriorClass = here;
            classes.Insert(0, new PlacementClass(Attach.Stay, here.Node));
        }
        if (classes.Count == 0)
        {
            _m.Error = new PlanError
            {
                Code = ErrorCodes.Unsupported, DeviceId = u.Id, Rule = "placeable",
                Message = $"device '{u.Id}' cannot be placed on machine type {problem.Machine.Name}",
            };
            return false;
        }
        var vars = new List<BoolVar>();
        foreach (var c in classes)
        {
            var v = Model.NewBoolVar($"y[{u.Id},{c}]");
            _m.Choice[(u.Index, c)] = v;
            vars.Add(v);
        }
        Model.AddExactlyOne(vars);
        if (u.PriorClass is not null)
        {
            var stay = _m.Choice[(u.Index, classes[0])];
            var moved = Model.NewIntVar(0, 1, $"moved[{u.Id}]");
            Model.Add(moved == 1 - stay);
            _m.Penalties.Add(new Penalty("moves", moved, Math.Clamp(problem.MoveWeight, 0, 1_000_000), u.Id,
                $"device '{u.Id}' moved from {u.PriorAddress}", Reported: true));
        }

        // NUMA affinity: hard or soft; devices without affinity stay on the main hierarchy.
        if (u.NumaNode is { } numa)
        {
            Restrict(u, classes, c => Effective(u, c).Node == numa.Value, numa, "numaNode",
                $"NUMA node {numa.Value}", $"wanted NUMA node {numa.Value}");
        }
        else if (pass?.TargetOf(u) is { } target)
        {
            // Mirroring the host: the expander bus of the device's host NUMA node or root complex.
            Restrict(u, classes, c => Effective(u, c).Node == target.Group, pass.Mirror!, "mirror", target.Text, "wanted " + target.Text);
        }
        else if (pass?.SwitchOf(u) is null)
        {
            foreach (var c in classes.Where(c => !Effective(u, c).IsMain)) Model.Add(_m.Choice[(u.Index, c)] == 0);
        }

        // A guest switch shared with the devices of its host switch or peer-to-peer group.
        if (pass?.SwitchOf(u) is { } inSwitch)
        {
            var t = u.P2pGroup is { } p2p && (p2p.IsRequired || pass.Mirror is not { IsRequired: true }) ? p2p : pass.Mirror!;
            string text = "under " + Passthrough.Describe(inSwitch);
            Restrict(u, classes, c => c.Attach == Attach.SwitchPort, t, u.P2pGroup is null ? "mirror" : "p2pGroup", text, "wanted " + text);
        }

        // Bus kind.
        if (u.BusKind is { } kind && kind.Value is "pcie" or "pci")
        {
            bool wantPcie = kind.Value == "pcie";
            if (wantPcie && !topo.IsPcie && kind.IsRequired)
            {
                bool own = u.Items.Any(i => i.Device.Tunables?.BusKind is not null);
                Fail($"{(own ? $"device '{u.Id}': tunables.busKind" : "tunables.busKind")} 'pcie': machine type {problem.Machine.Name} has no PCI Express buses " +
                    $"(its root bus is {problem.Machine.PciRoot}); allowed here: 'pci' or 'auto', or mode 'prefer'", "busKind", u.Id);
                return false;
            }
            Restrict(u, classes, c => Effective(u, c).IsPcie == wantPcie && (topo.IsPcie || !wantPcie), kind, "busKind",
                $"on {(wantPcie ? "PCI Express" : "conventional PCI")}", $"wanted {kind.Value}");
        }

        // Hotpluggable place.
        var hp = u.Hotpluggable;
        if (hp is not null)
        {
            Restrict(u, classes, c => Effective(u, c).Hotpluggable(topo.RootHotplug) == hp.Value, hp, "hotpluggable",
                hp.Value ? "in a hot-pluggable place" : "in a place without hotplug",
                hp.Value ? "wanted a hot-pluggable place" : "wanted a place without hotplug");
        }

        // A reserve on the device's own root port: the device sits behind a root port (one the plan adds).
        if (u.PortReserve is not null)
        {
            var lit = Requirement("behind a root port of its own with reserved resources", u.Id);
            foreach (var c in classes.Where(c => c.Attach is not (Attach.RootPort or Attach.RootPortOff or Attach.Stay)))
                Model.Add(_m.Choice[(u.Index, c)] == 0).OnlyEnforceIf(lit);
        }

        // Occupied root ports: hotplug on (default) or off.
        bool portsOff = Global?.OccupiedPortHotplug == false;
        foreach (var c in classes)
        {
            bool unwanted = c.Attach switch
            {
                Attach.Stay => false,
                Attach.RootPort => portsOff && hp?.Value != true,
                Attach.RootPortOff => !portsOff && hp?.Value != false,
                _ => false,
            };
            if (unwanted) Model.Add(_m.Choice[(u.Index, c)] == 0);
        }

        // Packing style as a mild default. one-per-bus (libvirt's): PCI Express devices behind their own root
        // port, legacy ones on bridges. distinct-slots: devices in slots of multi-slot buses (root bus, bridges).
        bool distinctSlots = Global?.Packing == "distinct-slots";
        foreach (var c in classes)
        {
            bool offStyle = distinctSlots
                ? c.Attach is Attach.RootPort or Attach.RootPortOff && hp?.Value != true
                : c.Attach == Attach.Integrated && !u.IntegratedOnly && hp?.Value != false
                  || (c.Attach == Attach.Bridge && u.PcieCapable && topo.IsPcie && u.BusKind?.Value != "pci");
            if (offStyle)
                _m.Penalties.Add(new Penalty("style", _m.Choice[(u.Index, c)], StyleWeight, u.Id, "", Reported: false));
        }

        // The default policy's choice is the solver's starting hint.
        var hint = topo.IsPcie
            ? (u.IntegratedOnly ? new PlacementClass(Attach.Integrated, PlacementClass.Main)
               : u.PcieCapable ? new PlacementClass(Attach.RootPort, PlacementClass.Main) : new PlacementClass(Attach.Bridge, PlacementClass.Main))
            : new PlacementClass(Attach.Root, PlacementClass.Main);
        if (pass?.TargetOf(u) is { } want)
            hint = pass.SwitchOf(u) is { } sw ? new PlacementClass(Attach.SwitchPort, want.Group, sw.Index) : new PlacementClass(Attach.RootPort, want.Group);
        if (u.PriorClass is not null) hint = classes[0];
        foreach (var c in classes) Model.AddHint(_m.Choice[(u.Index, c)], c == hint ? 1 : 0);
        return true;
    }

    private void Restrict<T>(PlacementUnit u, List<PlacementClass> classes, Func<PlacementClass, bool> ok, Tunable<T> t,
        string tunable, string requirement, string wanted)
    {
        var bad = classes.Where(c => !ok(c)).Select(c => _m.Choice[(u.Index, c)]).ToList();
        if (bad.Count == 0) return;
        if (t.IsRequired)
        {
            var lit = Requirement(requirement, u.Id);
            foreach (var b in bad) Model.Add(b == 0).OnlyEnforceIf(lit);
        }
        else
        {
            var miss = Model.NewBoolVar($"miss:{tunable}:{u.Id}");
            Model.AddMaxEquality(miss, bad);
            Penalize(tunable, miss, Math.Clamp(t.Weight, 1, 1_000_000), u.Id, $"device '{u.Id}': {wanted}, not met");
        }
    }

    private LinearExpr CountOf(Func<PlacementClass, bool> which, Func<PlacementUnit, long>? weight = null)
    {
        var b = LinearExpr.NewBuilder();
        foreach (var ((ui, c), v) in _m.Choice)
            if (which(c)) b.AddTerm(v, weight?.Invoke(units[ui]) ?? 1);
        return b;
    }

    /// <summary>
    /// Guest switches: one placement per switch at most (a group whose expander, or the main hierarchy, gets its root
    /// port), taken when any of its devices sits on one of its downstream ports; its devices all sit in that group.
    /// </summary>
    private void AddSwitches()
    {
        if (pass is null) return;
        foreach (var w in pass.Switches)
        {
            var placements = new List<ILiteral>();
            foreach (int g in _m.Groups)
            {
                var ys = w.Units.Select(u => _m.Choice.GetValueOrDefault((u.Index, new PlacementClass(Attach.SwitchPort, g, w.Index))))
                    .OfType<BoolVar>().ToList();
                if (ys.Count == 0) continue;
                var placed = Model.NewBoolVar($"switch[{w.Index},{g}]");
                _m.SwitchIn[(w.Index, g)] = placed;
                foreach (var y in ys) Model.AddImplication(y, placed);
                Model.Add(LinearExpr.Sum(ys) >= 1).OnlyEnforceIf(placed);
                placements.Add(placed);
            }
            Model.AddAtMostOne(placements);
        }
        foreach (var (deviceId, message) in pass.PartialGroups)
        {
            var whole = Global!.WholeIommuGroups!;
            _m.Penalties.Add(new Penalty("wholeIommuGroups", Model.NewIntVar(1, 1, $"partialGroup:{deviceId}"), Math.Clamp(whole.Weight, 1, 1_000_000),
                deviceId, message, Reported: true));
        }
    }

    /// <summary>The guest switches placed in group <paramref name="g"/> (each takes a root port there).</summary>
    private LinearExpr SwitchesIn(int g)
    {
        var b = LinearExpr.NewBuilder();
        foreach (var ((_, group), placed) in _m.SwitchIn)
            if (group == g) b.Add(placed);
        return b;
    }

    private void AddCapacity()
    {
        int n = units.Count;
        int rootFree = topo.RootFreeSlots.Count;
        var rootUse = LinearExpr.NewBuilder();
        foreach (int g in _m.Groups)
        {
            if (topo.IsPcie)
            {
                var on = Model.NewIntVar(0, n + 256, $"newPortsOn[{g}]");
                var off = Model.NewIntVar(0, n, $"newPortsOff[{g}]");
                var bridges = Model.NewIntVar(0, n, $"newBridges[{g}]");
                var reserve = Model.NewIntVar(0, 256, $"reserve[{g}]");
                _m.NewPortsOn[g] = on; _m.NewPortsOff[g] = off; _m.NewBridges[g] = bridges; _m.Reserve[g] = reserve;
                var legacy = CountOf(c => c.Node == g && c.Attach == Attach.Bridge);
                // Units that stay where they are take no new place (their place is already reserved).
                Model.Add(BridgeSlots * bridges + topo.BridgeFree(g) >= legacy);
                Model.Add(on >= CountOf(c => c.Node == g && c.Attach == Attach.RootPort) + reserve + bridges - topo.EmptyOn(g));
                Model.Add(off >= CountOf(c => c.Node == g && c.Attach == Attach.RootPortOff) - topo.EmptyOff(g));
                // Units with a port reserve take new ports; the others use existing empty ports first.
                var reservedOn = CountOf(c => c.Node == g && c.Attach == Attach.RootPort, u => u.PortReserve is null ? 0 : 1);
                Model.Add(on >= reservedOn);
                Model.Add(off >= CountOf(c => c.Node == g && c.Attach == Attach.RootPortOff, u => u.PortReserve is null ? 0 : 1));
                if (Global?.SparePortReserve is not null)
                {
                    // New ports left empty (they get the spare-port reserve): new ports minus those the
                    // reserve units take minus what bridges and other units need beyond the existing empty ports.
                    var others = CountOf(c => c.Node == g && c.Attach == Attach.RootPort, u => u.PortReserve is null ? 1 : 0);
                    var overflow = Model.NewIntVar(0, n + 256, $"portOverflow[{g}]");
                    Model.AddMaxEquality(overflow, [LinearExpr.Constant(0), others + bridges - topo.EmptyOn(g)]);
                    var spareNew = Model.NewIntVar(0, n + 256, $"spareNewPorts[{g}]");
                    Model.Add(spareNew == on - reservedOn - overflow);
                    _m.SpareNewPorts[g] = spareNew;
                }
                var portSlots = Model.NewIntVar(0, 32, $"portSlots[{g}]");
                if (_m.SwitchIn.Count == 0) Model.Add(PortsPerSlot * portSlots >= on + off);
                else Model.Add(PortsPerSlot * portSlots >= on + off + SwitchesIn(g));
                if (g == PlacementClass.Main)
                {
                    rootUse.Add(portSlots);
                    rootUse.Add(CountOf(c => c.Attach == Attach.Integrated));
                }
                else
                {
                    AddExpander(g, rootUse, portSlots, CountOf(c => c.Node == g && c.Attach != Attach.Stay) + reserve);
                }
            }
            else
            {
                var bridges = Model.NewIntVar(0, n, $"newBridges[{g}]");
                var reserve = Model.NewIntVar(0, 256, $"reserve[{g}]");
                _m.NewBridges[g] = bridges; _m.Reserve[g] = reserve;
                if (g == PlacementClass.Main)
                {
                    Model.Add(BridgeSlots * bridges + topo.BridgeFree(g) >= CountOf(c => c.IsMain && c.Attach == Attach.Bridge));
                    rootUse.Add(CountOf(c => c.Attach == Attach.Root));
                    rootUse.Add(bridges);
                    rootUse.Add(reserve);
                }
                else
                {
                    // QEMU does not hot-plug into a pci-expander-bus (libvirt lists it as hot-pluggable), so an
                    // expander's free slots are no hotplug reserve; a pseries host bridge's are.
                    if (!topo.ExpanderIsRootBus) Model.Add(reserve == 0);
                    Model.Add(bridges == 0);
                    var slots = Model.NewIntVar(0, topo.ExpanderSlotCount, $"expanderSlots[{g}]");
                    Model.Add(slots == CountOf(c => c.Node == g && c.Attach == Attach.Expander) + reserve);
                    AddExpander(g, rootUse, slots, CountOf(c => c.Node == g && c.Attach != Attach.Stay) + reserve);
                }
            }
        }
        var rootLit = Requirement($"the root bus has {rootFree} free slots");
        Model.Add(rootUse <= rootFree).OnlyEnforceIf(rootLit);
    }

    private void AddExpander(int node, LinearExprBuilder rootUse, IntVar slotsOnIt, LinearExpr users)
    {
        if (topo.Expanders.TryGetValue(node, out var existing))
        {
            Model.Add(slotsOnIt <= existing.FreeSlots.Count);
            return;
        }
        var added = Model.NewBoolVar($"newExpander[{node}]");
        _m.NewExpander[node] = added;
        Model.Add(slotsOnIt <= topo.ExpanderSlotCount * added);
        Model.Add(users <= 256 * added);
        if (!topo.ExpanderIsRootBus) rootUse.Add(added);
    }

    private void AddBudgets()
    {
        var budgets = Global?.Budgets;
        var buses = LinearExpr.NewBuilder();
        buses.Add(topo.ExistingBuses);
        foreach (int g in _m.Groups)
        {
            if (_m.NewPortsOn.TryGetValue(g, out var on)) buses.Add(on);
            if (_m.NewPortsOff.TryGetValue(g, out var off)) buses.Add(off);
            buses.Add(_m.NewBridges[g]);
            if (_m.NewExpander.TryGetValue(g, out var x) && !topo.ExpanderIsRootBus) buses.AddTerm(x, 2);
        }
        // Root-port reserves: bus numbers, I/O, 32-bit and 64-bit windows beyond what the port's devices need.
        var spare = Global?.SparePortReserve;
        long fixedBus = problem.Buses.Sum(b => (long)(b.Reserve?.Bus ?? 0));
        buses.Add(fixedBus);
        buses.Add(ReserveTerm(spare, r => r.Bus ?? 0, u => u.PortReserve?.Bus ?? 0));
        // A guest switch takes its root port and upstream port, and one downstream port per device.
        foreach (var placed in _m.SwitchIn.Values) buses.AddTerm(placed, 2);
        if (_m.SwitchIn.Count > 0) buses.Add(CountOf(c => c.Attach == Attach.SwitchPort));
        _m.Buses = buses;
        int busBudget = Math.Min(budgets?.BusNumbers ?? 256, 256);
        Model.Add(buses <= busBudget).OnlyEnforceIf(Requirement($"at most {busBudget} PCI bus numbers"));

        // I/O windows (4 KiB each): every root port holding a device with I/O BARs, and every bridge group holding one.
        // The first 4 KiB of I/O space belong to legacy ISA devices; windows come from the rest.
        long ioBudget = budgets?.IoBytes ?? (CatalogSize(problem.Machine.IoSpace) is long space ? space - 4096 : 60 * 1024);
        var io = LinearExpr.NewBuilder();
        io.Add(CountOf(c => c.Attach is Attach.RootPort or Attach.RootPortOff or Attach.SwitchPort, u => u.HasIo ? 4096 : 0));
        io.Add(ReserveTerm(spare, r => RoundUp(r.Io ?? 0, 4096), u => Math.Max(0, RoundUp(u.PortReserve?.Io ?? 0, 4096) - (u.HasIo ? 4096 : 0))));
        foreach (int g in _m.Groups)
        {
            var legacyIo = CountOf(c => c.Node == g && c.Attach is Attach.Bridge or Attach.Expander, u => u.HasIo ? 1 : 0);
            // (Units that stay keep the I/O window they have.)
            var windows = Model.NewIntVar(0, units.Count, $"ioWindows[{g}]");
            Model.Add(BridgeSlots * windows >= legacyIo);
            io.AddTerm(windows, 4096);
        }
        long fixedIo = problem.Buses.Sum(b => RoundUp(b.Reserve?.Io ?? 0, 4096));
        _m.Io = io;
        Model.Add(io <= Math.Max(0, ioBudget - fixedIo)).OnlyEnforceIf(Requirement($"I/O space of {ioBudget / 1024} KiB (4 KiB per window)"));

        // MMIO windows: BARs behind a port or bridge round up to 1 MiB windows.
        long mmio32 = budgets?.Mmio32Bytes ?? CatalogSize(problem.Machine.Mmio32Window) ?? 0x3ec00000L;
        long mmio64 = pass?.Mmio64Budget ?? budgets?.Mmio64Bytes ?? (32L << 30);
        long fixed32 = problem.Fixed.Sum(f => Bars(f, "mem32")) + problem.Buses.Sum(b => Reserve32(b.Reserve));
        long fixed64 = problem.Fixed.Sum(f => Bars(f, "mem64pref")) + problem.Buses.Sum(b => b.Reserve?.Pref64 ?? 0);
        // With a host topology, windows are counted as the firmware sizes them (each aligned to its largest BAR).
        var m32 = LinearExpr.NewBuilder().Add(CountOf(c => true, u => pass is null ? RoundUp(u.Mem32, MiB) : u.Window32));
        var m64 = LinearExpr.NewBuilder().Add(CountOf(c => true, u => pass is null ? RoundUp(u.Mem64, MiB) : u.Window64));
        if (pass is not null)
        {
            foreach (var ((w, _), placed) in _m.SwitchIn)
            {
                m32.AddTerm(placed, Passthrough.SwitchPadding32(pass.Switches[w]));
                m64.AddTerm(placed, Passthrough.SwitchPadding64(pass.Switches[w]));
            }
        }
        m32.Add(ReserveTerm(spare, Reserve32, u => Math.Max(0, Reserve32(u.PortReserve) - RoundUp(u.Mem32, MiB))));
        m64.Add(ReserveTerm(spare, r => r.Pref64 ?? 0, u => Math.Max(0, (u.PortReserve?.Pref64 ?? 0) - RoundUp(u.Mem64, MiB))));
        Model.Add(m32 <= Math.Max(0, mmio32 - fixed32)).OnlyEnforceIf(Requirement($"32-bit MMIO window of {mmio32 / MiB} MiB"));
        string need64 = pass is null ? "" : $" (the devices' 64-bit windows need at least {(units.Sum(u => u.Window64) + fixed64 + MiB - 1) / MiB} MiB)";
        Model.Add(m64 <= Math.Max(0, mmio64 - fixed64)).OnlyEnforceIf(Requirement($"64-bit MMIO window of {mmio64 / MiB} MiB{need64}"));
        _m.Mmio32 = m32;
        _m.Mmio64 = m64;
        _m.Mmio64Budget = mmio64;
    }

    /// <summary>32-bit window bytes of a reserve: memory plus 32-bit prefetchable, each in 1 MiB granules.</summary>
    private static long Reserve32(PortReserve? r) => r is null ? 0 : RoundUp(r.Mem ?? 0, MiB) + RoundUp(r.Pref32 ?? 0, MiB);

    /// <summary>
    /// What root-port reserves add to one budget: each spare new port's share of <paramref name="spare"/>, plus,
    /// per unit placed behind a port of its own, what its own reserve adds beyond the unit's needs.
    /// </summary>
    private LinearExpr ReserveTerm(PortReserve? spare, Func<PortReserve, long> perSpare, Func<PlacementUnit, long> perUnit)
    {
        var b = LinearExpr.NewBuilder();
        if (spare is not null && perSpare(spare) is long each and > 0)
            foreach (var v in _m.SpareNewPorts.Values) b.AddTerm(v, each);
        b.Add(CountOf(c => c.Attach is Attach.RootPort or Attach.RootPortOff, u => u.PortReserve is null ? 0 : perUnit(u)));
        return b;
    }

    private static long Bars(PciItem item, string kind) =>
        item.Bars.Where(b => kind == "mem64pref" ? b.Kind == "mem64pref" : b.Kind != "mem64pref" && b.Kind != "io")
            .Sum(b => PlacementUnit.ParseSize(b.Size));

    private static long? CatalogSize(string? text) => text is null ? null : PlacementUnit.ParseSize(text);

    private static long RoundUp(long v, long unit) => v == 0 ? 0 : (v + unit - 1) / unit * unit;

    private void AddReserve()
    {
        var global = Global?.HotplugReserve;
        if (global is not null)
        {
            var total = LinearExpr.NewBuilder();
            foreach (int g in _m.Groups) total.Add(_m.Reserve[g]);
            if (!topo.IsPcie)
            {
                // On pci-root machines free slots of the root bus are the hotplug places.
                AddReserveTerm(total, global, "hotplugReserve", $"{global.Value} spare hot-pluggable places", null);
            }
            else
            {
                AddReserveTerm(total, global, "hotplugReserve", $"{global.Value} spare hot-pluggable root ports", null);
            }
        }
        foreach (var (key, t) in Global?.HotplugReservePerNode ?? new Dictionary<string, Tunable<int>>())
        {
            int n = int.Parse(key, CultureInfo.InvariantCulture);
            AddReserveTerm(_m.Reserve[n], t, "hotplugReservePerNode", $"{t.Value} spare hot-pluggable places on NUMA node {n}", null);
        }
    }

    private void AddReserveTerm(LinearExpr have, Tunable<int> t, string tunable, string description, string? deviceId)
    {
        if (t.Value < 0 || t.Value > 256)
        {
            _m.Error = new PlanError { Code = ErrorCodes.InvalidInput, Message = $"{tunable} must be 0-256, got {t.Value}", Rule = tunable };
            return;
        }
        if (t.IsRequired)
        {
            Model.Add(have >= t.Value).OnlyEnforceIf(Requirement(description));
        }
        else
        {
            var shortfall = Model.NewIntVar(0, t.Value, $"short:{tunable}");
            Model.Add(shortfall >= t.Value - have);
            _m.Penalties.Add(new Penalty(tunable, shortfall, Math.Clamp(t.Weight, 1, 1_000_000), deviceId,
                $"{description}: short by", Reported: true));
        }
    }

    private void BuildObjective()
    {
        int compact = Math.Clamp(Global?.CompactnessWeight ?? 1, 0, 1_000_000);
        var obj = LinearExpr.NewBuilder();
        foreach (var p in _m.Penalties) obj.AddTerm(p.Amount, p.Weight);
        var added = LinearExpr.NewBuilder();
        foreach (int g in _m.Groups)
        {
            if (_m.NewPortsOn.TryGetValue(g, out var on)) added.Add(on);
            if (_m.NewPortsOff.TryGetValue(g, out var off)) added.Add(off);
            added.Add(_m.NewBridges[g]);
            if (_m.NewExpander.TryGetValue(g, out var x)) added.Add(x);
        }
        // A guest switch adds its root port, its upstream port and a downstream port per device.
        foreach (var placed in _m.SwitchIn.Values) added.AddTerm(placed, 2);
        if (_m.SwitchIn.Count > 0) added.Add(CountOf(c => c.Attach == Attach.SwitchPort));
        var addedVar = Model.NewIntVar(0, 4096, "addedControllers");
        Model.Add(addedVar == added);
        if (compact > 0) _m.Penalties.Add(new Penalty("compactness", addedVar, compact, null, "", Reported: false));
        obj.AddTerm(addedVar, compact);
        _m.Objective = obj;

        // Tie-break: earlier units prefer lower-ranked classes (main first, then ports, integrated, bridges).
        var tie = LinearExpr.NewBuilder();
        int count = units.Count;
        foreach (var ((ui, c), v) in _m.Choice)
        {
            long rank = c.Attach == Attach.Stay ? 0 : (c.IsMain ? 0 : 10 * (c.Node + 1)) + (int)c.Attach;
            tie.AddTerm(v, rank * (count - ui));
        }
        foreach (int g in _m.Groups) tie.AddTerm(_m.Reserve[g], g == PlacementClass.Main ? 1 : 2 + g);
        _m.TieBreak = tie;
    }
}
