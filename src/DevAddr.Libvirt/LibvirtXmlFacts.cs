using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace DevAddr.Libvirt;

/// <summary>Domain XML facts of libvirt 9.0 (models/libvirt-xml.json): attribute defaults and the device elements it knows.</summary>
internal sealed record LibvirtXmlFacts
{
    public string? Description { get; init; }
    public required IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> VideoModelDefaults { get; init; }
    public required IReadOnlyDictionary<string, string> SerialTargetModelNames { get; init; }
    /// <summary>Elements under &lt;devices&gt; libvirt 9.0 reads; it drops any other silently.</summary>
    public required IReadOnlyList<string> KnownDeviceElements { get; init; }

    private static readonly Lazy<LibvirtXmlFacts> s_default = new(() =>
    {
        using var stream = typeof(LibvirtXmlFacts).Assembly.GetManifestResourceStream("models/libvirt-xml.json")
            ?? throw new InvalidOperationException("embedded models/libvirt-xml.json is missing");
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            TypeInfoResolver = LibvirtJsonContext.Default,
        };
        return JsonSerializer.Deserialize(stream, (JsonTypeInfo<LibvirtXmlFacts>)options.GetTypeInfo(typeof(LibvirtXmlFacts)))
            ?? throw new InvalidOperationException("models/libvirt-xml.json is empty");
    });

    public static LibvirtXmlFacts Default => s_default.Value;
}

/// <summary>Compile-time JSON metadata of <c>models/libvirt-xml.json</c> (read without reflection).</summary>
[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(LibvirtXmlFacts))]
internal sealed partial class LibvirtJsonContext : JsonSerializerContext;
