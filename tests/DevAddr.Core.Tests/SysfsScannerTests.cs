using System.Diagnostics;
using System.Globalization;
using DevAddr.Core.Host;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using Xunit.Abstractions;

namespace DevAddr.Core.Tests;

/// <summary>
/// <c>devaddr host scan</c>'s reader (<see cref="SysfsScanner"/>): on the synthetic sysfs trees of fixtures/sysfs (each
/// the tree of its host.json), on the real-host fixtures written as trees, and on this machine's /sys; compared with the
/// documents and with what lspci (pciutils) reads from the same trees.
/// </summary>
public sealed class SysfsScannerTests(ITestOutputHelper output)
{
    private static string SysfsFixtures => Path.Combine(RepoPaths.Root, "fixtures", "sysfs");

    /// <summary>Synthetic trees and the config space bytes their functions show (64: an unprivileged read).</summary>
    private static readonly Dictionary<string, int> s_configBytes = new(StringComparer.Ordinal)
    {
        ["gpu-switch-sriov"] = 256,
        ["two-domains-unprivileged"] = 64,
    };

    public static TheoryData<string> SyntheticTrees() => new(s_configBytes.Keys.Order(StringComparer.Ordinal));

    public static TheoryData<string> RealHosts() => new("dgx-h100", "gb200", "xe8640");

    private static HostTopology ReadDocument(string path)
    {
        var (topology, error) = PlanJson.ReadHostTopology(File.ReadAllText(path));
        Assert.Null(error);
        return topology!;
    }

    /// <summary>A document as text without what a scan cannot know or adds (the source, the kernel's BAR flags).</summary>
    private static string Comparable(HostTopology t) => PlanJson.Serialize(t with
    {
        Source = null,
        Functions = t.Functions.Select(f => f with { Bars = f.Bars.Select(b => b with { Flags = null }).ToList() }).ToList(),
    });

    private static HostTopology ScanOk(string root)
    {
        var (topology, error) = SysfsScanner.Scan(root);
        Assert.True(error is null, error?.Message);
        Assert.Null(HostTopologyIndex.Create(topology!).Error);
        return topology!;
    }

    [Theory]
    [MemberData(nameof(SyntheticTrees))]
    public void SyntheticTree_IsTheTreeOfItsDocument(string name)
    {
        string committed = Path.Combine(SysfsFixtures, name, "sys");
        using var temp = new TempDirectory();
        SysfsTreeWriter.Write(ReadDocument(Path.Combine(SysfsFixtures, name, "host.json")), temp.Path, s_configBytes[name]);
        if (Environment.GetEnvironmentVariable("DEVADDR_WRITE_SYSFS_FIXTURES") == "1")
        {
            if (Directory.Exists(committed)) Directory.Delete(committed, recursive: true);
            SysfsTreeWriter.Write(ReadDocument(Path.Combine(SysfsFixtures, name, "host.json")), committed, s_configBytes[name]);
        }
        Assert.Equal(Listing(temp.Path), Listing(committed));
        // git keeps no empty directory: a tree with one would not come out of a clone as written.
        var written = Listing(temp.Path);
        Assert.DoesNotContain(written, e => e.EndsWith('/') && !written.Any(o => o != e && o.StartsWith(e, StringComparison.Ordinal)));
    }

    /// <summary>Every entry of a tree, without following its links: path, and a link's target or a file's bytes (as hex).</summary>
    private static List<string> Listing(string root)
    {
        var lines = new List<string>();
        void Walk(string dir)
        {
            foreach (string p in Directory.EnumerateFileSystemEntries(dir))
            {
                string rel = Path.GetRelativePath(root, p);
                var info = new FileInfo(p);
                if (info.LinkTarget is string target) lines.Add($"{rel} -> {target}");
                else if (File.Exists(p)) lines.Add($"{rel}: {Convert.ToHexString(File.ReadAllBytes(p))}");
                else
                {
                    lines.Add(rel + "/");
                    Walk(p);
                }
            }
        }
        Walk(root);
        return lines.Order(StringComparer.Ordinal).ToList();
    }

    [Theory]
    [MemberData(nameof(SyntheticTrees))]
    public void Scan_SyntheticTree_GivesItsDocument(string name)
    {
        var scanned = ScanOk(Path.Combine(SysfsFixtures, name, "sys"));

        Assert.Equal(Comparable(ReadDocument(Path.Combine(SysfsFixtures, name, "host.json"))), Comparable(scanned));
        Assert.All(scanned.Functions.SelectMany(f => f.Bars), b => Assert.Equal("0x" + SysfsTreeWriter.FlagsOf(b.Kind).ToString("x", CultureInfo.InvariantCulture), b.Flags));
    }

    [Theory]
    [MemberData(nameof(RealHosts))]
    public void Scan_RealHostWrittenAsSysfs_GivesItsDocument(string host)
    {
        var document = ReadDocument(Path.Combine(RepoPaths.Root, "fixtures", "hosts", host, "host.json"));
        using var temp = new TempDirectory();
        SysfsTreeWriter.Write(document, temp.Path);

        Assert.Equal(Comparable(document), Comparable(ScanOk(temp.Path)));
    }

    [Fact]
    public void Scan_ThisMachine_EveryFunctionOfSysfs()
    {
        if (!Directory.Exists("/sys/bus/pci/devices")) return;  // not Linux, or no PCI
        var scanned = ScanOk("/sys");
        var listed = Directory.EnumerateFileSystemEntries("/sys/bus/pci/devices").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(listed, scanned.Functions.Select(f => f.Address));
        foreach (var f in scanned.Functions)
            Assert.Equal(File.ReadAllText($"/sys/bus/pci/devices/{f.Address}/vendor").Trim(), f.Vendor);
        output.WriteLine($"/sys: {scanned.Functions.Count} functions, {scanned.RootComplexes.Count} root complexes, {scanned.NumaNodes.Count} NUMA nodes");
    }

    public static TheoryData<string> LspciTrees()
    {
        var data = new TheoryData<string>();
        foreach (string name in s_configBytes.Keys.Order(StringComparer.Ordinal)) data.Add(name);
        foreach (string host in new[] { "dgx-h100", "gb200", "xe8640" }) data.Add("hosts/" + host);
        data.Add("/sys");
        return data;
    }

    [LspciTheory]
    [MemberData(nameof(LspciTrees))]
    public void Scan_ComparedWithLspci_SameFunctionsTreeNodesAndGroups(string tree)
    {
        Lspci.Require();
        using var temp = new TempDirectory();
        string root = tree.StartsWith('/') ? tree : Path.Combine(SysfsFixtures, tree, "sys");
        if (tree.StartsWith("hosts/", StringComparison.Ordinal))
        {
            SysfsTreeWriter.Write(ReadDocument(Path.Combine(RepoPaths.Root, "fixtures", tree, "host.json")), temp.Path);
            root = temp.Path;
        }
        if (!Directory.Exists(Path.Combine(root, "bus", "pci", "devices"))) return;
        var scanned = ScanOk(root);
        var records = Lspci.Records(root);

        Assert.Equal(records.Keys.Order(StringComparer.Ordinal), scanned.Functions.Select(f => f.Address));
        foreach (var f in scanned.Functions)
        {
            var r = records[f.Address];
            Assert.Equal(f.Class[2..], (r["Class"] + r.GetValueOrDefault("ProgIf", "00")).ToLowerInvariant());
            Assert.Equal(f.Vendor[2..], r["Vendor"]);
            Assert.Equal(f.Device[2..], r["Device"]);
            // lspci -PP: the path through each bridge, e.g. 0000:00:01.0/01:00.0/02:00.0/03:00.0.
            var path = r["Slot"].Split('/');
            Assert.Equal(f.Upstream.Select(u => HostTopologyIndex.Normalize(u)![5..]), path[..^1].Select(p => p.Length > 7 ? p[5..] : p));
            Assert.Equal(f.NumaNode?.ToString(CultureInfo.InvariantCulture), r.GetValueOrDefault("NUMANode"));
            Assert.Equal(f.IommuGroup?.ToString(CultureInfo.InvariantCulture), r.GetValueOrDefault("IOMMUGroup"));
        }
        // lspci -t: one tree per root bus, the same as the scan's root complexes.
        var roots = Lspci.TreeRoots(root).Order(StringComparer.Ordinal).ToList();
        Assert.True(scanned.RootComplexes.Select(rc => string.Create(CultureInfo.InvariantCulture, $"{rc.Domain:x4}:{rc.Bus:x2}")).Order(StringComparer.Ordinal).SequenceEqual(roots),
            $"lspci -t roots {string.Join(", ", roots)}:\n{Lspci.Tree(root)}");
        output.WriteLine($"{tree}: {scanned.Functions.Count} functions, {scanned.RootComplexes.Count} root complexes agree with lspci");
    }

    [Fact]
    public void Scan_NoPciDevicesDirectory_ErrorNamingIt()
    {
        using var temp = new TempDirectory();
        var (topology, error) = SysfsScanner.Scan(temp.Path);
        Assert.Null(topology);
        Assert.Equal(("invalid-input", "sysfs"), (error!.Code, error.Rule));
        Assert.Contains(Path.Combine(temp.Path, "bus", "pci", "devices") + " does not exist", error.Message);
    }

    [Fact]
    public void Scan_FunctionOutsideAnyRootComplex_ErrorNamingIt()
    {
        using var temp = new TempDirectory();
        string devices = Directory.CreateDirectory(Path.Combine(temp.Path, "bus", "pci", "devices")).FullName;
        string stray = Directory.CreateDirectory(Path.Combine(temp.Path, "devices", "platform", "0000:00:01.0")).FullName;
        File.CreateSymbolicLink(Path.Combine(devices, "0000:00:01.0"), stray);
        var (_, error) = SysfsScanner.Scan(temp.Path);
        Assert.Contains("has no pciDDDD:BB root complex", error!.Message);
    }
}

/// <summary>lspci (pciutils) reading a sysfs tree.</summary>
internal static class Lspci
{
    public const string UnavailableMessage = "lspci (pciutils) is not installed; run tools/oracle/install-libvirt.sh";

    public static bool IsAvailable { get; } = File.Exists("/usr/bin/lspci");

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static void Require()
    {
        if (!IsAvailable) Assert.Fail(UnavailableMessage);
    }

    /// <summary><c>lspci -PP -D -n -vmm</c>: one record per function, by address.</summary>
    public static Dictionary<string, Dictionary<string, string>> Records(string sysfsRoot)
    {
        var records = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (string block in Run(sysfsRoot, "-PP", "-D", "-n", "-vmm").Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var r = block.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(":\t", 2)).Where(p => p.Length == 2)
                .ToDictionary(p => p[0], p => p[1].Trim(), StringComparer.Ordinal);
            string last = r["Slot"].Split('/')[^1];
            string address = last.Length > 7 ? last : r["Slot"].Split('/')[0][..5] + last;
            records[HostTopologyIndex.Normalize(address)!] = r;
        }
        return records;
    }

    /// <summary>
    /// The root buses of <c>lspci -t -D</c> that hold devices (<c>+-[0000:26]---01.0</c>, <c>-[0000:00]-+-00.0</c>), as
    /// <c>dddd:bb</c>; lspci also shows an empty bus 0 of domain 0 (<c>-+-[0000:00]-</c>) when nothing sits there.
    /// </summary>
    public static IEnumerable<string> TreeRoots(string sysfsRoot) =>
        System.Text.RegularExpressions.Regex.Matches(Tree(sysfsRoot), @"\[([0-9a-f]{4}:[0-9a-f]{2})\]-[-+]-")
            .Select(m => m.Groups[1].Value).Distinct();

    /// <summary><c>lspci -t -D</c>.</summary>
    public static string Tree(string sysfsRoot) => Run(sysfsRoot, "-t", "-D");

    private static string Run(string sysfsRoot, params string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/lspci") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) start.ArgumentList.Add(a);
        start.ArgumentList.Add("-A");
        start.ArgumentList.Add("linux-sysfs");
        start.ArgumentList.Add("-O");
        start.ArgumentList.Add("sysfs.path=" + Path.Combine(sysfsRoot, "bus", "pci"));
        using var p = Process.Start(start)!;
        string stdout = p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"lspci {string.Join(' ', args)} exited with {p.ExitCode}");
        return stdout.Replace("\r", "", StringComparison.Ordinal);
    }
}

/// <summary>A theory that needs lspci: skipped without it, except in CI (<c>CI=true</c>), where it fails.</summary>
public sealed class LspciTheoryAttribute : TheoryAttribute
{
    public LspciTheoryAttribute()
    {
        if (!Lspci.IsAvailable && !Lspci.IsCi) Skip = Lspci.UnavailableMessage + " (set CI=true to make this a failure)";
    }
}
