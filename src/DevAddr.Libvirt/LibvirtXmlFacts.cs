using System.Text.Json;

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
        return JsonSerializer.Deserialize<LibvirtXmlFacts>(stream, new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        }) ?? throw new InvalidOperationException("models/libvirt-xml.json is empty");
    });

    public static LibvirtXmlFacts Default => s_default.Value;
}
