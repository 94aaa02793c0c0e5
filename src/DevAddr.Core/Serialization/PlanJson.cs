using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using DevAddr.Core.Model;
using YamlDotNet.RepresentationModel;

namespace DevAddr.Core.Serialization;

/// <summary>JSON (and YAML input) for requests, plans and errors. Output is indented, camelCase and deterministic.</summary>
public static class PlanJson
{
    /// <summary>Largest accepted input, in characters.</summary>
    public const int MaxInputChars = 16 << 20;

    /// <summary>
    /// The serializer options used for every DevAddr document. Their type information is generated at compile time
    /// (no reflection): they read and write the document types of DevAddr.Core (requests, plans, errors, host
    /// topologies, hotplug reports), not arbitrary types.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        TypeInfoResolver = CoreJsonContext.Default,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        AllowOutOfOrderMetadataProperties = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        MaxDepth = Validation.PlanLimits.MaxNestingDepth,
        AllowDuplicateProperties = false,
        NewLine = "\n",
        IndentSize = 2,
    };

    /// <summary>Serializes a plan.</summary>
    public static string Serialize(Plan plan) => JsonSerializer.Serialize(plan, TypeInfo<Plan>()) + "\n";

    /// <summary>Serializes a request.</summary>
    public static string Serialize(PlanRequest request) => JsonSerializer.Serialize(request, TypeInfo<PlanRequest>()) + "\n";

    /// <summary>Serializes a host topology document.</summary>
    public static string Serialize(HostTopology topology) => JsonSerializer.Serialize(topology, TypeInfo<HostTopology>()) + "\n";

    /// <summary>Serializes an error object.</summary>
    public static string Serialize(PlanError error) => JsonSerializer.Serialize(error, TypeInfo<PlanError>()) + "\n";

    /// <summary>The metadata of <typeparamref name="T"/> bound to <see cref="Options"/>: one of the document types.</summary>
    internal static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));

    /// <summary>Reads a request from JSON or YAML text. Returns the request or a precise error.</summary>
    public static (PlanRequest? Request, PlanError? Error) ReadRequest(string text, bool? yaml = null) =>
        Read<PlanRequest>(text, yaml, "request");

    /// <summary>Reads a policy (name, tunables, solver settings) from JSON or YAML text.</summary>
    public static (PolicySpec? Policy, PlanError? Error) ReadPolicy(string text, bool? yaml = null) =>
        Read<PolicySpec>(text, yaml, "policy");

    /// <summary>Reads a host topology document (<c>devaddr host scan</c>) from JSON or YAML text.</summary>
    public static (HostTopology? Topology, PlanError? Error) ReadHostTopology(string text, bool? yaml = null) =>
        Read<HostTopology>(text, yaml, "host topology");

    /// <summary>Reads a plan from JSON or YAML text.</summary>
    public static (Plan? Plan, PlanError? Error) ReadPlan(string text, bool? yaml = null) =>
        Read<Plan>(text, yaml, "plan");

    private static (T?, PlanError?) Read<T>(string text, bool? yaml, string what) where T : class
    {
        if (text.Length > MaxInputChars)
            return (null, Invalid($"the {what} is {text.Length} characters long; at most {MaxInputChars} are accepted", "max-input-size"));
        string trimmed = text.TrimStart();
        bool isYaml = yaml ?? !(trimmed.StartsWith('{') || trimmed.StartsWith('['));
        try
        {
            T? value;
            if (isYaml)
            {
                var node = YamlToJson(text);
                value = node is null ? null : node.Deserialize(TypeInfo<T>());
            }
            else
            {
                value = JsonSerializer.Deserialize(text, TypeInfo<T>());
            }
            return value is null ? (null, Invalid($"the {what} is empty", "document-present")) : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, Invalid(Malformed(what, ex), "well-formed"));
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            return (null, Invalid($"malformed YAML {what} (line {ex.Start.Line}): {ex.Message}", "well-formed"));
        }
        catch (ArgumentException ex)
        {
            return (null, Invalid($"invalid value in the {what}: {FirstSentence(ex.Message)}", "value-range"));
        }
        catch (InvalidOperationException ex)
        {
            return (null, Invalid($"invalid {what}: {FirstSentence(ex.Message)}", "well-formed"));
        }
        catch (NotSupportedException ex)
        {
            // System.Text.Json reports an address without its "type" this way, with the path in the message.
            return (null, Invalid($"malformed {what}: {JsonErrorText.Describe(ex.Message, JsonErrorText.PathIn(ex.Message), Options)}", "well-formed"));
        }
    }

    /// <summary>"malformed WHAT (line N): FIELD must be ..." for a shape error, or the reader's message at its path for a syntax error.</summary>
    internal static string Malformed(string what, JsonException ex)
    {
        string line = ex.LineNumber is long l ? $" (line {l + 1})" : "";
        string first = JsonErrorText.FirstSentence(ex.Message);
        string described = JsonErrorText.Describe(ex.Message, ex.Path, Options);
        string where = described != first || ex.Path is null ? "" : $" at {ex.Path}";
        return $"malformed {what}{where}{line}: {described}";
    }

    private static string FirstSentence(string message) => JsonErrorText.FirstSentence(message);

    private static PlanError Invalid(string message, string rule) =>
        new() { Code = ErrorCodes.InvalidInput, Message = message, Rule = rule };

    /// <summary>Converts a YAML document to JSON nodes: plain scalars become numbers, booleans or null where they read as such.</summary>
    internal static JsonNode? YamlToJson(string text)
    {
        CheckYamlShape(text);
        var stream = new YamlStream();
        using (var reader = new StringReader(text)) stream.Load(reader);
        if (stream.Documents.Count == 0) return null;
        if (stream.Documents.Count > 1) throw new InvalidOperationException("expected one YAML document, found " + stream.Documents.Count);
        return Convert(stream.Documents[0].RootNode, 0);
    }

    /// <summary>
    /// Reads the YAML events once before building nodes: the node builder recurses per nesting level (a deeply
    /// nested document would overflow the stack) and shares aliased nodes (an alias bomb would expand without bound),
    /// so documents nesting deeper than <see cref="JsonSerializerOptions.MaxDepth"/> and aliases are refused here.
    /// </summary>
    private static void CheckYamlShape(string text)
    {
        var parser = new YamlDotNet.Core.Parser(new StringReader(text));
        int depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart when ++depth > Options.MaxDepth:
                    throw new InvalidOperationException($"the document nests deeper than {Options.MaxDepth} levels (line {parser.Current.Start.Line})");
                case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                    depth--;
                    break;
                case YamlDotNet.Core.Events.AnchorAlias alias:
                    throw new InvalidOperationException($"YAML aliases are not supported (*{alias.Value} at line {alias.Start.Line})");
            }
        }
    }

    private static JsonNode? Convert(YamlNode node, int depth)
    {
        if (depth > Options.MaxDepth) throw new InvalidOperationException($"the document nests deeper than {Options.MaxDepth} levels");
        switch (node)
        {
            case YamlMappingNode map:
                var obj = new JsonObject();
                foreach (var (k, v) in map.Children)
                {
                    string key = (k as YamlScalarNode)?.Value ?? throw new InvalidOperationException("mapping keys must be plain strings");
                    if (obj.ContainsKey(key)) throw new InvalidOperationException($"duplicate key '{key}'");
                    obj[key] = Convert(v, depth + 1);
                }
                return obj;
            case YamlSequenceNode seq:
                var arr = new JsonArray();
                foreach (var item in seq.Children) arr.Add(Convert(item, depth + 1));
                return arr;
            case YamlScalarNode scalar:
                string? s = scalar.Value;
                if (scalar.Style is YamlDotNet.Core.ScalarStyle.Plain)
                {
                    if (s is null or "" or "~" or "null") return null;
                    if (s is "true" or "True") return JsonValue.Create(true);
                    if (s is "false" or "False") return JsonValue.Create(false);
                    if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n)) return JsonValue.Create(n);
                    if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) &&
                        long.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long h)) return JsonValue.Create(h);
                }
                return JsonValue.Create(s);
            default:
                throw new InvalidOperationException("YAML aliases and other node kinds are not supported");
        }
    }
}
