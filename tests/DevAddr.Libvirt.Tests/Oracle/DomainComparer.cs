using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace DevAddr.Libvirt.Tests.Oracle;

/// <summary>One case's verdict: passed when there is no problem.</summary>
internal sealed record CaseResult(string Name, IReadOnlyList<string> Problems)
{
    public bool Passed => Problems.Count == 0;
}

/// <summary>All cases of a directory comparison, in case-name order.</summary>
internal sealed record ComparisonReport(IReadOnlyList<CaseResult> Cases)
{
    public int Passed => Cases.Count(c => c.Passed);

    public int Failed => Cases.Count - Passed;

    /// <summary>Passed cases over all cases; 0 for an empty comparison.</summary>
    public double PassRate => Cases.Count == 0 ? 0 : (double)Passed / Cases.Count;

    /// <summary>The closing line, exactly <c>N passed, M failed</c>.</summary>
    public string Summary => string.Create(CultureInfo.InvariantCulture, $"{Passed} passed, {Failed} failed");

    public IEnumerable<CaseResult> Failures => Cases.Where(c => !c.Passed);

    /// <summary>
    /// The reference script's text report: <c>PASS|FAIL name</c> per case (or only the failures), each followed
    /// by its first <see cref="DomainComparer.ProblemsShown"/> problems, then <see cref="Summary"/>.
    /// </summary>
    public string Format(bool failuresOnly = false)
    {
        var sb = new StringBuilder();
        foreach (var c in failuresOnly ? Failures : Cases)
        {
            sb.Append(c.Passed ? "PASS " : "FAIL ").Append(c.Name).Append('\n');
            foreach (var p in c.Problems.Take(DomainComparer.ProblemsShown))
            {
                sb.Append("    ").Append(p).Append('\n');
            }

            if (c.Problems.Count > DomainComparer.ProblemsShown)
            {
                sb.Append(CultureInfo.InvariantCulture, $"    ... {c.Problems.Count - DomainComparer.ProblemsShown} more\n");
            }
        }

        return sb.Append(Summary).Append('\n').ToString();
    }
}

/// <summary>
/// Scores the device addressing of libvirt domain XMLs against expected ones, by the same rule as the
/// reference oracle's <c>compare</c> script (same verdicts, same problem texts, same report).
/// <list type="bullet">
/// <item>Cases are the names of <c>EXPECTED/*.xml|*.error</c>. An expected <c>.error</c> needs an actual
/// <c>.error</c> (messages are not compared); an expected <c>.xml</c> needs an actual <c>.xml</c>.</item>
/// <item>Devices are matched by identity, not document order: controllers by (type, index), disks by target dev,
/// interfaces by MAC (case-insensitive), channel/serial/console/parallel by target (type, name, port),
/// anything else by (element, type, model, bus) and ordinal. The same identity seen again (USB companion
/// controllers) is numbered in document order (<c>#2</c>, <c>#3</c>…). <c>emulator</c>, <c>graphics</c> and
/// <c>audio</c> are not compared.</item>
/// <item>Compared per device: the attributes of its <c>&lt;address&gt;</c> (of any type: pci, drive, usb, spapr-vio
/// <c>reg</c>, ccw <c>cssid</c>/<c>ssid</c>/<c>devno</c>, virtio-mmio…; not its children, so a PCI address's
/// <c>&lt;zpci uid fid&gt;</c> is not compared, as in the reference); for controllers also model, <c>&lt;model name&gt;</c>,
/// <c>&lt;target&gt;</c> attributes, <c>&lt;target&gt;&lt;node&gt;</c>, <c>&lt;master&gt;</c>, <c>ports</c> and
/// <c>vectors</c>; for disks the target bus; for interfaces the model type; for character devices the
/// target attributes; for others the <c>&lt;model&gt;</c> attributes. Attribute values that are integers in
/// Python's <c>int(v, 0)</c> sense are compared as values (<c>0x01</c> = <c>1</c>, but <c>01</c> is text).</item>
/// </list>
/// </summary>
internal static class DomainComparer
{
    /// <summary>How many problems the text report shows per failed case.</summary>
    public const int ProblemsShown = 5;

    private const int ErrorExcerptLength = 300;

    private static readonly HashSet<string> Skipped = ["emulator", "graphics", "audio"];

    private static readonly HashSet<string> CharacterDevices = ["channel", "serial", "console", "parallel"];

    /// <summary>Scores every case of <paramref name="expectedDir"/> against <paramref name="actualDir"/>.</summary>
    public static ComparisonReport CompareDirectories(string expectedDir, string actualDir)
    {
        var names = Directory.EnumerateFileSystemEntries(expectedDir)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(f => f.EndsWith(".xml", StringComparison.Ordinal) || f.EndsWith(".error", StringComparison.Ordinal))
            .Select(f => f[..f.LastIndexOf('.')])
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        return new ComparisonReport(names.Select(n => CompareCase(expectedDir, actualDir, n)).ToList());
    }

    /// <summary>Scores one case <paramref name="name"/>.</summary>
    public static CaseResult CompareCase(string expectedDir, string actualDir, string name)
    {
        string actualXml = Path.Combine(actualDir, name + ".xml");
        string actualError = Path.Combine(actualDir, name + ".error");
        List<string> problems;
        if (Exists(Path.Combine(expectedDir, name + ".error")))
        {
            problems = Exists(actualError) ? [] : ["expected an error, got " + (Exists(actualXml) ? "a plan" : "nothing")];
        }
        else if (Exists(actualError))
        {
            problems = ["unexpected error: " + ErrorExcerpt(actualError)];
        }
        else if (!Exists(actualXml))
        {
            problems = ["no output"];
        }
        else
        {
            try
            {
                problems = Diff(Load(Path.Combine(expectedDir, name + ".xml")), Load(actualXml));
            }
            catch (XmlException ex)
            {
                problems = ["unreadable output XML: " + ex.Message];
            }
        }

        return new CaseResult(name, problems);
    }

    /// <summary>The addressing differences between two domain documents, sorted by device identity.</summary>
    public static List<string> Diff(XDocument expected, XDocument actual)
    {
        var e = Devices(expected);
        var a = Devices(actual);
        var problems = new List<string>();
        foreach (var id in e.Keys.Union(a.Keys).Order(StringComparer.Ordinal))
        {
            bool inE = e.TryGetValue(id, out var ed);
            bool inA = a.TryGetValue(id, out var ad);
            if (!inA)
            {
                problems.Add($"missing {ed.Name} (expected {ed.Fields})");
            }
            else if (!inE)
            {
                problems.Add($"unexpected {ad.Name} {ad.Fields}");
            }
            else if (!ed.Fields.Equals(ad.Fields))
            {
                var fields = ed.Fields.Keys.Union(ad.Fields.Keys)
                    .Where(f => !PyDict.ValueEquals(ed.Fields.Get(f), ad.Fields.Get(f)))
                    .Order(StringComparer.Ordinal)
                    .Select(f => $"{f} expected {PyDict.Str(ed.Fields.Get(f))} got {PyDict.Str(ad.Fields.Get(f))}");
                problems.Add($"{ed.Name}: " + string.Join("; ", fields));
            }
        }

        return problems;
    }

    /// <summary>Parses a domain XML file the way the comparer reads it (whitespace kept, no external entities).</summary>
    public static XDocument Load(string path)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Parse,
            XmlResolver = null,
            MaxCharactersFromEntities = 10_000_000,
        };
        using var reader = XmlReader.Create(path, settings);
        return XDocument.Load(reader, LoadOptions.PreserveWhitespace);
    }

    /// <summary>A device's identity (<see cref="Name"/>, e.g. <c>controller/pci/1</c>) and compared fields.</summary>
    internal readonly record struct Device(string Name, PyDict Fields);

    /// <summary>
    /// The compared devices of a domain, keyed by the Python <c>repr</c> of their identity tuple (whose
    /// ordinal order is the reference script's report order).
    /// </summary>
    internal static Dictionary<string, Device> Devices(XDocument doc)
    {
        var result = new Dictionary<string, Device>(StringComparer.Ordinal);
        var devices = doc.Root?.Element("devices");
        if (devices is null)
        {
            return result;
        }

        var ordinals = new Dictionary<string, int>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var el in devices.Elements())
        {
            string tag = el.Name.ToString();
            if (Skipped.Contains(tag))
            {
                continue;
            }

            var fields = new PyDict().Set("address", Attrs(el.Element("address")));
            List<string?> key;
            if (tag == "controller")
            {
                var target = el.Element("target");
                key = ["controller", Attr(el, "type"), Num(Attr(el, "index") ?? "0")];
                fields.Set("model", Attr(el, "model"))
                    .Set("model_name", Attrs(el.Element("model")).Get("name"))
                    .Set("target", Attrs(target))
                    .Set("master", Attrs(el.Element("master")))
                    .Set("node", target is null ? null : FindText(target, "node"));
                foreach (var name in (string[])["ports", "vectors"])
                {
                    if (Attr(el, name) is { } v)
                    {
                        fields.Set(name, Num(v));
                    }
                }
            }
            else if (tag == "disk")
            {
                var target = el.Element("target");
                key = ["disk", target is null ? null : Attr(target, "dev")];
                fields.Set("bus", target is null ? null : Attr(target, "bus"));
            }
            else if (tag == "interface")
            {
                var mac = el.Element("mac");
                key = ["interface", mac is null ? null : Attr(mac, "address")?.ToLowerInvariant()];
                fields.Set("model", Attrs(el.Element("model")).Get("type"));
            }
            else if (CharacterDevices.Contains(tag))
            {
                var target = el.Element("target");
                key = target is null
                    ? [tag, "None"]
                    : [tag, Str(Attr(target, "type")), Str(Attr(target, "name")), Str(Attr(target, "port"))];
                fields.Set("target", Attrs(target));
            }
            else
            {
                key = [tag, Str(Attr(el, "type")), Str(Attr(el, "model")), Str(Attr(el, "bus"))];
                string kind = TupleRepr(key);
                int ordinal = ordinals[kind] = ordinals.GetValueOrDefault(kind, -1) + 1;
                key.Add(ordinal.ToString(CultureInfo.InvariantCulture));
                fields.Set("model", Attrs(el.Element("model")));
            }

            string id = TupleRepr(key);
            int count = seen[id] = seen.GetValueOrDefault(id) + 1;
            if (count > 1)
            {
                key.Add(string.Create(CultureInfo.InvariantCulture, $"#{count}"));
                id = TupleRepr(key);
            }

            result[id] = new Device(string.Join("/", key.Select(Str)), fields);
        }

        return result;
    }

    /// <summary>Python's <c>int(v, 0)</c> rendered back to decimal when <paramref name="value"/> is an integer.</summary>
    internal static string? Num(string? value) =>
        value is not null && PythonText.TryParseInt(value, out var n) ? n.ToString(CultureInfo.InvariantCulture) : value;

    private static PyDict Attrs(XElement? el)
    {
        var dict = new PyDict();
        if (el is null)
        {
            return dict;
        }

        foreach (var a in el.Attributes().Where(a => !a.IsNamespaceDeclaration)
                     .OrderBy(a => a.Name.ToString(), StringComparer.Ordinal))
        {
            dict.Set(a.Name.ToString(), Num(a.Value));
        }

        return dict;
    }

    private static string? Attr(XElement el, string name) => el.Attribute(name)?.Value;

    /// <summary>ElementTree's <c>findtext</c>: the first such child's leading text, "" when it has none.</summary>
    private static string? FindText(XElement parent, string name) =>
        parent.Element(name) is { } child
            ? string.Concat(child.Nodes().TakeWhile(n => n is not XElement).OfType<XText>().Select(t => t.Value))
            : null;

    private static string Str(string? value) => value ?? "None";

    private static string TupleRepr(List<string?> parts) =>
        "(" + string.Join(", ", parts.Select(p => p is null ? "None" : PythonText.Repr(p))) + (parts.Count == 1 ? ",)" : ")");

    private static bool Exists(string path) => File.Exists(path) || Directory.Exists(path);

    /// <summary>The reference's <c>open(f).read().strip()[:300]</c>: universal newlines, stripped, cut.</summary>
    private static string ErrorExcerpt(string path)
    {
        string text = Encoding.UTF8.GetString(File.ReadAllBytes(path))
            .Replace("\r\n", "\n", StringComparison.Ordinal)
            .Replace('\r', '\n');
        return PythonText.Prefix(PythonText.Strip(text), ErrorExcerptLength);
    }
}
