using System.Globalization;
using System.Text.RegularExpressions;
using DevAddr.Core.Model;

namespace DevAddr.Core.Host;

/// <summary>
/// Reads a host's PCI topology from Linux sysfs (<c>devaddr host scan</c>): every function of
/// <c>bus/pci/devices</c>, placed by its real path under <c>devices/pciDDDD:BB</c> (the root complex) and the bridges
/// above it; its class, ids, NUMA node, BARs (<c>resource</c>), IOMMU group, SR-IOV relations and driver; its PCI
/// Express port type from the capability in <c>config</c> (when the first 256 bytes are readable; otherwise from its
/// place in the tree); the NUMA nodes of <c>devices/system/node</c> with their CPUs and memory.
/// </summary>
public static partial class SysfsScanner
{
    // The kernel's resource flags (include/linux/ioport.h).
    private const ulong IoResourceIo = 0x100, IoResourceMem = 0x200, IoResourcePrefetch = 0x2000, IoResourceMem64 = 0x100000;

    [GeneratedRegex("^pci([0-9a-f]{4,8}):([0-9a-f]{2})$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RootComplexName();

    /// <summary>Scans the sysfs tree at <paramref name="sysfsRoot"/> (normally <c>/sys</c>).</summary>
    /// <returns>The topology, or an error (code <c>invalid-input</c>, rule <c>sysfs</c>) saying what could not be read.</returns>
    public static (HostTopology? Topology, PlanError? Error) Scan(string sysfsRoot = "/sys")
    {
        ArgumentNullException.ThrowIfNull(sysfsRoot);
        string devicesDir = Path.Combine(sysfsRoot, "bus", "pci", "devices");
        if (!Directory.Exists(devicesDir))
            return (null, Error($"{devicesDir} does not exist: not a sysfs tree with PCI devices"));
        try
        {
            var found = new List<(string Address, string RealPath, string RootComplex, List<string> Upstream)>();
            foreach (string link in Directory.EnumerateFileSystemEntries(devicesDir).Order(StringComparer.Ordinal))
            {
                string name = Path.GetFileName(link);
                if (HostTopologyIndex.Normalize(name) is not string address) continue;
                string real = RealPath(link);
                var parts = real.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
                int rc = Array.FindLastIndex(parts, p => RootComplexName().IsMatch(p));
                if (rc < 0) return (null, Error($"{link}: its path {real} has no pciDDDD:BB root complex"));
                var upstream = parts.Skip(rc + 1).SkipLast(1).Select(HostTopologyIndex.Normalize).OfType<string>().ToList();
                found.Add((address, real, parts[rc], upstream));
            }

            var portTypes = found.ToDictionary(f => f.Address, f => PortTypeFromConfig(Path.Combine(f.RealPath, "config")), StringComparer.Ordinal);
            var functions = new List<HostPciFunction>();
            foreach (var f in found)
            {
                string dir = f.RealPath;
                functions.Add(new HostPciFunction
                {
                    Address = f.Address,
                    Class = Hex(ReadText(dir, "class"), 6),
                    Vendor = Hex(ReadText(dir, "vendor"), 4),
                    Device = Hex(ReadText(dir, "device"), 4),
                    NumaNode = int.TryParse(ReadText(dir, "numa_node", optional: true), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int node) && node >= 0 ? node : null,
                    RootComplex = f.RootComplex.ToLowerInvariant(),
                    Upstream = f.Upstream,
                    PortType = portTypes[f.Address] ?? PortTypeFromPlace(f.Upstream, ReadText(dir, "class")),
                    Bars = ReadBars(dir),
                    IommuGroup = LinkName(dir, "iommu_group") is string g && int.TryParse(g, NumberStyles.None, CultureInfo.InvariantCulture, out int group) ? group : null,
                    Sriov = File.Exists(Path.Combine(dir, "sriov_totalvfs"))
                        ? new HostSriov { TotalVfs = ReadInt(dir, "sriov_totalvfs"), NumVfs = ReadInt(dir, "sriov_numvfs") }
                        : null,
                    PhysicalFunction = HostTopologyIndex.Normalize(LinkName(dir, "physfn")),
                    Driver = LinkName(dir, "driver"),
                });
            }
            functions.Sort((a, b) => string.CompareOrdinal(a.Address, b.Address));

            var rootComplexes = functions.GroupBy(f => f.RootComplex).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
            {
                var m = RootComplexName().Match(g.Key);
                var nodes = g.Select(f => f.NumaNode).OfType<int>().Distinct().Order().ToList();
                return new HostRootComplex
                {
                    Id = g.Key,
                    Domain = int.Parse(m.Groups[1].Value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture),
                    Bus = int.Parse(m.Groups[2].Value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture),
                    NumaNode = nodes.Count > 0 ? nodes[0] : null,
                };
            }).ToList();

            return (new HostTopology
            {
                Source = $"sysfs {sysfsRoot}",
                NumaNodes = ReadNodes(sysfsRoot),
                RootComplexes = rootComplexes,
                Functions = functions,
            }, null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return (null, Error(ex.Message));
        }
    }

    private static PlanError Error(string message) => new() { Code = ErrorCodes.InvalidInput, Rule = "sysfs", Message = "cannot read the host topology: " + message };

    /// <summary>The real path of a sysfs entry, following its symlinks (sysfs trees copied elsewhere keep relative links).</summary>
    private static string RealPath(string path)
    {
        for (int guard = 0; guard < 40; guard++)
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is not string target)
            {
                string parent = Path.GetDirectoryName(path)!;
                return parent == path || string.IsNullOrEmpty(parent) ? path : Path.Combine(RealPath(parent), Path.GetFileName(path));
            }
            path = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, target));
        }
        throw new IOException($"too many symbolic links at {path}");
    }

    private static string? LinkName(string dir, string name)
    {
        var info = new FileInfo(Path.Combine(dir, name));
        return info.LinkTarget is string target ? Path.GetFileName(target.TrimEnd('/')) : null;
    }

    private static string ReadText(string dir, string name, bool optional = false)
    {
        string path = Path.Combine(dir, name);
        if (optional && !File.Exists(path)) return "";
        return File.ReadAllText(path).Trim();
    }

    private static int ReadInt(string dir, string name) =>
        int.TryParse(ReadText(dir, name, optional: true), NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : 0;

    /// <summary>A sysfs hex value (<c>0x030200</c>) with exactly <paramref name="digits"/> digits.</summary>
    private static string Hex(string text, int digits)
    {
        ulong v = ulong.Parse(text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        return "0x" + v.ToString("x" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    /// <summary>BARs 0-5 from <c>resource</c>: "start end flags" per line; unused BARs (and the upper halves of 64-bit ones) are all zero.</summary>
    private static List<HostBar> ReadBars(string dir)
    {
        var bars = new List<HostBar>();
        string path = Path.Combine(dir, "resource");
        if (!File.Exists(path)) return bars;
        var lines = File.ReadAllLines(path);
        for (int i = 0; i < Math.Min(6, lines.Length); i++)
        {
            var f = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 3) continue;
            ulong start = ParseHex(f[0]), end = ParseHex(f[1]), flags = ParseHex(f[2]);
            if ((flags & (IoResourceIo | IoResourceMem)) == 0 || end <= start && end == 0) continue;
            long size = checked((long)(end - start + 1));
            string kind = (flags & IoResourceIo) != 0 ? "io"
                : (flags & IoResourceMem64) != 0 ? ((flags & IoResourcePrefetch) != 0 ? "mem64pref" : "mem64")
                : (flags & IoResourcePrefetch) != 0 ? "mem32pref" : "mem32";
            bars.Add(new HostBar { Index = i, Size = size, Kind = kind, Flags = "0x" + flags.ToString("x", CultureInfo.InvariantCulture) });
        }
        return bars;
    }

    private static ulong ParseHex(string text) =>
        ulong.Parse(text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    /// <summary>
    /// The port type from config space: the PCI Express capability's device/port type; without one, a conventional PCI
    /// bridge (header type 1) or endpoint. Null when the capability list cannot be read (unprivileged reads see 64 bytes).
    /// </summary>
    internal static string? PortTypeFromConfig(string configPath)
    {
        if (!File.Exists(configPath)) return null;
        byte[] c;
        using (var s = File.OpenRead(configPath))
        {
            c = new byte[Math.Min(256, (int)Math.Min(s.Length, 256))];
            s.ReadExactly(c);
        }
        if (c.Length < 0x40) return null;
        bool bridge = (c[0x0e] & 0x7f) == 1;
        if ((c[0x06] & 0x10) == 0) return bridge ? HostPortTypes.PciBridge : HostPortTypes.PciEndpoint;
        int at = c[0x34] & 0xfc;
        for (int guard = 0; at >= 0x40 && guard < 48; guard++)
        {
            if (at + 3 >= c.Length) return null;  // the list goes on beyond what could be read
            if (c[at] == 0x10)
            {
                return (c[at + 2] >> 4) switch
                {
                    0 => HostPortTypes.Endpoint,
                    1 => HostPortTypes.LegacyEndpoint,
                    4 => HostPortTypes.RootPort,
                    5 => HostPortTypes.SwitchUpstreamPort,
                    6 => HostPortTypes.SwitchDownstreamPort,
                    7 => HostPortTypes.PcieToPciBridge,
                    8 => HostPortTypes.PciToPcieBridge,
                    9 => HostPortTypes.IntegratedEndpoint,
                    10 => HostPortTypes.EventCollector,
                    _ => bridge ? HostPortTypes.PciBridge : HostPortTypes.Endpoint,
                };
            }
            at = c[at + 1] & 0xfc;
        }
        return c.Length >= 256 ? (bridge ? HostPortTypes.PciBridge : HostPortTypes.PciEndpoint) : null;
    }

    /// <summary>
    /// The port type from the function's place when config space cannot tell: a bridge (class 0x0604) on the root bus is
    /// a root port, one below a root port or downstream port a switch upstream port, one below an upstream port a
    /// downstream port; anything else an endpoint (on the root bus: integrated).
    /// </summary>
    private static string PortTypeFromPlace(IReadOnlyList<string> upstream, string classText)
    {
        bool bridge = classText.StartsWith("0x0604", StringComparison.OrdinalIgnoreCase);
        if (!bridge) return upstream.Count == 0 ? HostPortTypes.IntegratedEndpoint : HostPortTypes.Endpoint;
        if (upstream.Count == 0) return HostPortTypes.RootPort;
        // Walk down from the root: root port, then alternately upstream and downstream ports.
        return upstream.Count % 2 == 1 ? HostPortTypes.SwitchUpstreamPort : HostPortTypes.SwitchDownstreamPort;
    }

    /// <summary>The NUMA nodes of <c>devices/system/node</c>: CPUs from <c>cpulist</c>, memory from <c>meminfo</c>.</summary>
    private static List<HostNumaNode> ReadNodes(string sysfsRoot)
    {
        string dir = Path.Combine(sysfsRoot, "devices", "system", "node");
        var nodes = new List<HostNumaNode>();
        if (!Directory.Exists(dir)) return nodes;
        foreach (string nodeDir in Directory.EnumerateDirectories(dir, "node*"))
        {
            if (!int.TryParse(Path.GetFileName(nodeDir)[4..], NumberStyles.None, CultureInfo.InvariantCulture, out int id)) continue;
            long? memory = null;
            string meminfo = Path.Combine(nodeDir, "meminfo");
            if (File.Exists(meminfo))
            {
                foreach (string line in File.ReadLines(meminfo))
                {
                    var m = Regex.Match(line, @"MemTotal:\s+(\d+)\s*kB", RegexOptions.CultureInvariant);
                    if (m.Success) memory = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) / 1024;
                }
            }
            nodes.Add(new HostNumaNode { Id = id, Cpus = ReadText(nodeDir, "cpulist", optional: true), MemoryMiB = memory });
        }
        return nodes.OrderBy(n => n.Id).ToList();
    }
}
