using System.Text.Json;
using DevAddr.Core.Hotplug;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using DevAddr.Libvirt;

namespace DevAddr.Native;

/// <summary>
/// The request of <c>devaddr_hotplug_check</c>: what <c>devaddr hotplug-check LAYOUT DEVICES [options]</c> reads, as
/// one JSON object. <c>layout</c> is a plan (an object, or JSON/YAML text) or the running guest's domain XML (text);
/// <c>devices</c> a list of devices (or an object with a <c>devices</c> list, or JSON/YAML text) or libvirt device
/// XML (text); <c>reserve</c>, <c>firmware</c>, <c>acpi</c> and <c>memorySlots</c> are the options
/// <c>--reserve</c> (a list of its <c>INDEX:name=size,...</c> values), <c>--firmware</c>, <c>--acpi</c> (a boolean)
/// and <c>--memory-slots</c>. Every part is read by the CLI's own readers, and the options are applied as it applies
/// them, so the report is the CLI's.
/// </summary>
/// <param name="Layout">The running guest.</param>
/// <param name="Devices">The devices to add, in attach order.</param>
/// <param name="Options">The layout's options (from domain XML) with the request's options applied.</param>
internal sealed record HotplugRequest(Plan Layout, IReadOnlyList<Device> Devices, HotplugOptions Options)
{
    /// <summary>The members a request may have.</summary>
    public static IReadOnlyList<string> Members { get; } = ["layout", "devices", "reserve", "firmware", "acpi", "memorySlots"];

    /// <summary>Reads request text (JSON): the request, or an invalid-input error.</summary>
    public static (HotplugRequest? Request, PlanError? Error) Read(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > PlanJson.MaxInputChars)
            return Invalid($"the hotplug request is {text.Length} characters long; at most {PlanJson.MaxInputChars} are accepted", "max-input-size");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions
            {
                MaxDepth = PlanJson.Options.MaxDepth,
                AllowDuplicateProperties = false,
            });
        }
        catch (JsonException ex)
        {
            string line = ex.LineNumber is long l ? $" (line {l + 1})" : "";
            return Invalid($"malformed hotplug request{line}: {FirstSentence(ex.Message)}", "well-formed");
        }
        using (document)
            return Read(document.RootElement);
    }

    private static (HotplugRequest?, PlanError?) Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            return Invalid($"the hotplug request must be an object with the members {string.Join(", ", Members)}, not {Kind(root)}", "well-formed");
        foreach (var member in root.EnumerateObject())
        {
            if (!Members.Contains(member.Name, StringComparer.Ordinal))
                return Invalid($"unknown member '{member.Name}' in the hotplug request (known: {string.Join(", ", Members)})", "well-formed");
        }

        // The order of `devaddr hotplug-check`: the layout, the devices, then the options over the layout's own.
        if (!root.TryGetProperty("layout", out var layoutValue))
            return Invalid("the hotplug request needs a 'layout': a plan, or the running guest's domain XML", "document-present");
        var (plan, options, layoutError) = ReadLayout(layoutValue);
        if (layoutError is not null) return (null, layoutError);

        if (!root.TryGetProperty("devices", out var devicesValue))
            return Invalid("the hotplug request needs 'devices': a list of devices, or libvirt device XML", "document-present");
        var (devices, devicesError) = ReadDevices(devicesValue);
        if (devicesError is not null) return (null, devicesError);

        var reserves = new Dictionary<int, PortReserve>(options!.Reserves);
        if (root.TryGetProperty("reserve", out var reserveValue))
        {
            if (reserveValue.ValueKind != JsonValueKind.Array)
                return Invalid($"'reserve' must be a list of reserves INDEX:name=size[,...] (e.g. \"4:pref64=16G\"), not {Kind(reserveValue)}", "well-formed");
            foreach (var item in reserveValue.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                    return Invalid($"'reserve' items must be text INDEX:name=size[,...] (e.g. \"4:pref64=16G\"), not {Kind(item)}", "well-formed");
                var (index, reserve, error) = HotplugJson.ParseReserve(item.GetString()!);
                if (error is not null) return Invalid($"reserve {error}", "well-formed");
                reserves[index] = reserve!;
            }
        }
        options = options with { Reserves = reserves };

        if (root.TryGetProperty("firmware", out var firmwareValue))
        {
            if (firmwareValue.ValueKind != JsonValueKind.String)
                return Invalid($"'firmware' must be the name of a firmware profile (generic, seabios), not {Kind(firmwareValue)}", "well-formed");
            options = options with { Firmware = firmwareValue.GetString()! };
        }
        if (root.TryGetProperty("acpi", out var acpiValue))
        {
            if (acpiValue.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                return Invalid($"'acpi' must be true or false, not {Kind(acpiValue)}", "well-formed");
            options = options with { Acpi = acpiValue.GetBoolean() };
        }
        if (root.TryGetProperty("memorySlots", out var slotsValue))
        {
            if (slotsValue.ValueKind != JsonValueKind.Number || !slotsValue.TryGetInt32(out int slots))
                return Invalid($"'memorySlots' must be an integer, not {Kind(slotsValue)}", "well-formed");
            options = options with { MemorySlots = slots };
        }
        return (new HotplugRequest(plan!, devices!, options), null);
    }

    /// <summary>A plan (object, or JSON/YAML text) or domain XML (text starting with '&lt;'), as <c>devaddr hotplug-check LAYOUT</c> reads it.</summary>
    private static (Plan?, HotplugOptions?, PlanError?) ReadLayout(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String && value.GetString()! is var text && text.TrimStart().StartsWith('<'))
        {
            try
            {
                var layout = LibvirtHotplug.ReadLayout(text);
                return (layout.Plan, layout.Options, null);
            }
            catch (DomainXmlException ex)
            {
                return (null, null, Error($"layout: {ex.Message}", "domain-xml"));
            }
        }
        var (plan, error) = value.ValueKind switch
        {
            JsonValueKind.Object => PlanJson.ReadPlan(value.GetRawText(), yaml: false),
            JsonValueKind.String => PlanJson.ReadPlan(value.GetString()!),
            _ => (null, Error($"'layout' must be a plan (an object, or JSON/YAML text) or domain XML text, not {Kind(value)}", "well-formed")),
        };
        return (plan, error is null ? new HotplugOptions() : null, error);
    }

    /// <summary>A list of devices (array, object with a list, or JSON/YAML text) or device XML (text starting with '&lt;').</summary>
    private static (IReadOnlyList<Device>?, PlanError?) ReadDevices(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String && value.GetString()! is var text && text.TrimStart().StartsWith('<'))
        {
            try
            {
                return (LibvirtHotplug.ReadDevices(text), null);
            }
            catch (DomainXmlException ex)
            {
                return (null, Error($"devices: {ex.Message}", "device-xml"));
            }
        }
        return value.ValueKind switch
        {
            JsonValueKind.Array or JsonValueKind.Object => HotplugJson.ReadDevices(value.GetRawText(), yaml: false),
            JsonValueKind.String => HotplugJson.ReadDevices(value.GetString()!),
            _ => (null, Error($"'devices' must be a list of devices or device XML text, not {Kind(value)}", "well-formed")),
        };
    }

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "text",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).Trim();
    }

    private static PlanError Error(string message, string rule) => new() { Code = ErrorCodes.InvalidInput, Message = message, Rule = rule };

    private static (HotplugRequest?, PlanError?) Invalid(string message, string rule) => (null, Error(message, rule));
}
