using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using DevAddr.Libvirt.Tests.Oracle;
using Xunit.Abstractions;

namespace DevAddr.Libvirt.Tests;

/// <summary>
/// <see cref="DomainComparer"/> against the team's reference <c>compare</c> script (../shared/oracle beside the
/// repository): both score the same deliberately perturbed copies of the expected outputs of the corpus and of
/// the arches corpus.
/// </summary>
public sealed partial class DomainComparerTests(ITestOutputHelper output)
{
    private const string UnreadablePrefix = "    unreadable output XML: ";

    /// <summary>Ways to spoil (or harmlessly change) an expected plan; each case gets one, in turn.</summary>
    private static readonly Perturbation[] PlanPerturbations =
    [
        new("identical", (xml, _) => Output.Plan(xml)),
        new("hex numbers as decimal", (xml, _) => Output.Plan(Regex.Replace(xml, "'0x([0-9a-fA-F]+)'", m => "'" + Convert.ToInt64(m.Groups[1].Value, 16).ToString(CultureInfo.InvariantCulture) + "'"))),
        new("zeros spelt 00 and 0_0", (xml, _) => Output.Plan(xml.Replace("'0x00'", "'00'", StringComparison.Ordinal).Replace("'0x0000'", "'0_0'", StringComparison.Ordinal))),
        new("0x01 spelt 01", (xml, _) => Output.Plan(ReplaceFirst(xml, "'0x01'", "'01'"))),
        new("signs and spaces", (xml, _) => Output.Plan(xml.Replace("slot='0x02'", "slot=' +2 '", StringComparison.Ordinal))),
        new("upper-case MACs", (xml, _) => Output.Plan(Regex.Replace(xml, "address='(52:54:[0-9a-f:]+)'", m => $"address='{m.Groups[1].Value.ToUpperInvariant()}'"))),
        new("truncated", (xml, _) => Output.Plan(xml[..(xml.Length / 2)])),
        new("a PCI slot moved", (xml, rng) => EditDevices(xml, devices =>
        {
            var pci = devices.Elements().Select(d => d.Element("address")).OfType<XElement>().Where(a => (string?)a.Attribute("type") == "pci").ToList();
            if (pci.Count > 0)
            {
                var a = rng.PickFrom(pci);
                a.SetAttributeValue("slot", $"0x{(Convert.ToInt32((string?)a.Attribute("slot"), 16) + 1) % 32:x2}");
            }
        })),
        new("a device removed", (xml, rng) => EditDevices(xml, devices => rng.PickFrom(devices.Elements().ToList()).Remove())),
        new("a device twice", (xml, rng) => EditDevices(xml, devices =>
        {
            var d = rng.PickFrom(devices.Elements().ToList());
            d.AddAfterSelf(new XElement(d));
        })),
        new("devices reversed", (xml, _) => EditDevices(xml, devices => devices.ReplaceNodes(devices.Elements().Reverse().ToList()))),
        new("a controller target changed", (xml, rng) => EditDevices(xml, devices =>
        {
            var targets = devices.Elements("controller").Select(c => c.Element("target")).OfType<XElement>().ToList();
            if (targets.Count > 0)
            {
                rng.PickFrom(targets).SetAttributeValue("hotplug", "off");
            }
        })),
        new("controller model names dropped", (xml, _) => EditDevices(xml, devices => devices.Elements("controller").Elements("model").Remove())),
        new("disk buses changed", (xml, _) => EditDevices(xml, devices =>
        {
            foreach (var t in devices.Elements("disk").Elements("target"))
            {
                t.SetAttributeValue("bus", "usb");
            }
        })),
        new("uncompared content changed", (xml, _) => EditDevices(xml, devices =>
        {
            devices.Parent!.Element("memory")?.SetValue("1");
            devices.Element("emulator")?.SetValue("/opt/qemu");
            devices.AddFirst(new XComment(" a comment "), new XElement("graphics", new XAttribute("type", "vnc")));
            devices.Add(new XElement("audio", new XAttribute("id", "9"), new XAttribute("type", "none")));
            foreach (var m in devices.Elements("interface").Elements("model"))
            {
                m.AddAfterSelf(new XElement("driver", new XAttribute("queues", "4")));
            }
        })),
        new("a namespaced address attribute", (xml, _) => EditDevices(xml, devices =>
            devices.Descendants("address").FirstOrDefault()?.SetAttributeValue(XName.Get("tag", "urn:devaddr:test"), "1"))),
        new("USB addresses dropped", (xml, _) => EditDevices(xml, devices =>
            devices.Elements().Elements("address").Where(a => (string?)a.Attribute("type") == "usb").Remove())),
        new("comments inside NUMA nodes", (xml, _) => EditDevices(xml, devices =>
        {
            foreach (var node in devices.Descendants("node"))
            {
                node.Add(new XComment("n"));
            }
        })),
        new("re-indented", (xml, _) => Output.Plan(XDocument.Parse(xml).ToString())),
        new("an error instead", (_, _) => Output.Error("internal error: made up\n")),
        new("nothing", (_, _) => Output.Nothing),
    ];

    /// <summary>
    /// What the other architectures add: spapr-vio, CCW and virtio-mmio addresses, zPCI ids and PCI host bridges.
    /// Each applies only to plans holding <see cref="Perturbation.Needs"/>.
    /// </summary>
    private static readonly Perturbation[] ArchesPlanPerturbations =
    [
        new("spapr-vio regs in decimal", (xml, _) => Output.Plan(Regex.Replace(xml, "reg='0x([0-9a-fA-F]+)'", m => "reg='" + Convert.ToInt64(m.Groups[1].Value, 16).ToString(CultureInfo.InvariantCulture) + "'")), "type='spapr-vio'"),
        new("a spapr-vio reg moved", (xml, rng) => EditAddress(xml, rng, "spapr-vio", a => a.SetAttributeValue("reg", $"0x{Convert.ToInt32((string?)a.Attribute("reg"), 16) + 0x1000:x}")), "type='spapr-vio'"),
        new("a spapr-vio reg spelt 0X and upper case", (xml, rng) => EditAddress(xml, rng, "spapr-vio", a => a.SetAttributeValue("reg", "0X" + ((string?)a.Attribute("reg"))![2..].ToUpperInvariant())), "type='spapr-vio'"),
        new("a CCW devno moved", (xml, rng) => EditAddress(xml, rng, "ccw", a => a.SetAttributeValue("devno", $"0x{(Convert.ToInt32((string?)a.Attribute("devno"), 16) + 1) % 0x10000:x4}")), "type='ccw'"),
        new("CCW cssid and ssid in decimal", (xml, _) => Output.Plan(xml.Replace("cssid='0xfe' ssid='0x0'", "cssid='254' ssid='0'", StringComparison.Ordinal)), "type='ccw'"),
        new("two CCW devnos swapped", (xml, rng) => EditDevices(xml, devices =>
        {
            var ccw = Addresses(devices, "ccw");
            if (ccw.Count >= 2)
            {
                var a = rng.PickFrom(ccw);
                var b = rng.PickFrom(ccw.Where(x => x != a).ToList());
                (string? da, string? db) = ((string?)a.Attribute("devno"), (string?)b.Attribute("devno"));
                a.SetAttributeValue("devno", db);
                b.SetAttributeValue("devno", da);
            }
        }), "type='ccw'"),
        new("a CCW address in another subchannel set", (xml, rng) => EditAddress(xml, rng, "ccw", a => a.SetAttributeValue("ssid", "0x1")), "type='ccw'"),
        new("a virtio-mmio address turned PCI", (xml, rng) => EditAddress(xml, rng, "virtio-mmio", a => a.SetAttributeValue("type", "pci")), "type='virtio-mmio'"),
        new("virtio-mmio addresses dropped", (xml, _) => EditDevices(xml, devices => Addresses(devices, "virtio-mmio").Remove()), "type='virtio-mmio'"),
        new("zPCI ids changed (not compared)", (xml, _) => EditDevices(xml, devices =>
        {
            foreach (var zpci in devices.Descendants("zpci"))
            {
                zpci.SetAttributeValue("uid", "0x7777");
                zpci.SetAttributeValue("fid", "0x00000777");
            }
        }), "<zpci"),
        new("zPCI ids in decimal", (xml, _) => Output.Plan(Regex.Replace(xml, "(uid|fid)='0x([0-9a-fA-F]+)'", m => m.Groups[1].Value + "='" + Convert.ToInt64(m.Groups[2].Value, 16).ToString(CultureInfo.InvariantCulture) + "'")), "<zpci"),
        new("a PCI host bridge's target index changed", (xml, rng) => EditDevices(xml, devices =>
        {
            var target = rng.PickFrom(HostBridges(devices).Select(c => c.Element("target")).OfType<XElement>().ToList());
            target.SetAttributeValue("index", ((int?)target.Attribute("index") ?? 0) + 1);
        }), "spapr-pci-host-bridge"),
        new("a PCI host bridge's target index in hex", (xml, _) => Output.Plan(Regex.Replace(xml, "<target index='([0-9]+)'", m => $"<target index='0x{int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture):x}'")), "spapr-pci-host-bridge"),
        new("a PCI host bridge's NUMA node changed", (xml, rng) => EditDevices(xml, devices =>
        {
            var target = rng.PickFrom(HostBridges(devices).Select(c => c.Element("target")).OfType<XElement>().ToList());
            target.SetElementValue("node", target.Element("node") is { } node ? ((int)node + 1).ToString(CultureInfo.InvariantCulture) : "0");
        }), "spapr-pci-host-bridge"),
        new("PCI host bridge model names changed", (xml, _) => Output.Plan(xml.Replace("<model name='spapr-pci-host-bridge'/>", "<model name='pci-host-bridge'/>", StringComparison.Ordinal)), "spapr-pci-host-bridge"),
    ];

    [SharedCompareFact]
    public void CompareDirectories_PerturbedCorpusOutputs_SameReportAsSharedCompareScript() =>
        CrossCheck("corpus", RepoPaths.CorpusExpected, PlanPerturbations, 20250101);

    [SharedCompareFact]
    public void CompareDirectories_PerturbedArchesCorpusOutputs_SameReportAsSharedCompareScript() =>
        CrossCheck("arches corpus", RepoPaths.ArchesCorpusExpected, [.. ArchesPlanPerturbations, .. PlanPerturbations], 20250113);

    /// <summary>
    /// Writes one perturbed output per case of <paramref name="expected"/> (plans get the perturbations that apply to
    /// them in turn; errors become another error, a plan or nothing), scores them with the
    /// shared script and with <see cref="DomainComparer"/>, and requires the same report.
    /// </summary>
    private void CrossCheck(string corpus, string expected, Perturbation[] perturbations, ulong seed)
    {
        using var dirs = new TempDirectory();
        string actual = dirs.Sub("actual");
        string anyPlan = File.ReadAllText(Directory.EnumerateFiles(expected, "*.xml").Order(StringComparer.Ordinal).First());
        var names = Directory.EnumerateFiles(expected).Select(Path.GetFileNameWithoutExtension).OfType<string>()
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var rng = new SplitMix64(seed);
        var applied = new Dictionary<string, int>(StringComparer.Ordinal);
        var turns = new Dictionary<string, int>(StringComparer.Ordinal);
        int errorCases = 0;
        foreach (var name in names)
        {
            string xmlPath = Path.Combine(expected, name + ".xml");
            Output result;
            if (File.Exists(xmlPath))
            {
                string xml = File.ReadAllText(xmlPath);
                var applicable = perturbations.Where(p => p.AppliesTo(xml)).ToList(); // the unconditional ones always apply
                string kind = string.Join('|', applicable.Select(p => p.Name)); // plans with the same choice take turns
                int turn = turns[kind] = turns.GetValueOrDefault(kind, -1) + 1;
                var perturbation = applicable[turn % applicable.Count];
                applied[perturbation.Name] = applied.GetValueOrDefault(perturbation.Name) + 1;
                result = perturbation.Apply(xml, rng);
            }
            else
            {
                result = (errorCases++ % 3) switch
                {
                    0 => Output.Error("some other message\n"),
                    1 => Output.Plan(anyPlan),
                    _ => Output.Nothing,
                };
            }

            result.WriteTo(actual, name);
        }

        var reference = ProcessRunner.Run(LibvirtOracle.Python, [RepoPaths.SharedCompare, expected, actual], TimeSpan.FromMinutes(2));
        var ours = DomainComparer.CompareDirectories(expected, actual);
        string referenceText = reference.StandardOutput;
        ReportWriter.Note(output, $"comparer cross-check on {names.Count} perturbed {corpus} outputs: shared compare says {LastLine(referenceText)}; DomainComparer says {ours.Summary}");

        Assert.True(reference.ExitCode is 0 or 1, $"compare failed: {reference.StandardError}");
        var unused = perturbations.Select(p => p.Name).Where(n => !applied.ContainsKey(n)).ToList();
        Assert.True(unused.Count == 0, "perturbations that found no case: " + string.Join(", ", unused));
        Assert.Equal(Verdicts(referenceText), ours.Cases.Select(c => $"{(c.Passed ? "PASS" : "FAIL")} {c.Name}").ToList());
        Assert.InRange(ours.Passed, names.Count / 5, names.Count - (names.Count / 5)); // the perturbations bite both ways
        Assert.Equal(MaskParserMessages(referenceText), MaskParserMessages(ours.Format()));
    }

    private static List<string> Verdicts(string report) =>
        report.Split('\n').Where(l => l.StartsWith("PASS ", StringComparison.Ordinal) || l.StartsWith("FAIL ", StringComparison.Ordinal)).ToList();

    /// <summary>XML parsers word their errors differently; everything else must match to the character.</summary>
    private static string MaskParserMessages(string report) =>
        string.Join('\n', report.Split('\n').Select(l => l.StartsWith(UnreadablePrefix, StringComparison.Ordinal) ? UnreadablePrefix + "…" : l));

    private static string LastLine(string text) => text.TrimEnd('\n').Split('\n')[^1];

    private static string ReplaceFirst(string text, string from, string to)
    {
        int at = text.IndexOf(from, StringComparison.Ordinal);
        return at < 0 ? text : string.Concat(text.AsSpan(0, at), to, text.AsSpan(at + from.Length));
    }

    /// <summary>The <c>&lt;address type='TYPE'&gt;</c> of the devices (not the host addresses in their sources).</summary>
    private static List<XElement> Addresses(XElement devices, string type) =>
        devices.Elements().Elements("address").Where(a => (string?)a.Attribute("type") == type).ToList();

    private static IEnumerable<XElement> HostBridges(XElement devices) =>
        devices.Elements("controller").Where(c => (string?)c.Element("model")?.Attribute("name") == "spapr-pci-host-bridge");

    /// <summary>Edits one device address of that type, picked at random (none: the plan is left as it is).</summary>
    private static Output EditAddress(string xml, SplitMix64 rng, string type, Action<XElement> edit) => EditDevices(xml, devices =>
    {
        var addresses = Addresses(devices, type);
        if (addresses.Count > 0)
        {
            edit(rng.PickFrom(addresses));
        }
    });

    private static Output EditDevices(string xml, Action<XElement> edit)
    {
        var doc = XDocument.Parse(xml, LoadOptions.PreserveWhitespace);
        edit(doc.Root!.Element("devices")!);
        return Output.Plan(doc.ToString(SaveOptions.DisableFormatting));
    }

    /// <summary>A way to change an expected plan; with <paramref name="Needs"/>, only for plans whose text holds it.</summary>
    private sealed record Perturbation(string Name, Func<string, SplitMix64, Output> Apply, string? Needs = null)
    {
        public bool AppliesTo(string xml) => Needs is null || xml.Contains(Needs, StringComparison.Ordinal);
    }

    /// <summary>What a perturbed case leaves in the actual directory.</summary>
    private sealed record Output(string? Text, string Extension)
    {
        public static readonly Output Nothing = new(null, string.Empty);

        public static Output Plan(string xml) => new(xml, ".xml");

        public static Output Error(string message) => new(message, ".error");

        public void WriteTo(string dir, string name)
        {
            if (Text is not null)
            {
                File.WriteAllText(Path.Combine(dir, name + Extension), Text);
            }
        }
    }
}

/// <summary>A fact that needs the reference <c>compare</c> script in ../shared beside the repository.</summary>
public sealed class SharedCompareFactAttribute : FactAttribute
{
    public SharedCompareFactAttribute()
    {
        if (!File.Exists(RepoPaths.SharedCompare) || !File.Exists(LibvirtOracle.Python))
        {
            Skip = $"needs {RepoPaths.SharedCompare} and {LibvirtOracle.Python}";
        }
    }
}
