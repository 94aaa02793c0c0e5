using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DevAddr.Core.Catalog;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;

namespace DevAddr.Core.Hotplug;

/// <summary>Input and output of the hotplug checks: device lists (JSON or YAML), reserves, reports.</summary>
public static class HotplugJson
{
    /// <summary>
    /// Reads the devices to hot-plug: a JSON/YAML list of devices, or an object with a <c>devices</c> list (a
    /// planning request's device list reads as is).
    /// </summary>
    public static (IReadOnlyList<Device>? Devices, PlanError? Error) ReadDevices(string text, bool? yaml = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > PlanJson.MaxInputChars)
            return (null, Invalid($"the device list is {text.Length} characters long; at most {PlanJson.MaxInputChars} are accepted"));
        string trimmed = text.TrimStart();
        bool isYaml = yaml ?? !(trimmed.StartsWith('{') || trimmed.StartsWith('['));
        try
        {
            var node = isYaml ? PlanJson.YamlToJson(text) : JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 32 });
            if (node is JsonObject obj && obj["devices"] is JsonArray inner)
                node = inner.DeepClone();
            if (node is not JsonArray)
                return (null, Invalid("expected a list of devices (or an object with a 'devices' list)"));
            var devices = node.Deserialize(PlanJson.TypeInfo<IReadOnlyList<Device>>());
            return devices is null ? (null, Invalid("the device list is empty")) : (devices, null);
        }
        catch (JsonException ex)
        {
            return (null, Invalid(PlanJson.Malformed("device list", ex)));
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            return (null, Invalid($"malformed YAML device list (line {ex.Start.Line}): {ex.Message}"));
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or NotSupportedException)
        {
            return (null, Invalid($"invalid device list: {JsonErrorText.Describe(ex.Message, JsonErrorText.PathIn(ex.Message), PlanJson.Options)}"));
        }
    }

    /// <summary>
    /// Parses a reserve given as <c>INDEX:name=size,...</c> (names io, mem, pref32, pref64; sizes in bytes or with
    /// K, M, G), e.g. <c>4:pref64=16G,io=0</c>.
    /// </summary>
    public static (int Index, PortReserve? Reserve, string? Error) ParseReserve(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !int.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            return (0, null, $"'{text}': expected INDEX:name=size[,name=size...], e.g. 4:pref64=16G");
        var r = new PortReserve();
        foreach (var part in text[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = part.Split('=', 2);
            if (kv.Length != 2 || !ByteSize.TryParse(kv[1], out long bytes))
                return (0, null, $"'{part}': expected name=size with a size like 16G, 2M, 4K or 0");
            // The hotplug check sizes windows; a bus reserve is not one of its inputs.
            string name = kv[0].Replace("-reserve", "", StringComparison.Ordinal);
            if (name == "bus" || r.With(name + "-reserve", bytes) is not { } set)
                return (0, null, $"'{kv[0]}': unknown reserve (io, mem, pref32, pref64)");
            r = set;
        }
        return (index, r, null);
    }

    /// <summary>Serializes a report (hotplug, unplug or mapping) with the plan serializer's options.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not one of Core's document types.</exception>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, PlanJson.TypeInfo<T>()) + "\n";

    private static PlanError Invalid(string message) => new() { Code = ErrorCodes.InvalidInput, Message = message, Rule = "well-formed" };
}
