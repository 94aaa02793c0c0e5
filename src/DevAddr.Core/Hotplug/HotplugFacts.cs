using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using DevAddr.Core.Catalog;
using DevAddr.Core.Model;

namespace DevAddr.Core.Hotplug;

/// <summary>The facts of <c>models/hotplug.json</c>: what libvirt and QEMU accept live, and the firmware window assumptions.</summary>
internal sealed record HotplugFacts
{
    [JsonPropertyName("$schema")] public string? Schema { get; init; }
    public string? Description { get; init; }
    public required IReadOnlyList<LiveRule> LiveAttach { get; init; }
    public required IReadOnlyList<LiveRule> LiveDetach { get; init; }
    public required IReadOnlyList<QemuBusRule> QemuNoHotplugBuses { get; init; }
    public required IReadOnlyList<LiveRule> QemuDevices { get; init; }
    public required ZpciRollbackRule ZpciRollback { get; init; }
    public required AcpiRule AcpiRootHotplug { get; init; }
    public required IReadOnlyList<FirmwareProfile> FirmwareProfiles { get; init; }
    public required GranuleSizes WindowGranules { get; init; }
    public required string LegacyIo { get; init; }
    public required IReadOnlyList<MachineFacts> Machines { get; init; }

    public const string FileName = "hotplug.json";

    private static readonly Lazy<HotplugFacts> s_default = new(LoadEmbedded, LazyThreadSafetyMode.ExecutionAndPublication);

    public static HotplugFacts Default => s_default.Value;

    private static readonly JsonSerializerOptions s_options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        TypeInfoResolver = Serialization.CoreJsonContext.Default,
    };

    private static HotplugFacts LoadEmbedded()
    {
        using var stream = typeof(HotplugFacts).Assembly.GetManifestResourceStream("models/" + FileName)
            ?? throw new CatalogException("models/" + FileName, "$", "embedded hotplug facts file is missing");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), "models/" + FileName);
    }

    /// <summary>Parses and checks the facts; throws <see cref="CatalogException"/> when malformed.</summary>
    public static HotplugFacts Parse(string text, string file)
    {
        HotplugFacts facts;
        try
        {
            facts = JsonSerializer.Deserialize(text, (JsonTypeInfo<HotplugFacts>)s_options.GetTypeInfo(typeof(HotplugFacts))) ?? throw new CatalogException(file, "$", "file is empty");
        }
        catch (JsonException ex)
        {
            throw new CatalogException(file, ex.Path ?? "$", ex.Message);
        }
        facts.Check(file);
        return facts;
    }

    private void Check(string file)
    {
        void Rules(IReadOnlyList<LiveRule> rules, string name)
        {
            for (int i = 0; i < rules.Count; i++)
            {
                var r = rules[i];
                if (r.Layer is not (null or HotplugLayers.Libvirt or HotplugLayers.Qemu))
                    throw new CatalogException(file, $"$.{name}[{i}].layer", $"unknown layer '{r.Layer}' (libvirt or qemu)");
                if (r.Layer is not null && string.IsNullOrEmpty(r.Message))
                    throw new CatalogException(file, $"$.{name}[{i}].message", "a refusing rule needs a message");
            }
            if (rules.Count == 0 || rules[^1].Kind != "*")
                throw new CatalogException(file, $"$.{name}", "the last rule must match every kind ('*')");
        }
        Rules(LiveAttach, "liveAttach");
        Rules(LiveDetach, "liveDetach");
        Rules(QemuDevices, "qemuDevices");
        for (int i = 0; i < QemuNoHotplugBuses.Count; i++)
        {
            var b = QemuNoHotplugBuses[i];
            if (b.Bus is not (QemuBusRule.Pci or QemuBusRule.Scsi or QemuBusRule.SpaprVio))
                throw new CatalogException(file, $"$.qemuNoHotplugBuses[{i}].bus", $"unknown bus '{b.Bus}' (pci, scsi or spapr-vio)");
            if (b.Bus != QemuBusRule.SpaprVio && string.IsNullOrEmpty(b.Model))
                throw new CatalogException(file, $"$.qemuNoHotplugBuses[{i}].model", $"a {b.Bus} bus rule needs the controller model");
        }
        for (int i = 0; i < FirmwareProfiles.Count; i++)
        {
            var p = FirmwareProfiles[i];
            foreach (var (w, where) in new[] { (p.Port, "port"), (p.Bridge, "bridge") })
                foreach (var (size, field) in new[] { (w.Io, "io"), (w.Mem, "mem"), (w.Pref, "pref") })
                    if (!ByteSize.TryParse(size, out _))
                        throw new CatalogException(file, $"$.firmwareProfiles[{i}].{where}.{field}", $"'{size}' is not a size (e.g. 2M)");
        }
        if (FirmwareProfiles.All(p => p.Name != HotplugOptions.DefaultFirmware))
            throw new CatalogException(file, "$.firmwareProfiles", $"the default profile '{HotplugOptions.DefaultFirmware}' is missing");
        foreach (var (size, where) in new[] { (WindowGranules.Io, "windowGranules.io"), (WindowGranules.Mem, "windowGranules.mem"), (LegacyIo, "legacyIo") })
            if (!ByteSize.TryParse(size, out long n) || (n == 0 && where != "legacyIo"))
                throw new CatalogException(file, "$." + where, $"'{size}' is not a size (e.g. 4K)");
        for (int i = 0; i < Machines.Count; i++)
            if (!ByteSize.TryParse(Machines[i].PciHole64, out _))
                throw new CatalogException(file, $"$.machines[{i}].pciHole64", $"'{Machines[i].PciHole64}' is not a size (e.g. 2G)");
    }

    public FirmwareProfile? FindProfile(string name) => FirmwareProfiles.FirstOrDefault(p => p.Name == name);

    /// <summary>QEMU's refusal of hotplug on a bus of that kind and controller model (any model for spapr-vio), or null.</summary>
    public QemuBusRule? NoHotplugBus(string bus, string? model) =>
        QemuNoHotplugBuses.FirstOrDefault(r => r.Bus == bus && (bus == QemuBusRule.SpaprVio || r.Model == model));

    public static long Size(string text) => ByteSize.TryParse(text, out long n) ? n : 0;
}

/// <summary>Whether a device kind can be attached or detached live; the first matching rule wins.</summary>
internal sealed record LiveRule
{
    public required string Kind { get; init; }
    public string? Type { get; init; }
    public string? Bus { get; init; }
    public string? Model { get; init; }
    /// <summary>The machine types (catalog names) the rule applies to; null: every machine.</summary>
    public IReadOnlyList<string>? Machines { get; init; }
    /// <summary>The kind of address the device is given (<c>spapr-vio</c>, <c>pci</c>, ...); null: any, or none.</summary>
    public string? Address { get; init; }
    /// <summary>null: supported; libvirt or qemu: who refuses.</summary>
    public string? Layer { get; init; }
    public string? Message { get; init; }
    public string? Note { get; init; }

    public bool Matches(Device d, string machine) =>
        Matches(d.Kind, d.Type, d.Bus, d.Model)
        && (Machines is null || Machines.Contains(machine, StringComparer.Ordinal))
        && (Address is null || Address == d.Address?.Kind);

    public bool Matches(string kind, string? type, string? bus, string? model) =>
        Match(Kind, kind) && Match(Type, type) && Match(Bus, bus) && Match(Model, model);

    private static bool Match(string? pattern, string? value) =>
        pattern is null or "*" || string.Equals(pattern, value, StringComparison.Ordinal);

    public string Format(string kind, string? type, string? bus, string? model) =>
        (Message ?? "").Replace("{kind}", kind, StringComparison.Ordinal).Replace("{type}", type ?? "", StringComparison.Ordinal)
            .Replace("{bus}", bus ?? "", StringComparison.Ordinal).Replace("{model}", model ?? "", StringComparison.Ordinal);
}

/// <summary>
/// A bus libvirt attaches devices to but QEMU takes no hotplug on: a PCI bus by its controller model, the SCSI bus
/// of a SCSI controller model, or the spapr-vio bus.
/// </summary>
internal sealed record QemuBusRule
{
    public const string Pci = "pci", Scsi = "scsi", SpaprVio = "spapr-vio";

    public string Bus { get; set; } = Pci;
    public string? Model { get; init; }
    public required string Message { get; init; }
    public string? Note { get; init; }

    /// <summary>The message with the controller index filled in.</summary>
    public string Format(int index) => Message.Replace("{index}", index.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
}

/// <summary>What libvirt reports when QEMU exits as libvirt removes the zPCI device of a refused PCI device (s390x).</summary>
internal sealed record ZpciRollbackRule
{
    public required string Message { get; init; }
    public string? Note { get; init; }
}

/// <summary>The root-bus model whose hotplug needs ACPI, and the machine types where it does.</summary>
internal sealed record AcpiRule
{
    public required string RootModel { get; init; }
    public required IReadOnlyList<string> Machines { get; init; }
    public required string Message { get; init; }
    public string? Note { get; init; }
}

/// <summary>Windows a firmware gives ports and bridges that have no reserve.</summary>
internal sealed record FirmwareProfile
{
    public required string Name { get; init; }
    public string? Description { get; init; }
    public required WindowSizes Port { get; init; }
    public required WindowSizes Bridge { get; init; }
}

/// <summary>I/O, memory and prefetchable window sizes (catalog size strings).</summary>
internal sealed record WindowSizes
{
    public required string Io { get; init; }
    public required string Mem { get; init; }
    public required string Pref { get; init; }
}

/// <summary>Granules bridge windows are rounded to.</summary>
internal sealed record GranuleSizes
{
    public required string Io { get; init; }
    public required string Mem { get; init; }
}

/// <summary>Host-bridge facts of a machine type.</summary>
internal sealed record MachineFacts
{
    public required string Name { get; init; }
    public required string PciHole64 { get; init; }
    public string? Note { get; init; }
}
