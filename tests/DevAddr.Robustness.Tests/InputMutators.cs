using System.Globalization;
using System.Text;
using CsCheck;

namespace DevAddr.Robustness.Tests;

/// <summary>
/// Malformed inputs for the readers: seed documents from <c>fixtures/</c>, mutated (truncated, cut, spliced,
/// wrong types, absurd numbers, unknown fields, duplicate keys and ids, control characters, lone surrogates),
/// plus hostile shapes built from scratch (deep nesting, huge documents, entity and alias bombs).
/// </summary>
internal static class InputMutators
{
    private static string Read(params string[] parts) => File.ReadAllText(Path.Combine([RepoPaths.Root, .. parts]));

    /// <summary>JSON seeds: the example requests and some planned or hand-broken plans.</summary>
    public static readonly Lazy<string[]> JsonSeeds = new(() =>
    [
        Read("fixtures", "examples", "q35-basic.json"),
        Read("fixtures", "examples", "aarch64-virt.json"),
        Read("fixtures", "broken", "pci-root-model.json"),
        Read("fixtures", "broken", "usb-port-path.json"),
        Read("fixtures", "broken", "busnr-unique.json"),
    ]);

    /// <summary>YAML seeds.</summary>
    public static readonly Lazy<string[]> YamlSeeds = new(() =>
    [
        Read("fixtures", "examples", "pc-basic.yaml"),
        "machine:\n  arch: x86_64\n  type: q35\ndevices:\n  - id: d1\n    kind: disk\n    bus: virtio\n    target: vda\n  - id: n1\n    kind: interface\n    model: e1000e\n    address:\n      type: pci\n      bus: 0\n      slot: 0x5\n",
    ]);

    /// <summary>XML seeds: a few inputs of the libvirt 9.0 corpus (every machine type) and expanded outputs.</summary>
    public static readonly Lazy<string[]> XmlSeeds = new(() =>
    {
        var inputs = Directory.EnumerateFiles(RepoPaths.CorpusInput, "*.xml").Order(StringComparer.Ordinal).ToList();
        var expected = Directory.EnumerateFiles(RepoPaths.CorpusExpected, "*.xml").Order(StringComparer.Ordinal).ToList();
        return [.. inputs.Where((_, i) => i % 50 == 0).Select(File.ReadAllText), .. expected.Where((_, i) => i % 120 == 7).Select(File.ReadAllText)];
    });

    private static readonly string[] Absurd =
    [
        "-1", "0", "2147483647", "2147483648", "-2147483649", "9223372036854775808", "1e400", "1.5", "-0", "0x1f", "1E3", "NaN",
        "\"\"", "\"x\"", "null", "true", "[]", "{}", "[1,2]", "{\"a\":1}", "\"\\u0000\"", "\"\\ud800\"", "99999999999999999999999999",
    ];

    private static readonly string[] Splices =
    [
        "\"unknownField\": 1,", "\"id\": \"dup\",", "\"machine\": {\"arch\": \"x86_64\", \"type\": \"pc\"},", "\"devices\": [],", "\"type\": \"pci\",",
        "\"address\": {\"type\": \"martian\"},", "\"address\": {\"bus\": 1},", "{", "}", "[", "]", ",", ":", "\"", "\\", "\u0000", "\u0001", "\ufeff",
        "\ud800", "\udfff", "😀", "\r\n", "\t", "/* c */", "// c\n", "'", "<", "&", "!!binary", "&a", "*a", "? ", "- ", "---\n", "...\n", "%YAML 1.2\n",
        "<!DOCTYPE domain [<!ENTITY x 'y'>]>", "&x;", "<![CDATA[x]]>", "<!-- c -->", "<?pi x?>", "xmlns='urn:x'", "&#0;", "&#xD800;", "]]>",
        " xmlns:a='urn:a' a:type='pci' a:bus='1' ", " a:slot='2' ", "<address type='isa' xmlns:b='urn:b' b:iobase='1' iobase='2'/>",
        "<address type='pci' domain='0' bus='0' slot='0x1f' function='7' multifunction='on'/>", "<address type='drive' controller='99999999999'/>",
        "<address type='usb' bus='0' port='1.2.3.4.5.6'/>", "<controller type='pci' index='1' model='pcie-root-port'/>",
    ];

    /// <summary>One random edit of a document.</summary>
    public static Gen<string> Mutate(string seed) =>
        Gen.Select(Gen.Int[0, 9], Gen.Int[0, Math.Max(0, seed.Length)], Gen.Int[0, Math.Max(0, seed.Length)], Gen.Int[0, 1000], (kind, a, b, pick) =>
        {
            int lo = Math.Min(a, b), hi = Math.Max(a, b);
            switch (kind)
            {
                case 0: return seed[..lo];                                                      // truncated
                case 1: return seed[..lo] + seed[hi..];                                         // a range cut out
                case 2: return seed[..lo] + Splices[pick % Splices.Length] + seed[lo..];        // a token spliced in
                case 3: return seed[..hi] + seed[lo..];                                         // a range duplicated
                case 4: return ReplaceNth(seed, NumberPattern, pick, Absurd[pick % Absurd.Length]);   // a number made absurd
                case 5: return ReplaceNth(seed, StringPattern, pick, Absurd[pick % Absurd.Length]);   // a string given another type
                case 6: return seed[..lo] + new string(seed.Length == 0 ? 'x' : seed[lo == seed.Length ? 0 : lo], pick % 64) + seed[lo..];
                case 7: return seed.Replace("\"id\": \"", pick % 2 == 0 ? "\"id\": \"dup" : "\"id\": \"", StringComparison.Ordinal)
                                   .Replace("id: ", "id: dup", StringComparison.Ordinal);              // duplicate ids
                case 8: return seed[..lo] + (char)(pick % 0x20) + seed[lo..];                    // control characters
                default: return seed[..lo] + seed[lo..].ToUpperInvariant();                      // case flipped
            }
        });

    private static readonly System.Text.RegularExpressions.Regex NumberPattern = new(@"(?<=[:=' ""])-?\d+(?=[,}\s'""/])", System.Text.RegularExpressions.RegexOptions.CultureInvariant);
    private static readonly System.Text.RegularExpressions.Regex StringPattern = new(@"""[^""\\]*""(?=\s*[,}\]])", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private static string ReplaceNth(string text, System.Text.RegularExpressions.Regex pattern, int n, string replacement)
    {
        var matches = pattern.Matches(text);
        if (matches.Count == 0) return text;
        var m = matches[n % matches.Count];
        return text[..m.Index] + replacement + text[(m.Index + m.Length)..];
    }

    /// <summary>Mutations of seeds, one to three edits deep.</summary>
    public static Gen<string> Mutated(Func<string[]> seeds) =>
        Gen.Int[0, 1000].SelectMany(i =>
        {
            var all = seeds();
            string seed = all[i % all.Length];
            return Gen.Int[1, 3].SelectMany(depth =>
            {
                var g = Mutate(seed);
                for (int k = 1; k < depth; k++) g = g.SelectMany(Mutate);
                return g;
            });
        });

    // ---- hostile shapes -----------------------------------------------------------------------------

    public static string DeepJson(int depth) => new string('[', depth) + new string(']', depth);

    public static string DeepJsonObject(int depth)
    {
        var sb = new StringBuilder("{\"machine\":{\"arch\":\"x86_64\",\"type\":\"pc\"},\"devices\":[{\"id\":\"a\",\"kind\":\"disk\",\"x\":");
        for (int i = 0; i < depth; i++) sb.Append("{\"a\":");
        sb.Append('1').Append('}', depth).Append("}]}");
        return sb.ToString();
    }

    public static string DeepYamlFlow(int depth) => "machine: " + new string('[', depth) + new string(']', depth) + "\n";

    public static string DeepYamlBlock(int depth)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < depth; i++) sb.Append(' ', i).Append("a:\n");
        return sb.ToString();
    }

    /// <summary>YAML "billion laughs": each level refers to the previous one ten times through aliases.</summary>
    public static string YamlLaughs(int levels)
    {
        var sb = new StringBuilder("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int i = 1; i <= levels; i++)
            sb.Append(CultureInfo.InvariantCulture, $"a{i}: &a{i} [").Append(string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))).Append("]\n");
        return sb.ToString();
    }

    /// <summary>XML "billion laughs" (internal entities).</summary>
    public static string XmlLaughs(int levels)
    {
        var sb = new StringBuilder("<?xml version='1.0'?>\n<!DOCTYPE domain [\n<!ENTITY l0 'lol'>\n");
        for (int i = 1; i <= levels; i++)
            sb.Append(CultureInfo.InvariantCulture, $"<!ENTITY l{i} '").Append(string.Concat(Enumerable.Repeat($"&l{i - 1};", 10))).Append("'>\n");
        sb.Append(CultureInfo.InvariantCulture, $"]>\n<domain type='kvm'><name>&l{levels};</name><os><type arch='x86_64' machine='q35'>hvm</type></os><devices/></domain>\n");
        return sb.ToString();
    }

    /// <summary>XML external entity.</summary>
    public const string XmlExternalEntity =
        "<?xml version='1.0'?>\n<!DOCTYPE domain [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>\n<domain type='kvm'><name>&x;</name><devices/></domain>\n";

    public static string DeepXml(int depth)
    {
        var sb = new StringBuilder("<domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os><devices><disk device='disk'><target dev='vda' bus='virtio'/>");
        for (int i = 0; i < depth; i++) sb.Append("<x>");
        for (int i = 0; i < depth; i++) sb.Append("</x>");
        sb.Append("</disk></devices></domain>");
        return sb.ToString();
    }

    public static string HugeJsonRequest(int devices)
    {
        var sb = new StringBuilder("{\"machine\":{\"arch\":\"x86_64\",\"type\":\"q35\"},\"devices\":[");
        for (int i = 0; i < devices; i++)
            sb.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture, $"{{\"id\":\"d{i}\",\"kind\":\"disk\",\"bus\":\"sata\",\"target\":\"sd{(char)('a' + i % 26)}\"}}");
        return sb.Append("]}").ToString();
    }

    public static string HugeXml(int devices)
    {
        var sb = new StringBuilder("<domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>");
        for (int i = 0; i < devices; i++) sb.Append("<interface type='user'><model type='virtio'/></interface>");
        return sb.Append("</devices></domain>").ToString();
    }
}
