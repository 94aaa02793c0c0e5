using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using DevAddr.Libvirt.Tests.Oracle;
using Xunit.Abstractions;

namespace DevAddr.Libvirt.Tests;

/// <summary>
/// <see cref="DomainComparer"/> against the team's reference <c>compare</c> script (../shared/oracle beside the
/// repository): both score the same deliberately perturbed copies of the corpus's expected outputs.
/// </summary>
public sealed partial class DomainComparerTests(ITestOutputHelper output)
{
    private const string UnreadablePrefix = "    unreadable output XML: ";

    /// <summary>Ways to spoil (or harmlessly change) an expected plan; each case gets one, in turn.</summary>
    private static readonly (string Name, Func<string, SplitMix64, Output> Apply)[] PlanPerturbations =
    [
        ("identical", (xml, _) => Output.Plan(xml)),
        ("hex numbers as decimal", (xml, _) => Output.Plan(Regex.Replace(xml, "'0x([0-9a-fA-F]+)'", m => "'" + Convert.ToInt64(m.Groups[1].Value, 16).ToString(CultureInfo.InvariantCulture) + "'"))),
        ("zeros spelt 00 and 0_0", (xml, _) => Output.Plan(xml.Replace("'0x00'", "'00'", StringComparison.Ordinal).Replace("'0x0000'", "'0_0'", StringComparison.Ordinal))),
        ("0x01 spelt 01", (xml, _) => Output.Plan(ReplaceFirst(xml, "'0x01'", "'01'"))),
        ("signs and spaces", (xml, _) => Output.Plan(xml.Replace("slot='0x02'", "slot=' +2 '", StringComparison.Ordinal))),
        ("upper-case MACs", (xml, _) => Output.Plan(Regex.Replace(xml, "address='(52:54:[0-9a-f:]+)'", m => $"address='{m.Groups[1].Value.ToUpperInvariant()}'"))),
        ("truncated", (xml, _) => Output.Plan(xml[..(xml.Length / 2)])),
        ("a PCI slot moved", (xml, rng) => EditDevices(xml, devices =>
        {
            var pci = devices.Elements().Select(d => d.Element("address")).OfType<XElement>().Where(a => (string?)a.Attribute("type") == "pci").ToList();
            if (pci.Count > 0)
            {
                var a = rng.PickFrom(pci);
                a.SetAttributeValue("slot", $"0x{(Convert.ToInt32((string?)a.Attribute("slot"), 16) + 1) % 32:x2}");
            }
        })),
        ("a device removed", (xml, rng) => EditDevices(xml, devices => rng.PickFrom(devices.Elements().ToList()).Remove())),
        ("a device twice", (xml, rng) => EditDevices(xml, devices =>
        {
            var d = rng.PickFrom(devices.Elements().ToList());
            d.AddAfterSelf(new XElement(d));
        })),
        ("devices reversed", (xml, _) => EditDevices(xml, devices => devices.ReplaceNodes(devices.Elements().Reverse().ToList()))),
        ("a controller target changed", (xml, rng) => EditDevices(xml, devices =>
        {
            var targets = devices.Elements("controller").Select(c => c.Element("target")).OfType<XElement>().ToList();
            if (targets.Count > 0)
            {
                rng.PickFrom(targets).SetAttributeValue("hotplug", "off");
            }
        })),
        ("controller model names dropped", (xml, _) => EditDevices(xml, devices => devices.Elements("controller").Elements("model").Remove())),
        ("disk buses changed", (xml, _) => EditDevices(xml, devices =>
        {
            foreach (var t in devices.Elements("disk").Elements("target"))
            {
                t.SetAttributeValue("bus", "usb");
            }
        })),
        ("uncompared content changed", (xml, _) => EditDevices(xml, devices =>
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
        ("a namespaced address attribute", (xml, _) => EditDevices(xml, devices =>
            devices.Descendants("address").FirstOrDefault()?.SetAttributeValue(XName.Get("tag", "urn:devaddr:test"), "1"))),
        ("USB addresses dropped", (xml, _) => EditDevices(xml, devices =>
            devices.Elements().Elements("address").Where(a => (string?)a.Attribute("type") == "usb").Remove())),
        ("comments inside NUMA nodes", (xml, _) => EditDevices(xml, devices =>
        {
            foreach (var node in devices.Descendants("node"))
            {
                node.Add(new XComment("n"));
            }
        })),
        ("re-indented", (xml, _) => Output.Plan(XDocument.Parse(xml).ToString())),
        ("an error instead", (_, _) => Output.Error("internal error: made up\n")),
        ("nothing", (_, _) => Output.Nothing),
    ];

    [SharedCompareFact]
    public void CompareDirectories_PerturbedCorpusOutputs_SameReportAsSharedCompareScript()
    {
        using var dirs = new TempDirectory();
        string expected = RepoPaths.CorpusExpected, actual = dirs.Sub("actual");
        string anyPlan = File.ReadAllText(Directory.EnumerateFiles(expected, "*.xml").Order(StringComparer.Ordinal).First());
        var names = Directory.EnumerateFiles(expected).Select(Path.GetFileNameWithoutExtension).OfType<string>()
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var rng = new SplitMix64(20250101);
        int planCases = 0, errorCases = 0;
        foreach (var name in names)
        {
            string xmlPath = Path.Combine(expected, name + ".xml");
            var result = File.Exists(xmlPath)
                ? PlanPerturbations[planCases++ % PlanPerturbations.Length].Apply(File.ReadAllText(xmlPath), rng)
                : (errorCases++ % 3) switch
                {
                    0 => Output.Error("some other message\n"),
                    1 => Output.Plan(anyPlan),
                    _ => Output.Nothing,
                };
            result.WriteTo(actual, name);
        }

        var reference = ProcessRunner.Run(LibvirtOracle.Python, [RepoPaths.SharedCompare, expected, actual], TimeSpan.FromMinutes(2));
        var ours = DomainComparer.CompareDirectories(expected, actual);
        string referenceText = reference.StandardOutput;
        ReportWriter.Note(output, $"comparer cross-check on {names.Count} perturbed corpus outputs: shared compare says {LastLine(referenceText)}; DomainComparer says {ours.Summary}");

        Assert.True(reference.ExitCode is 0 or 1, $"compare failed: {reference.StandardError}");
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

    private static Output EditDevices(string xml, Action<XElement> edit)
    {
        var doc = XDocument.Parse(xml, LoadOptions.PreserveWhitespace);
        edit(doc.Root!.Element("devices")!);
        return Output.Plan(doc.ToString(SaveOptions.DisableFormatting));
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
