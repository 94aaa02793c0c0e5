using System.Globalization;
using DevAddr.Core.Model;

namespace DevAddr.Core.Host;

/// <summary>
/// A checked host topology with lookups: functions by address, the root complex, NUMA node and switch of a function,
/// the members of an IOMMU group. <see cref="Create"/> refuses a malformed document with an error naming the JSON path
/// and the rule it breaks.
/// </summary>
public sealed class HostTopologyIndex
{
    private readonly Dictionary<string, HostPciFunction> _functions;
    private readonly Dictionary<string, HostRootComplex> _rootComplexes;
    private readonly Dictionary<int, HostNumaNode> _nodes;

    private HostTopologyIndex(HostTopology topology)
    {
        Topology = topology;
        _functions = topology.Functions.ToDictionary(f => Normalize(f.Address)!, StringComparer.Ordinal);
        _rootComplexes = topology.RootComplexes.ToDictionary(r => r.Id, StringComparer.Ordinal);
        _nodes = topology.NumaNodes.ToDictionary(n => n.Id);
    }

    /// <summary>The document.</summary>
    public HostTopology Topology { get; }

    /// <summary>Checks <paramref name="topology"/>; returns its index, or the first problem (code <c>invalid-input</c>, rule <c>host-topology</c>).</summary>
    /// <param name="topology">The document.</param>
    /// <param name="path">The JSON path of the document in its container (e.g. <c>hostTopology</c>), for messages.</param>
    public static (HostTopologyIndex? Index, PlanError? Error) Create(HostTopology topology, string path = "hostTopology")
    {
        ArgumentNullException.ThrowIfNull(topology);
        string? problem = Problem(topology, path);
        return problem is null
            ? (new HostTopologyIndex(topology), null)
            : (null, new PlanError { Code = ErrorCodes.InvalidInput, Rule = "host-topology", Message = problem });
    }

    /// <summary>The function at a host address (any case, <c>DDDD:BB:SS.F</c> or <c>BB:SS.F</c> for domain 0), or null.</summary>
    public HostPciFunction? Find(string? address) =>
        Normalize(address) is string key && _functions.TryGetValue(key, out var f) ? f : null;

    /// <summary>The root complex of a function.</summary>
    public HostRootComplex RootComplexOf(HostPciFunction f) => _rootComplexes[f.RootComplex];

    /// <summary>The NUMA node of a function: its own, else its root complex's (null: none reported).</summary>
    public int? NodeOf(HostPciFunction f) => f.NumaNode ?? RootComplexOf(f).NumaNode;

    /// <summary>Whether a host NUMA node has CPUs (an unknown node is taken to have them).</summary>
    public bool NodeHasCpus(int node) => !_nodes.TryGetValue(node, out var n) || n.HasCpus;

    /// <summary>The host NUMA node, when the document lists it.</summary>
    public HostNumaNode? Node(int id) => _nodes.GetValueOrDefault(id);

    /// <summary>
    /// The PCI Express switch a function sits under: the address of the topmost switch upstream port above it (a switch
    /// nested in another counts as part of the outer one), or null when it hangs directly off a root port or the root bus.
    /// </summary>
    public string? SwitchOf(HostPciFunction f)
    {
        if (f.PhysicalFunction is string pf && Find(pf) is { } parent && !ReferenceEquals(parent, f)) f = parent;
        foreach (string up in f.Upstream)
            if (Find(up) is { PortType: HostPortTypes.SwitchUpstreamPort } port) return Normalize(port.Address);
        return null;
    }

    /// <summary>The functions of an IOMMU group that a guest would be handed (endpoints, not bridges), in address order.</summary>
    public IReadOnlyList<HostPciFunction> GroupMembers(int group) =>
        Topology.Functions.Where(f => f.IommuGroup == group && !f.IsBridge).OrderBy(f => Normalize(f.Address), StringComparer.Ordinal).ToList();

    /// <summary>
    /// A host PCI address in its canonical form (<c>dddd:bb:ss.f</c>, lower-case hex), or null when the text is not one.
    /// A short form <c>bb:ss.f</c> is in domain 0.
    /// </summary>
    public static string? Normalize(string? address)
    {
        if (!TryParse(address, out int domain, out int bus, out int slot, out int function)) return null;
        return string.Create(CultureInfo.InvariantCulture, $"{domain:x4}:{bus:x2}:{slot:x2}.{function:x}");
    }

    /// <summary>Parses <c>DDDD:BB:SS.F</c> (or <c>BB:SS.F</c>) with hex fields in range.</summary>
    public static bool TryParse(string? address, out int domain, out int bus, out int slot, out int function)
    {
        domain = bus = slot = function = 0;
        if (string.IsNullOrWhiteSpace(address)) return false;
        var parts = address.Trim().Split(':');
        if (parts.Length is not (2 or 3)) return false;
        var last = parts[^1].Split('.');
        if (last.Length != 2) return false;
        static bool Hex(string s, int max, out int v) =>
            int.TryParse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out v) && s.Length <= 4 && v >= 0 && v <= max;
        return (parts.Length == 2 || Hex(parts[0], 0xffff, out domain)) && Hex(parts[^2], 0xff, out bus)
               && Hex(last[0], 0x1f, out slot) && Hex(last[1], 7, out function);
    }

    private static readonly string[] s_barKinds = ["io", "mem32", "mem32pref", "mem64", "mem64pref"];

    /// <summary>The first structural problem of the document, as "JSON path: what is wrong", or null.</summary>
    private static string? Problem(HostTopology t, string path)
    {
        if (t.NumaNodes is null) return $"{path}.numaNodes: must be a list";
        if (t.RootComplexes is null) return $"{path}.rootComplexes: must be a list";
        if (t.Functions is null) return $"{path}.functions: must be a list";
        var nodes = new HashSet<int>();
        for (int i = 0; i < t.NumaNodes.Count; i++)
        {
            var n = t.NumaNodes[i];
            string at = $"{path}.numaNodes[{i}]";
            if (n is null) return $"{at}: is null";
            if (n.Id is < 0 or > 4095) return $"{at}.id: {n.Id} is not a NUMA node number (0-4095)";
            if (!nodes.Add(n.Id)) return $"{at}.id: node {n.Id} is listed twice";
            if (n.Cpus is null || !IsCpuList(n.Cpus)) return $"{at}.cpus: '{n.Cpus}' is not a CPU list such as 0-55,112-167 (empty: no CPUs)";
            if (n.MemoryMiB is < 0) return $"{at}.memoryMiB: must not be negative";
        }
        string? NodeProblem(int? node, string at) =>
            node is int v && (v < 0 || (nodes.Count > 0 && !nodes.Contains(v))) ? $"{at}: NUMA node {v} is not one of {path}.numaNodes" : null;

        var rcs = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < t.RootComplexes.Count; i++)
        {
            var r = t.RootComplexes[i];
            string at = $"{path}.rootComplexes[{i}]";
            if (r is null) return $"{at}: is null";
            if (string.IsNullOrWhiteSpace(r.Id)) return $"{at}.id: is missing";
            if (!rcs.Add(r.Id)) return $"{at}.id: root complex '{r.Id}' is listed twice";
            if (r.Domain is < 0 or > 0xffff || r.Bus is < 0 or > 255) return $"{at}: domain 0-65535 and bus 0-255, got {r.Domain}:{r.Bus}";
            if (NodeProblem(r.NumaNode, $"{at}.numaNode") is string np) return np;
        }

        var byAddress = new Dictionary<string, HostPciFunction>(StringComparer.Ordinal);
        for (int i = 0; i < t.Functions.Count; i++)
        {
            var f = t.Functions[i];
            string at = $"{path}.functions[{i}]";
            if (f is null) return $"{at}: is null";
            if (Normalize(f.Address) is not string key) return $"{at}.address: '{f.Address}' is not a PCI address DDDD:BB:SS.F";
            if (!byAddress.TryAdd(key, f)) return $"{at}.address: {key} is listed twice";
        }
        for (int i = 0; i < t.Functions.Count; i++)
        {
            var f = t.Functions[i];
            string at = $"{path}.functions[{i}]";
            if (!IsHex(f.Class, 6) ) return $"{at}.class: '{f.Class}' is not a class code such as 0x030200";
            if (!IsHex(f.Vendor, 4)) return $"{at}.vendor: '{f.Vendor}' is not a vendor id such as 0x10de";
            if (!IsHex(f.Device, 4)) return $"{at}.device: '{f.Device}' is not a device id such as 0x2330";
            if (NodeProblem(f.NumaNode, $"{at}.numaNode") is string np) return np;
            if (f.RootComplex is null || !rcs.Contains(f.RootComplex)) return $"{at}.rootComplex: '{f.RootComplex}' is not one of {path}.rootComplexes";
            if (!HostPortTypes.All.Contains(f.PortType)) return $"{at}.portType: '{f.PortType}' is not one of {string.Join(", ", HostPortTypes.All)}";
            if (f.Upstream is null) return $"{at}.upstream: must be a list";
            for (int u = 0; u < f.Upstream.Count; u++)
            {
                if (Normalize(f.Upstream[u]) is not string up || !byAddress.TryGetValue(up, out var bridge))
                    return $"{at}.upstream[{u}]: '{f.Upstream[u]}' is not a function of this topology";
                if (!bridge.IsBridge) return $"{at}.upstream[{u}]: {up} is a {bridge.PortType}, not a bridge or port";
                if (ReferenceEquals(bridge, f)) return $"{at}.upstream[{u}]: a function cannot sit under itself";
                if (bridge.RootComplex != f.RootComplex) return $"{at}.upstream[{u}]: {up} is under root complex {bridge.RootComplex}, not {f.RootComplex}";
            }
            if (f.Bars is null) return $"{at}.bars: must be a list";
            var barIndexes = new HashSet<int>();
            for (int b = 0; b < f.Bars.Count; b++)
            {
                var bar = f.Bars[b];
                string bat = $"{at}.bars[{b}]";
                if (bar is null) return $"{bat}: is null";
                if (bar.Index is < 0 or > 5 || !barIndexes.Add(bar.Index)) return $"{bat}.index: {bar.Index} is not a BAR number 0-5 used once";
                if (bar.Size <= 0 || (bar.Size & (bar.Size - 1)) != 0 || bar.Size > 1L << 50) return $"{bat}.size: {bar.Size} is not a power of two up to 1 PiB";
                if (!s_barKinds.Contains(bar.Kind)) return $"{bat}.kind: '{bar.Kind}' is not one of {string.Join(", ", s_barKinds)}";
            }
            if (f.IommuGroup is < 0) return $"{at}.iommuGroup: must not be negative";
            if (f.Sriov is { } sr && (sr.TotalVfs < 0 || sr.NumVfs < 0 || sr.NumVfs > sr.TotalVfs)) return $"{at}.sriov: numVfs must be 0-totalVfs";
            if (f.PhysicalFunction is string pf && (Normalize(pf) is not string pfKey || !byAddress.ContainsKey(pfKey)))
                return $"{at}.physicalFunction: '{pf}' is not a function of this topology";
        }
        return null;
    }

    private static bool IsHex(string? text, int digits) =>
        text is not null && text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && text.Length == digits + 2
        && int.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out _);

    /// <summary>A Linux CPU list (<c>0-3,8,10-11</c>) or empty.</summary>
    internal static bool IsCpuList(string text)
    {
        if (text.Length == 0) return true;
        foreach (string part in text.Split(','))
        {
            var range = part.Split('-');
            if (range.Length > 2 || range.Any(r => !int.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out _))) return false;
        }
        return true;
    }
}
