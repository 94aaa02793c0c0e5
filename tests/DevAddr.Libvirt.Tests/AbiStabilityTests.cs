using System.Globalization;
using System.Xml.Linq;
using DevAddr.Core.Model;
using DevAddr.Libvirt.Tests.Oracle;
using DevAddr.Solver;
using Xunit.Abstractions;

namespace DevAddr.Libvirt.Tests;

/// <summary>
/// ABI stability over edit sequences: a guest is planned, then edited step by step (devices added and
/// removed, tunables changed) on top of its current definition, whose addresses are the prior layout.
/// No device or controller that stays may move, and every step's plan must be accepted by live libvirt as is.
/// </summary>
public sealed class AbiStabilityTests(ITestOutputHelper output)
{
    private static int Sequences => Environment.GetEnvironmentVariable("DEVADDR_LONG") == "1" ? 1000 : 100;
    private const int Steps = 10;

    /// <summary>The identity of a device that survives edits, and its address as text.</summary>
    internal static Dictionary<string, string> Addresses(XDocument doc)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var el in doc.Root!.Element("devices")!.Elements())
        {
            string? key = el.Name.LocalName switch
            {
                "controller" => $"controller/{el.Attribute("type")?.Value}/{el.Attribute("index")?.Value}",
                "disk" => "disk/" + el.Element("target")?.Attribute("dev")?.Value,
                "interface" => "interface/" + el.Element("mac")?.Attribute("address")?.Value,
                "channel" => "channel/" + el.Element("target")?.Attribute("name")?.Value,
                "memballoon" or "rng" or "watchdog" or "vsock" or "iommu" => el.Name.LocalName,
                _ => null,
            };
            if (key is null || result.ContainsKey(key)) continue;
            var a = el.Element("address");
            if (a is null) continue;
            result[key] = string.Join(" ", a.Attributes().Where(x => x.Name.LocalName != "multifunction")
                .OrderBy(x => x.Name.LocalName, StringComparer.Ordinal)
                .Select(x => $"{x.Name.LocalName}={DomainXml.ParseIntOrText(x.Value)}"));
        }
        return result;
    }

    private static XElement RandomDevice(SplitMix64 rng, string machine, ref int serial)
    {
        serial++;
        string n = serial.ToString(CultureInfo.InvariantCulture);
        string mac = $"52:54:00:aa:{serial / 256:x2}:{serial % 256:x2}";
        return rng.Below(machine == "pc" ? 6 : 7) switch
        {
            0 => XElement.Parse($"<interface type='user'><mac address='{mac}'/><model type='virtio'/></interface>"),
            1 => XElement.Parse($"<interface type='user'><mac address='{mac}'/><model type='{(machine == "virt" ? "e1000e" : rng.Pick("e1000", "rtl8139", "e1000e"))}'/></interface>"),
            2 => XElement.Parse($"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/var/lib/images/e{n}.img'/><target dev='vdz{Letters(serial)}' bus='virtio'/></disk>"),
            3 => XElement.Parse($"<channel type='unix'><target type='virtio' name='org.example.edit{n}'/></channel>"),
            4 => XElement.Parse("<input type='tablet' bus='usb'/>"),
            5 => XElement.Parse($"<interface type='bridge'><mac address='{mac}'/><source bridge='br0'/><model type='virtio'/></interface>"),
            _ => XElement.Parse("<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"),
        };
    }

    private static string Letters(int n)
    {
        string s = "";
        do { s = (char)('a' + n % 26) + s; n /= 26; } while (n > 0);
        return s;
    }

    private static PolicySpec RandomPolicy(SplitMix64 rng)
    {
        if (rng.Chance(0.3)) return new PolicySpec();
        return new PolicySpec
        {
            Name = PolicySpec.Optimize,
            Tunables = new Tunables
            {
                HotplugReserve = rng.Chance(0.6) ? new Tunable<int> { Value = rng.Between(0, 6), Mode = TunableModes.Prefer, Weight = 10 } : null,
                OccupiedPortHotplug = rng.Chance(0.2) ? false : null,
            },
        };
    }

    [LibvirtOracleFact]
    public void EditSequences_NoMovesAllowed_NothingMovesAndLibvirtAcceptsEveryStep()
    {
        LibvirtOracleFactAttribute.RequireOracle();
        using var work = new TempDirectory();
        string input = work.Sub("input"), ours = work.Sub("ours"), libvirt = work.Sub("libvirt");
        CaseGenerator.WriteDirectory(input, 9301, Sequences, CaseProfile.Dev);
        int plans = 0, moved = 0, kept = 0, refused = 0, sequences = 0;
        var failures = new List<string>();
        foreach (var file in Directory.GetFiles(input, "*.xml").Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileNameWithoutExtension(file);
            var rng = new SplitMix64(0x5EED0000UL + (ulong)sequences);
            var (xml, error) = LibvirtExpander.Expand(File.ReadAllText(file), Oracle90.Pin(RandomPolicy(rng)), r => OptimizingPlanner.Plan(r));
            if (xml is null) { refused++; continue; }
            sequences++;
            string machine = name.Split('-')[^1];
            int serial = 0;
            for (int step = 0; step < Steps; step++)
            {
                var doc = XDocument.Parse(xml);
                var before = Addresses(doc);
                var devices = doc.Root!.Element("devices")!;
                var removable = devices.Elements().Where(e => e.Name.LocalName is "interface" or "channel"
                    || (e.Name.LocalName == "disk" && e.Element("target")?.Attribute("bus")?.Value is "virtio" or "scsi")).ToList();
                if (removable.Count > 0 && rng.Chance(0.35))
                    removable[rng.Below(removable.Count)].Remove();
                else
                    for (int k = rng.Between(1, 3); k > 0; k--) devices.Add(RandomDevice(rng, machine, ref serial));
                var policy = RandomPolicy(rng);
                var (next, err) = LibvirtExpander.Expand(doc.ToString(), Oracle90.Pin(policy), r => OptimizingPlanner.Plan(r));
                if (next is null)
                {
                    // An edit the guest cannot take (e.g. no USB port left): the step is refused, nothing changes.
                    refused++;
                    continue;
                }
                var after = Addresses(XDocument.Parse(next));
                foreach (var (key, address) in before)
                {
                    if (!after.TryGetValue(key, out var now)) continue;
                    if (now == address) kept++;
                    else { moved++; failures.Add($"{name} step {step}: {key} moved from {address} to {now}"); }
                }
                File.WriteAllText(Path.Combine(ours, $"{name}-step{step:D2}.xml"), next);
                plans++;
                xml = next;
            }
        }

        LibvirtOracle.ExpandDirectory(ours, libvirt);
        var report = DomainComparer.CompareDirectories(ours, libvirt);
        ReportWriter.Note(output, $"{sequences} sequences x {Steps} steps: {plans} plans, {kept} device addresses kept, {moved} moved, {refused} refused edits");
        ReportWriter.Publish(output, $"ABI stability: every step's plan re-expanded by live libvirt ({plans} plans)", report);
        Assert.True(moved == 0, string.Join("\n", failures.Take(10)));
        Assert.Equal(0, report.Failed);
        Assert.True(plans >= sequences * Steps * 8 / 10, $"only {plans} plans in {sequences} sequences");
    }

    [LibvirtOracleFact]
    public void LibvirtMadeLayouts_DevicesAdded_EveryLibvirtAddressKept()
    {
        LibvirtOracleFactAttribute.RequireOracle();
        using var work = new TempDirectory();
        string ours = work.Sub("ours"), libvirt = work.Sub("libvirt");
        string expectedDir = Path.Combine(RepoPaths.Root, "fixtures", "conformance", "libvirt-9.0", "expected");
        int layouts = 0, kept = 0, moved = 0, refused = 0, serial = 0;
        var failures = new List<string>();
        var reasons = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(expectedDir, "*.xml").Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileNameWithoutExtension(file);
            var rng = new SplitMix64(0xAB1UL + (ulong)layouts + (ulong)refused * 131);
            var doc = XDocument.Parse(File.ReadAllText(file));
            var before = Addresses(doc);
            var devices = doc.Root!.Element("devices")!;
            for (int k = rng.Between(1, 3); k > 0; k--) devices.Add(RandomDevice(rng, name.Split('-')[^1], ref serial));
            var policy = RandomPolicy(rng);
            var (next, why) = LibvirtExpander.Expand(doc.ToString(), Oracle90.Pin(policy), r => OptimizingPlanner.Plan(r));
            if (next is null)
            {
                refused++;
                string reason = why!.Length > 60 ? why[..60] : why;
                reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
                continue;
            }
            var after = Addresses(XDocument.Parse(next));
            foreach (var (key, address) in before)
            {
                if (!after.TryGetValue(key, out var now)) { moved++; failures.Add($"{name}: {key} disappeared"); continue; }
                if (now == address) kept++;
                else { moved++; failures.Add($"{name}: {key} moved from {address} to {now}"); }
            }
            File.WriteAllText(Path.Combine(ours, name + ".xml"), next);
            layouts++;
        }
        LibvirtOracle.ExpandDirectory(ours, libvirt);
        var report = DomainComparer.CompareDirectories(ours, libvirt);
        ReportWriter.Note(output, $"{layouts} libvirt-made layouts extended: {kept} libvirt addresses kept, {moved} moved, {refused} refused edits ({string.Join("; ", reasons.Select(kv => $"{kv.Value}x {kv.Key}"))})");
        ReportWriter.Publish(output, $"libvirt-made prior layouts plus new devices, re-expanded by live libvirt ({layouts} plans)", report);
        Assert.True(moved == 0, string.Join("\n", failures.Take(10)));
        Assert.Equal(0, report.Failed);
        // The only edits a libvirt-made layout may refuse: USB devices on a guest without USB or without a free port
        // (with <controller type='usb' model='none'/> libvirt refuses USB inputs, host devices and hubs already
        // when parsing: "Can't add USB input device. USB bus is disabled", ...).
        Assert.All(reasons.Keys, r => Assert.True(r.StartsWith("USB is disabled", StringComparison.Ordinal) || r.StartsWith("No free USB ports", StringComparison.Ordinal)
            || r.StartsWith("Can't add USB", StringComparison.Ordinal) || r.StartsWith("Can't add host USB", StringComparison.Ordinal), r));
        Assert.True(layouts >= 400, $"only {layouts} layouts planned");
    }
}
