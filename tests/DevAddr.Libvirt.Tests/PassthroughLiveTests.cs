using System.Globalization;
using System.Text.Json.Nodes;
using DevAddr.Core;
using DevAddr.Core.Host;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using DevAddr.Libvirt.Tests.Oracle;
using DevAddr.Solver;
using DevAddr.TestSupport;
using Xunit.Abstractions;

namespace DevAddr.Libvirt.Tests;

/// <summary>
/// The real-host fixtures (fixtures/hosts: DGX H100, XE8640, GB200) under each mirror mode, end to end: the plan as
/// domain XML is kept unchanged by live libvirt 9.0, and QEMU 7.2 starts it under TCG with emulated stand-ins for the
/// passed-through devices (<see cref="LibvirtDomains.WithStandIns"/>); the firmware's enumeration (query-pci) then
/// shows the mirrored tree: every host switch and p2p group under one guest switch, devices of different host root
/// complexes on different expander buses, each expander on its NUMA cell, every BAR inside its window, no I/O window.
/// </summary>
public sealed class PassthroughLiveTests(ITestOutputHelper output)
{
    private static readonly string[] Hosts = ["dgx-h100", "xe8640", "gb200"];
    private static readonly string[] Modes = ["numa", "root-complex", "switch"];

    /// <summary>One planned case: host × mode.</summary>
    private sealed record Case(string Name, PlanRequest Request, Plan Plan, HostTopologyIndex Host, string Xml);

    private static readonly Lazy<IReadOnlyList<Case>> s_cases = new(() =>
        Hosts.SelectMany(host => Modes.Select(mode => Build(host, mode))).ToList());

    private static Case Build(string host, string mode)
    {
        string path = Path.Combine(RepoPaths.Root, "fixtures", "hosts", host, "request.json");
        var (request, error) = PlanJson.ReadRequest(File.ReadAllText(path));
        Assert.Null(error);
        (request, error) = HostTopologies.ResolveFile(request!, Path.GetDirectoryName(path)!);
        Assert.Null(error);
        // Pinned to libvirt 9.0: the live oracle these tests start guests with.
        request = request! with { Policy = Oracle90.Pin(request.Policy with { Tunables = request.Policy.Tunables! with { Mirror = new Tunable<string> { Value = mode } } }) };
        var plan = Assert.IsType<PlanResult.Success>(OptimizingPlanner.Plan(request)).Plan;
        string name = $"{host}-{mode}";
        string xml = LibvirtDomains.Create(plan, new DomainOptions { Name = name, Type = "qemu", MemoryMiB = 768, Vcpus = 2, Emulator = "/usr/bin/qemu-system-x86_64" });
        return new Case(name, request, plan, HostTopologyIndex.Create(request.HostTopology!).Index!, xml);
    }

    [Fact]
    public void DomainXml_OfEachCase_ReadsBackAsThePlan()
    {
        foreach (var c in s_cases.Value)
        {
            var back = LibvirtPlans.FromDomainXml(c.Xml);
            Assert.Empty(AddressPlanner.Validate(back));
            var ours = c.Plan.Devices.Where(d => d.Address is PciAddress).ToDictionary(d => (d.Kind, d.Type, d.Index, d.Host?.Address), d => d.Address);
            var read = back.Devices.Where(d => d.Address is PciAddress).ToDictionary(d => (d.Kind, d.Type, d.Index, d.Host?.Address), d => d.Address);
            Assert.Equal(ours.Count, read.Count);
            Assert.Equal(Root(c.Plan).Controller!.PciHole64, Root(back).Controller!.PciHole64);
            Assert.Contains("cpus=", c.Xml);
        }
    }

    [LibvirtOracleFact]
    public void Plans_AsDomainXml_LibvirtKeepsThemUnchanged()
    {
        LibvirtOracleFactAttribute.RequireOracle();
        using var work = new TempDirectory();
        string ours = work.Sub("ours"), libvirt = work.Sub("libvirt");
        foreach (var c in s_cases.Value) File.WriteAllText(Path.Combine(ours, c.Name + ".xml"), c.Xml);

        LibvirtOracle.ExpandDirectory(ours, libvirt);
        var report = DomainComparer.CompareDirectories(ours, libvirt);
        ReportWriter.Publish(output, $"passthrough mirror plans re-expanded by live libvirt ({s_cases.Value.Count} plans)", report);
        Assert.Equal(s_cases.Value.Count, report.Cases.Count);
        Assert.Equal(0, report.Failed);
        foreach (var c in s_cases.Value)
        {
            string kept = File.ReadAllText(Path.Combine(libvirt, c.Name + ".xml"));
            long hole = Root(c.Plan).Controller!.PciHole64!.Value;
            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"<pcihole64 unit='KiB'>{hole / 1024}</pcihole64>"), kept);
            // The guest cells: one per cell the plan names, CPU-less where the host node is.
            var cells = System.Xml.Linq.XElement.Parse(kept).Element("cpu")!.Element("numa")!.Elements("cell").ToList();
            Assert.Equal(LibvirtDomains.Cells(c.Plan).Select(x => x.Cpus), cells.Select(x => x.Attribute("cpus") is not null));
        }
    }

    [LibvirtOracleFact]
    public void Plans_StartedWithStandIns_FirmwareShowsTheMirroredTree()
    {
        LibvirtOracleFactAttribute.RequireOracle();
        using var work = new TempDirectory();
        string dir = work.Sub("standins");
        var qom = new SortedSet<string>(StringComparer.Ordinal) { "/machine/q35:pci-hole64-start", "/machine/q35:pci-hole64-end", "/machine/q35:pci-hole64-size" };
        foreach (var c in s_cases.Value)
        {
            File.WriteAllText(Path.Combine(dir, c.Name + ".xml"), LibvirtDomains.WithStandIns(c.Xml, c.Host));
            foreach (var e in c.Plan.Solver!.Mirror!.Expanders) qom.Add(string.Create(CultureInfo.InvariantCulture, $"/machine/peripheral/pci.{e.Index}:numa_node"));
        }
        var args = new List<string> { Path.Combine(RepoPaths.Root, "tools", "oracle", "libvirt-start"), dir };
        foreach (string q in qom) args.AddRange(["--qom", q]);
        var run = ProcessRunner.Run("bash", args, TimeSpan.FromMinutes(5));
        Assert.True(run.ExitCode == 0, run.StandardError);
        var results = JsonNode.Parse(run.StandardOutput)!.AsObject();

        foreach (var c in s_cases.Value)
        {
            var r = results[c.Name]!.AsObject();
            Assert.True((bool)r["started"]!, $"{c.Name}: {(string?)r["error"]}");
            var tree = QueryPci.Parse(r["pci"]!.AsArray());
            var check = new MirrorCheck(c.Plan, c.Host, tree, r["qom"]!.AsObject());
            var findings = check.Problems().ToList();
            output.WriteLine($"{c.Name}: {check.Summary}");
            Assert.True(findings.Count == 0, $"{c.Name}: " + string.Join("; ", findings.Take(10)));
        }
    }

    private static Device Root(Plan plan) => plan.Devices.Single(d => d.Kind == "controller" && d.Type == "pci" && d.Index == 0);

    /// <summary>What a started guest must show for its plan.</summary>
    private sealed class MirrorCheck(Plan plan, HostTopologyIndex host, QueryPci tree, JsonObject qom)
    {
        private int _inSwitch, _rootComplexPairs, _bars, _windows, _bdfs;

        public string Summary => string.Create(CultureInfo.InvariantCulture,
            $"{_inSwitch} devices under their guest switch, {_bdfs} guest bus numbers as devaddr mapping predicts, {_rootComplexPairs} pairs of host root complexes on distinct expander buses, {_bars} BARs inside {_windows} windows, 64-bit hole {qom["/machine/q35:pci-hole64-size"]} bytes");

        public IEnumerable<string> Problems()
        {
            var hostDevices = plan.Devices.Where(HostTopologies.IsHostPci).ToList();
            var node = hostDevices.ToDictionary(d => d.Id, d => tree.Find(LibvirtDomains.StandInId(d.Host!.Address!)));
            foreach (var (id, n) in node)
                if (n is null) yield return $"{id}: its stand-in is not in query-pci";
            if (node.Values.Any(n => n is null)) yield break;

            // Every guest switch of the plan: its devices under its upstream port.
            foreach (var s in plan.Solver!.Mirror!.Switches)
            {
                string upstream = string.Create(CultureInfo.InvariantCulture, $"pci.{s.Upstream}");
                foreach (string id in s.Devices)
                {
                    if (!node[id]!.Ancestors().Any(a => a.Id == upstream)) yield return $"{id} is not under switch {upstream}";
                    else _inSwitch++;
                }
            }
            // Devices under one host switch share a guest switch (switch mode); devices of different host root
            // complexes sit on different root buses, devices of one on the same (root-complex and switch modes).
            string mode = plan.Solver.Mirror.Mode;
            for (int i = 0; i < hostDevices.Count; i++)
            {
                for (int j = i + 1; j < hostDevices.Count; j++)
                {
                    var (a, b) = (hostDevices[i], hostDevices[j]);
                    var (fa, fb) = (host.Find(a.Host!.Address)!, host.Find(b.Host!.Address)!);
                    if (mode == "switch" && host.SwitchOf(fa) is string sw && sw == host.SwitchOf(fb) && node[a.Id]!.Switch() != node[b.Id]!.Switch())
                        yield return $"{a.Id} and {b.Id} share host switch {sw} but not a guest switch";
                    if (mode is "root-complex" or "switch")
                    {
                        bool sameHost = fa.RootComplex == fb.RootComplex, sameGuest = node[a.Id]!.RootBus == node[b.Id]!.RootBus;
                        if (sameHost != sameGuest) yield return $"{a.Id} and {b.Id}: host root complexes {fa.RootComplex}, {fb.RootComplex}, guest root buses {node[a.Id]!.RootBus}, {node[b.Id]!.RootBus}";
                        else if (!sameHost) _rootComplexPairs++;
                    }
                }
            }
            // devaddr mapping's guest bus numbers are the firmware's.
            var mapping = Assert.IsType<Core.Hotplug.HostMappingResult.Mapped>(AddressPlanner.HostMapping(plan)).Mappings;
            foreach (var row in mapping)
            {
                string bus = node[row.DeviceId]!.Bus.ToString("x2", CultureInfo.InvariantCulture);
                if (row.GuestBdf.Split(':')[1] != bus) yield return $"{row.DeviceId}: devaddr mapping predicts bus {row.GuestBdf}, the firmware gave bus {bus}";
                else _bdfs++;
            }
            // Each expander on the NUMA cell the plan gives it.
            foreach (var e in plan.Solver.Mirror.Expanders)
            {
                var got = qom[string.Create(CultureInfo.InvariantCulture, $"/machine/peripheral/pci.{e.Index}:numa_node")];
                if (e.Cell is int cell && (got is null || (int)got != cell)) yield return $"expander pci.{e.Index}: numa_node {got}, planned {cell}";
            }
            // Every BAR inside the window of the bridge above it; on the root bus, 64-bit BARs and windows inside the 64-bit hole.
            long holeStart = (long)qom["/machine/q35:pci-hole64-start"]!, holeEnd = (long)qom["/machine/q35:pci-hole64-end"]!;
            long? planned = Root(plan).Controller!.PciHole64;
            if ((long)qom["/machine/q35:pci-hole64-size"]! != planned) yield return $"pci-hole64-size {qom["/machine/q35:pci-hole64-size"]}, planned {planned}";
            foreach (var d in tree.All())
            {
                if (d.IsBridge && d.Io is { } io && io.Limit >= io.Base) yield return $"{d.Id}: an I/O window {io.Base:x}-{io.Limit:x} where no device needs I/O space";
                foreach (var (bar, address, size, isIo, prefetch, is64) in d.Regions)
                {
                    if (isIo || size == 0 || address == -1) continue;  // unmapped (a disabled ROM BAR)
                    _bars++;
                    var parent = d.Parent;
                    if (parent is null)
                    {
                        if (d.RootBus == 0 && is64 && (address < holeStart || address + size - 1 > holeEnd))
                            yield return $"{d.Id} BAR {bar} at {address:x} is outside the 64-bit hole {holeStart:x}-{holeEnd:x}";
                        continue;
                    }
                    var window = prefetch && is64 && parent.Prefetchable is { } pref && pref.Limit >= pref.Base ? pref : parent.Memory;
                    if (window is not { } w || address < w.Base || address + size - 1 > w.Limit)
                        yield return $"{d.Id} BAR {bar} ({address:x}, {size} bytes) is outside {parent.Id}'s window {window}";
                    else _windows++;
                }
                if (d.IsBridge && d.Parent is null && d.RootBus == 0 && d.Prefetchable is { } top && top.Limit >= top.Base && top.Base >= 1L << 32
                    && (top.Base < holeStart || top.Limit > holeEnd))
                    yield return $"{d.Id}: its 64-bit window {top} is outside the 64-bit hole {holeStart:x}-{holeEnd:x}";
            }
        }
    }
}

/// <summary>QEMU's query-pci answer as a tree: devices with their parent bridge, root bus, regions and windows.</summary>
internal sealed class QueryPci
{
    private readonly List<Node> _all = [];

    internal sealed record Range(long Base, long Limit)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Base:x}-{Limit:x}");
    }

    internal sealed class Node
    {
        public required string Id { get; init; }
        public required int RootBus { get; init; }
        /// <summary>The bus number the firmware gave the device's bus.</summary>
        public required int Bus { get; init; }
        public Node? Parent { get; init; }
        public bool IsBridge { get; init; }
        public Range? Memory { get; init; }
        public Range? Prefetchable { get; init; }
        public (long Base, long Limit)? Io { get; init; }
        public List<(int Bar, long Address, long Size, bool Io, bool Prefetch, bool Is64)> Regions { get; } = [];

        public IEnumerable<Node> Ancestors()
        {
            for (var p = Parent; p is not null; p = p.Parent) yield return p;
        }

        /// <summary>The qdev id of the switch upstream port above, if any (the bridge above a downstream port).</summary>
        public string? Switch() => Parent?.Parent?.Id is string up && up.StartsWith("pci.", StringComparison.Ordinal) && Parent.Parent.Parent is not null ? up : null;
    }

    public static QueryPci Parse(JsonArray roots)
    {
        var q = new QueryPci();
        foreach (var root in roots)
            q.Walk(root!["devices"]!.AsArray(), (int)root["bus"]!, null);
        return q;
    }

    private void Walk(JsonArray devices, int rootBus, Node? parent)
    {
        foreach (var dev in devices)
        {
            static Range? R(JsonNode? r) => r is JsonObject o ? new Range((long)o["base"]!, (long)o["limit"]!) : null;
            var bridge = dev!["pci_bridge"]?["bus"];
            var node = new Node
            {
                Id = (string?)dev["qdev_id"] is { Length: > 0 } id ? id : string.Create(CultureInfo.InvariantCulture, $"{(int)dev["bus"]!:x2}:{(int)dev["slot"]!:x2}.{(int)dev["function"]!}"),
                RootBus = rootBus,
                Bus = (int)dev["bus"]!,
                Parent = parent,
                IsBridge = bridge is not null,
                Memory = R(bridge?["memory_range"]),
                Prefetchable = R(bridge?["prefetchable_range"]),
                Io = R(bridge?["io_range"]) is { } io ? (io.Base, io.Limit) : null,
            };
            foreach (var r in dev["regions"]?.AsArray() ?? [])
                node.Regions.Add(((int)r!["bar"]!, (long)r["address"]!, (long)r["size"]!, (string?)r["type"] == "io", (bool?)r["prefetch"] ?? false, (bool?)r["mem_type_64"] ?? false));
            _all.Add(node);
            if (dev["pci_bridge"]?["devices"] is JsonArray children) Walk(children, rootBus, node);
        }
    }

    public IEnumerable<Node> All() => _all;

    public Node? Find(string qdevId) => _all.FirstOrDefault(n => n.Id == qdevId);
}
