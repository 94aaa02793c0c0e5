using DevAddr.Core.Model;
using DevAddr.Core.Topology;
using Google.OrTools.Sat;

namespace DevAddr.Solver;

/// <summary>
/// Turns the solver's classes and counts into concrete controllers and addresses, deterministically:
/// expander buses first (NUMA node order), then root ports packed eight to a root slot, then bridges in
/// the first new ports of their group, then devices in placement order into the first free place of
/// their class. Existing empty ports and bridge slots are used before new ones.
/// </summary>
internal sealed class SolutionDecoder(PciProblem problem, TopologyFacts topo, IReadOnlyList<PlacementUnit> units, BuiltModel built, SolveOutcome outcome,
    Passthrough? pass = null)
{
    private readonly CpSolver _s = outcome.Solver!;
    private readonly List<Device> _added = [];
    private readonly Dictionary<string, PciAddress> _addresses = new(StringComparer.Ordinal);
    private readonly Queue<int> _rootSlots = new(topo.RootFreeSlots);
    private int _nextIndex = problem.MaxControllerIndex + 1;
    private readonly Dictionary<int, PortReserve> _reserves = [];
    /// <summary>Guest switches placed: switch index → (root port, upstream port, downstream port of each unit).</summary>
    private readonly Dictionary<int, (int RootPort, int Upstream, Dictionary<int, int> Downstream)> _switches = [];
    /// <summary>Expander buses the plan added, by group.</summary>
    private readonly Dictionary<int, int> _newExpanders = [];

    private sealed class Port(int index, bool hotplug, bool isNew)
    {
        public int Index { get; } = index;
        public bool Hotplug { get; } = hotplug;
        public bool IsNew { get; } = isNew;
        public bool Used { get; set; }
    }

    /// <summary>
    /// Ports of one group and hotplug setting: existing empty ones first, then new ones, in index order. Ports are only
    /// ever taken, so each kind of take resumes where it stopped (every port before its cursor is used).
    /// </summary>
    private sealed class PortPool
    {
        private readonly List<Port> _ports = [];
        private int _next, _nextNew;
        public void Add(Port p) => _ports.Add(p);
        /// <summary>The first unused port (existing before new).</summary>
        public Port Take() => Mark(ref _next, _ => true);
        /// <summary>The first unused port the plan adds (a port that gets a reserve must be a new one).</summary>
        public Port TakeNew() => Mark(ref _nextNew, p => p.IsNew);
        public IEnumerable<Port> UnusedNew => _ports.Where(p => p.IsNew && !p.Used);

        private Port Mark(ref int cursor, Func<Port, bool> wanted)
        {
            while (_ports[cursor].Used || !wanted(_ports[cursor])) cursor++;
            var p = _ports[cursor];
            p.Used = true;
            return p;
        }
    }

    private sealed class BridgeSlots(int bus, IEnumerable<int> slots)
    {
        public int Bus { get; } = bus;
        public Queue<int> Free { get; } = new(slots);
    }

    public PciPlacementResult Decode()
    {
        var choice = units.ToDictionary(u => u.Index, u => built.Choice.Where(kv => kv.Key.Unit == u.Index && _s.BooleanValue(kv.Value)).Select(kv => kv.Key.Class).Single());
        var expanderBus = new Dictionary<int, int>();
        var expanderSlots = new Dictionary<int, Queue<int>>();
        foreach (var (node, existing) in topo.Expanders)
        {
            expanderBus[node] = existing.Index;
            expanderSlots[node] = new Queue<int>(existing.FreeSlots);
        }
        foreach (var (node, lit) in built.NewExpander.OrderBy(kv => kv.Key))
        {
            if (!_s.BooleanValue(lit)) continue;
            // A pci/pcie-expander-bus takes a root slot; another PCI host bridge (pseries) is a root bus, without one.
            PciAddress? slot = topo.ExpanderIsRootBus ? null : new PciAddress(0, 0, _rootSlots.Dequeue(), 0);
            int idx;
            if (pass is not null && pass.IsRootComplexGroup(node))
            {
                var (rc, cell, _) = pass.RootComplexOf(node);
                idx = AddController(problem.Machine.ExpanderBus!, slot,
                    cell is null ? null : new ControllerOptions { NumaNode = cell },
                    $"devices of host root complex {rc} need an expander bus of their own{(cell is null ? "" : $" on NUMA node {cell}")}");
            }
            else
            {
                idx = AddController(problem.Machine.ExpanderBus!, slot, new ControllerOptions { NumaNode = node },
                    topo.ExpanderIsRootBus ? $"devices of NUMA node {node} need a PCI host bridge on that node" : $"devices of NUMA node {node} need an expander bus on that node");
            }
            _newExpanders[node] = idx;
            expanderBus[node] = idx;
            expanderSlots[node] = new Queue<int>(Enumerable.Range(topo.ExpanderFirstSlot, topo.ExpanderSlotCount));
        }

        var portsOn = new Dictionary<int, PortPool>();
        var portsOff = new Dictionary<int, PortPool>();
        var bridges = new Dictionary<int, List<BridgeSlots>>();
        int rootSlot = -1, rootFn = 8;
        foreach (int g in built.Groups)
        {
            portsOn[g] = new PortPool();
            portsOff[g] = new PortPool();
            foreach (var b in topo.EmptyPortsOn.GetValueOrDefault(g, []).OrderBy(b => b.Index)) portsOn[g].Add(new Port(b.Index, true, false));
            foreach (var b in topo.EmptyPortsOff.GetValueOrDefault(g, []).OrderBy(b => b.Index)) portsOff[g].Add(new Port(b.Index, false, false));
            bridges[g] = topo.Bridges.GetValueOrDefault(g, []).OrderBy(b => b.Index).Select(b => new BridgeSlots(b.Index, b.FreeSlots)).ToList();
            if (!topo.IsPcie) continue;

            int newOn = (int)_s.Value(built.NewPortsOn[g]);
            int newOff = (int)_s.Value(built.NewPortsOff[g]);
            int pxbSlot = -1, pxbFn = 8;
            PciAddress NextPortAddress()
            {
                if (g == PlacementClass.Main)
                {
                    if (rootFn == 8) { rootSlot = _rootSlots.Dequeue(); rootFn = 0; }
                    return new PciAddress(0, 0, rootSlot, rootFn++);
                }
                if (pxbFn == 8) { pxbSlot = expanderSlots[g].Dequeue(); pxbFn = 0; }
                return new PciAddress(0, expanderBus[g], pxbSlot, pxbFn++);
            }
            string where = g == PlacementClass.Main ? "" : $" on NUMA node {g}";
            for (int i = 0; i < newOn; i++)
                portsOn[g].Add(new Port(AddController("pcie-root-port", NextPortAddress(), null,
                    $"a PCI Express device or spare hotplug place{where} needs a pcie-root-port"), true, true));
            for (int i = 0; i < newOff; i++)
                portsOff[g].Add(new Port(AddController("pcie-root-port", NextPortAddress(), new ControllerOptions { Hotplug = false },
                    $"a device{where} that is never unplugged needs a pcie-root-port with hotplug off"), false, true));
            foreach (var ((w, group), placed) in built.SwitchIn.OrderBy(kv => kv.Key.Switch))
                if (group == g && _s.BooleanValue(placed)) AddSwitch(pass!.Switches[w], NextPortAddress(), g, choice);
        }

        foreach (int g in built.Groups)
        {
            int newBridges = (int)_s.Value(built.NewBridges[g]);
            for (int i = 0; i < newBridges; i++)
            {
                PciAddress at;
                string model;
                if (topo.IsPcie)
                {
                    var port = portsOn[g].Take();
                    at = new PciAddress(0, port.Index, 0, 0);
                    model = "pcie-to-pci-bridge";
                }
                else
                {
                    at = new PciAddress(0, 0, _rootSlots.Dequeue(), 0);
                    model = "pci-bridge";
                }
                int idx = AddController(model, at, null, "conventional PCI devices need a bridge");
                bridges[g].Add(new BridgeSlots(idx, Enumerable.Range(1, 31)));
            }
        }

        foreach (var u in units)
        {
            var c = choice[u.Index];
            PciAddress head = c.Attach switch
            {
                Attach.Stay => u.PriorAddress! with { Multifunction = null },
                Attach.RootPort or Attach.RootPortOff => new PciAddress(0, TakePort(u, (c.Attach == Attach.RootPort ? portsOn : portsOff)[c.Node]), 0, 0),
                Attach.Integrated or Attach.Root => new PciAddress(0, 0, _rootSlots.Dequeue(), 0),
                Attach.Expander => new PciAddress(0, expanderBus[c.Node], expanderSlots[c.Node].Dequeue(), 0),
                Attach.SwitchPort => new PciAddress(0, _switches[c.Switch].Downstream[u.Index], 0, 0),
                _ => NextBridgeSlot(bridges[c.Node]),
            };
            for (int f = 0; f < u.Items.Count; f++)
                _addresses[u.Items[f].Device.Id] = head with { Function = f };
        }

        if (problem.Policy.Tunables?.SparePortReserve is { } spare)
            foreach (var pool in portsOn.Values)
                foreach (var p in pool.UnusedNew)
                    _reserves[p.Index] = spare;
        for (int i = 0; i < _added.Count; i++)
            if (_reserves.TryGetValue(_added[i].Index!.Value, out var r))
                _added[i] = _added[i] with { Controller = (_added[i].Controller ?? new ControllerOptions()) with { Reserve = r } };

        if (pass is not null) ReserveNoIo(choice);
        var busNumbers = AssignBusNumbers();
        long? hole = pass?.PciHole64 switch
        {
            -1 => PciHole64Bytes(),
            long size => size,
            null => null,
        };
        return new PciPlacementResult
        {
            Addresses = _addresses,
            AddedControllers = _added,
            ExpanderBusNumbers = busNumbers,
            PciHole64 = hole,
            Report = Report(choice) with
            {
                Windows = pass is null ? null : WindowReport(hole),
                Mirror = pass is null ? null : MirrorReport(choice),
            },
        };
    }

    /// <summary>
    /// A guest switch: a root port (new, in the switch's group), an upstream port in it, and one downstream port per
    /// device the solver put on the switch, in unit order.
    /// </summary>
    private void AddSwitch(GuestSwitch w, PciAddress portAddress, int group, Dictionary<int, PlacementClass> choice)
    {
        string what = Passthrough.Describe(w);
        int rootPort = AddController("pcie-root-port", portAddress, null, $"{what} needs a pcie-root-port");
        int upstream = AddController("pcie-switch-upstream-port", new PciAddress(0, rootPort, 0, 0), null, $"{what}: its upstream port");
        var downstream = new Dictionary<int, int>();
        int slot = 0;
        foreach (var u in w.Units.Where(u => choice[u.Index] == new PlacementClass(Attach.SwitchPort, group, w.Index)))
            downstream[u.Index] = AddController("pcie-switch-downstream-port", new PciAddress(0, upstream, slot++, 0), null,
                $"{what}: a downstream port for device '{u.Id}'");
        _switches[w.Index] = (rootPort, upstream, downstream);
    }

    /// <summary>
    /// No I/O window where no device needs one: the root ports the plan added for passed-through devices without I/O
    /// BARs (and the root ports of guest switches whose devices have none) reserve no I/O space (<c>io-reserve=0</c>;
    /// firmware that gives hot-pluggable ports I/O windows by default would otherwise spend the 64 KiB on them).
    /// </summary>
    private void ReserveNoIo(Dictionary<int, PlacementClass> choice)
    {
        var added = _added.Select(a => a.Index!.Value).ToHashSet();
        foreach (var u in units.Where(u => u.Host is not null && !u.HasIo))
        {
            if (choice[u.Index].Attach is not (Attach.RootPort or Attach.RootPortOff)) continue;
            int port = _addresses[u.Items[0].Device.Id].Bus;
            if (added.Contains(port)) _reserves[port] = (_reserves.GetValueOrDefault(port) ?? new PortReserve()) with { Io = _reserves.GetValueOrDefault(port)?.Io ?? 0 };
        }
        foreach (var (w, (rootPort, _, downstream)) in _switches)
            if (pass!.Switches[w].Units.Where(u => downstream.ContainsKey(u.Index)).All(u => !u.HasIo))
                _reserves[rootPort] = (_reserves.GetValueOrDefault(rootPort) ?? new PortReserve()) with { Io = 0 };
        for (int i = 0; i < _added.Count; i++)
            if (_reserves.TryGetValue(_added[i].Index!.Value, out var r) && _added[i].Controller?.Reserve != r)
                _added[i] = _added[i] with { Controller = (_added[i].Controller ?? new ControllerOptions()) with { Reserve = r } };
    }

    private const long GiB = 1L << 30;

    /// <summary>
    /// The guest's 64-bit PCI hole: the 64-bit windows, plus one alignment of the largest (the firmware starts the
    /// 64-bit range at a multiple of it), plus the 64-bit BARs of devices with fixed addresses, in whole GiB.
    /// </summary>
    private long PciHole64Bytes()
    {
        long windows = _s.Value(built.Mmio64!) + problem.Fixed.Sum(f => f.Bars.Where(b => b.Kind == "mem64pref").Sum(b => PlacementUnit.ParseSize(b.Size)))
                       + problem.Buses.Sum(b => b.Reserve?.Pref64 ?? 0);
        long hole = PlacementUnit.AlignUp(windows + Alignment64(), GiB);
        return Math.Max(hole, GiB);
    }

    private long Alignment64()
    {
        long spare = problem.Policy.Tunables?.SparePortReserve?.Pref64 ?? 0;
        return units.Select(u => Math.Max(u.Alignment64, u.PortReserve?.Pref64 ?? 0)).Append(spare).DefaultIfEmpty(0).Max();
    }

    private WindowReport WindowReport(long? hole)
    {
        long reserves = _added.Sum(a => a.Controller?.Reserve?.Pref64 ?? 0);
        return new WindowReport
        {
            Mmio64Bytes = _s.Value(built.Mmio64!),
            Pref64ReserveBytes = reserves,
            Mmio64AlignmentBytes = Alignment64(),
            Mmio64BudgetBytes = built.Mmio64Budget,
            PciHole64Bytes = hole,
            Mmio32Bytes = _s.Value(built.Mmio32!),
            IoBytes = _s.Value(built.Io!),
            BusNumbers = (int)_s.Value(built.Buses!),
        };
    }

    private MirrorReport MirrorReport(Dictionary<int, PlacementClass> choice)
    {
        var cells = pass!.CellHostNodes.Select(kv => new MirrorCell
        {
            Cell = kv.Key,
            HostNodes = kv.Value.ToList(),
            Cpus = kv.Value.Any(n => pass.Host!.NodeHasCpus(n)),
        }).ToList();
        var expanders = _newExpanders.OrderBy(kv => kv.Value).Select(kv =>
        {
            int g = kv.Key;
            var devices = units.Where(u => choice[u.Index].Node == g && choice[u.Index].Attach != Attach.Stay)
                .SelectMany(u => u.Items.Select(i => i.Device.Id)).ToList();
            if (pass.IsRootComplexGroup(g))
            {
                var (rc, cell, hostNode) = pass.RootComplexOf(g);
                return new MirrorExpander { Index = kv.Value, Cell = cell, HostRootComplex = rc, HostNode = hostNode, Devices = devices };
            }
            return new MirrorExpander { Index = kv.Value, Cell = g, HostNode = pass.CellHostNodes.TryGetValue(g, out var nodes) && nodes.Count == 1 ? nodes.Min : null, Devices = devices };
        }).ToList();
        var switches = _switches.OrderBy(kv => kv.Value.Upstream).Select(kv => new MirrorSwitch
        {
            Upstream = kv.Value.Upstream,
            RootPort = kv.Value.RootPort,
            HostSwitch = pass.Switches[kv.Key].HostSwitch,
            P2pGroups = pass.Switches[kv.Key].P2pGroups.ToList(),
            Devices = pass.Switches[kv.Key].Units.Where(u => kv.Value.Downstream.ContainsKey(u.Index)).SelectMany(u => u.Items.Select(i => i.Device.Id)).ToList(),
        }).ToList();
        return new MirrorReport { Mode = pass.Mode, NumaCells = cells, Expanders = expanders, Switches = switches };
    }

    /// <summary>A unit's root port: a new one carrying the unit's reserve, or else the first free one.</summary>
    private int TakePort(PlacementUnit u, PortPool pool)
    {
        if (u.PortReserve is not { } r) return pool.Take().Index;
        var port = pool.TakeNew();
        _reserves[port.Index] = r;
        return port.Index;
    }

    private static PciAddress NextBridgeSlot(List<BridgeSlots> bridges)
    {
        var b = bridges.First(x => x.Free.Count > 0);
        return new PciAddress(0, b.Bus, b.Free.Dequeue(), 0);
    }

    private int AddController(string model, PciAddress? address, ControllerOptions? options, string reason)
    {
        int idx = _nextIndex++;
        _added.Add(new Device
        {
            Id = $"pci{idx}",
            Kind = "controller",
            Type = "pci",
            Model = model,
            Index = idx,
            Address = address,
            Controller = options,
            Reason = reason,
        });
        return idx;
    }

    /// <summary>
    /// Expander bus numbers: every expander without one gets a range big enough for the buses behind it,
    /// allocated downwards from below the lowest given busNr (or 256), in controller index order.
    /// </summary>
    private Dictionary<int, int> AssignBusNumbers()
    {
        var all = problem.Buses.Select(b => (b.Index, b.Address, b.Model, b.BusNr, ReservedBuses: b.Reserve?.Bus ?? 0))
            .Concat(_added.Select(a => (Index: a.Index!.Value, Address: (PciAddress?)(PciAddress)a.Address!, Model: a.Model!, BusNr: a.Controller?.BusNr,
                ReservedBuses: a.Controller?.Reserve?.Bus ?? 0)))
            .ToList();
        int Under(int expander)
        {
            var set = new HashSet<int> { expander };
            bool grew = true;
            while (grew)
            {
                grew = false;
                foreach (var b in all)
                    if (b.Address is { } a && set.Contains(a.Bus) && set.Add(b.Index)) grew = true;
            }
            // Every bus behind the expander, plus the bus numbers its ports reserve for hotplug.
            return set.Count - 1 + all.Where(b => b.Index != expander && set.Contains(b.Index)).Sum(b => b.ReservedBuses);
        }
        int top = all.Where(b => b.BusNr is not null).Select(b => b.BusNr!.Value).DefaultIfEmpty(256).Min();
        var existing = new Dictionary<int, int>();
        foreach (var b in all.Where(b => b.BusNr is null && b.Model is "pcie-expander-bus" or "pci-expander-bus").OrderBy(b => b.Index))
        {
            top -= 2 + Under(b.Index);
            int i = _added.FindIndex(a => a.Index == b.Index);
            if (i >= 0) _added[i] = _added[i] with { Controller = (_added[i].Controller ?? new ControllerOptions()) with { BusNr = top } };
            else existing[b.Index] = top;
        }
        return existing;
    }

    private SolverReport Report(Dictionary<int, PlacementClass> choice)
    {
        var breakdown = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var unmet = new List<UnmetPreference>();
        foreach (var p in built.Penalties)
        {
            long amount = _s.Value(p.Amount);
            long cost = amount * p.Weight;
            breakdown[p.Tunable] = breakdown.GetValueOrDefault(p.Tunable) + cost;
            if (p.Reported && amount > 0)
                unmet.Add(new UnmetPreference
                {
                    Tunable = p.Tunable,
                    DeviceId = p.DeviceId,
                    Message = p.Message.EndsWith("short by", StringComparison.Ordinal) ? $"{p.Message} {amount}" : p.Message,
                    Cost = cost,
                });
        }
        bool optimal = outcome.Status == CpSolverStatus.Optimal;
        return new SolverReport
        {
            Status = optimal ? "optimal" : "feasible",
            Objective = outcome.Objective,
            BestBound = outcome.Bound,
            Gap = optimal || outcome.Objective == 0 ? 0 : Math.Round((double)(outcome.Objective - outcome.Bound) / Math.Abs(outcome.Objective), 6),
            Breakdown = breakdown,
            Unmet = unmet.OrderBy(u => u.Tunable, StringComparer.Ordinal).ThenBy(u => u.DeviceId, StringComparer.Ordinal).ToList(),
        };
    }
}
