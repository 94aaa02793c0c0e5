using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace DevAddr.Core.Catalog;

/// <summary>The catalog of machine types, PCI controller models and device models (the data in <c>models/</c>).</summary>
public sealed class DeviceCatalog
{
    private static readonly Lazy<DeviceCatalog> s_default = new(LoadEmbedded, LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly FrozenDictionary<string, PciControllerModel> _pciByModel;

    private DeviceCatalog(MachinesFile machines, PciControllersFile pci, DevicesFile devices, LibvirtVersionsFile versions)
    {
        Machines = machines.Machines;
        PciControllers = pci.Controllers;
        DeviceRules = devices.Models;
        PciPassOrder = devices.PciPassOrder;
        LibvirtVersions = versions.Versions;
        PlanOrder = devices.PlanOrder;
        NicModels = devices.NicModels;
        _pciByModel = pci.Controllers.ToFrozenDictionary(c => c.Model, StringComparer.Ordinal);
        _planRank = PlanOrder.Select((k, i) => (k, i)).DistinctBy(x => x.k, StringComparer.Ordinal)
            .ToFrozenDictionary(x => x.k, x => x.i, StringComparer.Ordinal);
        _passRank = PciPassOrder.Select((p, i) => (p, i)).DistinctBy(x => x.p, StringComparer.Ordinal)
            .ToFrozenDictionary(x => x.p, x => x.i, StringComparer.Ordinal);
    }

    /// <summary>The catalog shipped with DevAddr.</summary>
    public static DeviceCatalog Default => s_default.Value;

    /// <summary>Machine types.</summary>
    public IReadOnlyList<MachineType> Machines { get; }
    /// <summary>PCI controller models.</summary>
    public IReadOnlyList<PciControllerModel> PciControllers { get; }
    /// <summary>Device model rules, most specific first.</summary>
    public IReadOnlyList<DeviceModelRule> DeviceRules { get; }
    /// <summary>Order of the automatic PCI placement passes.</summary>
    public IReadOnlyList<string> PciPassOrder { get; }
    /// <summary>Order of device kinds in a plan (kinds not listed follow, in request order).</summary>
    public IReadOnlyList<string> PlanOrder { get; }
    /// <summary>The libvirt releases the libvirt policy reproduces, oldest first.</summary>
    public IReadOnlyList<LibvirtRules> LibvirtVersions { get; }

    /// <summary>The rules of a libvirt release, or null.</summary>
    public LibvirtRules? FindLibvirt(string version) =>
        LibvirtVersions.FirstOrDefault(v => string.Equals(v.Version, version, StringComparison.Ordinal));

    /// <summary>
    /// The NIC models libvirt knows by name: a model given in another spelling is stored as written here (libvirt
    /// matches them ignoring case); any other name is kept as given (and placed like a PCI Express device).
    /// </summary>
    public IReadOnlyList<string> NicModels { get; }

    /// <summary>A NIC model in libvirt's spelling when it is one of <see cref="NicModels"/> (ignoring case), else as given.</summary>
    public string CanonicalNicModel(string model) =>
        NicModels.FirstOrDefault(m => string.Equals(m, model, StringComparison.OrdinalIgnoreCase)) ?? model;

    /// <summary>Finds the machine type for an architecture and a machine name (or alias), or null.</summary>
    public MachineType? FindMachine(string arch, string machine)
    {
        return _machines.TryGetValue((arch, machine), out var known) ? known : Find(arch, machine);

        // (A method of its own: the search's closure is allocated only when the lookup misses.)
        MachineType? Find(string arch, string machine)
        {
            var found = Machines.FirstOrDefault(m => m.Arches.Contains(arch, StringComparer.Ordinal) &&
                                                     m.Aliases.Any(a => AliasMatches(a, machine)));
            if (_machines.Count < ResolvedLimit) _machines.TryAdd((arch, machine), found);
            return found;
        }
    }

    /// <summary>Machine names looked up so far (bounded like <see cref="_resolved"/>).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, string), MachineType?> _machines = new();

    /// <summary>The position of a PCI placement pass in <see cref="PciPassOrder"/>, or -1 (no pass, or an unknown one).</summary>
    internal int PassRank(string? pass) => pass is not null && _passRank.TryGetValue(pass, out int rank) ? rank : -1;

    private readonly FrozenDictionary<string, int> _passRank;

    /// <summary>The position of a device kind in <see cref="PlanOrder"/> (kinds it does not list come last).</summary>
    internal int PlanRank(string kind) => _planRank.TryGetValue(kind, out int rank) ? rank : PlanOrder.Count;

    private readonly FrozenDictionary<string, int> _planRank;

    /// <summary>The PCI controller model of that name, or null.</summary>
    public PciControllerModel? FindPciController(string model) => _pciByModel.GetValueOrDefault(model);

    /// <summary>
    /// What the planner derives from a PCI controller model, derived once per model: its device rule, its flags
    /// upstream (what it plugs into) and downstream (what its slots accept). Null for an unknown model.
    /// </summary>
    internal PciControllerInfo? PciControllerInfo(string model)
    {
        if (_pciInfo.TryGetValue(model, out var info)) return info;
        if (FindPciController(model) is not { } m) return null;
        return _pciInfo.GetOrAdd(model, new PciControllerInfo(m));
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, PciControllerInfo> _pciInfo = new(StringComparer.Ordinal);

    /// <summary>The first device rule matching a device, or null when no rule matches.</summary>
    public DeviceModelRule? Resolve(string kind, string? type, string? bus, string? model)
    {
        return _resolved.TryGetValue(new RuleKey(kind, type, bus, model), out var known) ? known : Find(kind, type, bus, model);

        // (A method of its own: the search's closure is allocated only when the lookup misses.)
        DeviceModelRule? Find(string kind, string? type, string? bus, string? model)
        {
            var rule = DeviceRules.FirstOrDefault(r => r.Matches(kind, type, bus, model));
            // Remembered for the combinations guests use; a stream of made-up model names does not grow it without end.
            if (_resolved.Count < ResolvedLimit) _resolved.TryAdd(new RuleKey(kind, type, bus, model), rule);
            return rule;
        }
    }

    private const int ResolvedLimit = 4096;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<RuleKey, DeviceModelRule?> _resolved = new();

    /// <summary>
    /// What a rule is looked up by. A struct of its own rather than a tuple: the dictionary's code is compiled for it
    /// (no shared generic code looking up string comparers), and a miss on the hash skips comparing four strings.
    /// </summary>
    private readonly struct RuleKey(string kind, string? type, string? bus, string? model) : IEquatable<RuleKey>
    {
        private readonly string _kind = kind;
        private readonly string? _type = type, _bus = bus, _model = model;

        public bool Equals(RuleKey other) =>
            string.Equals(_kind, other._kind) && string.Equals(_type, other._type) && string.Equals(_bus, other._bus) &&
            string.Equals(_model, other._model);

        public override bool Equals(object? obj) => obj is RuleKey other && Equals(other);

        public override int GetHashCode() => HashCode.Combine(_kind.GetHashCode(), _type?.GetHashCode() ?? 0, _bus?.GetHashCode() ?? 0, _model?.GetHashCode() ?? 0);
    }

    private static bool AliasMatches(string alias, string machine) =>
        alias.EndsWith('*')
            ? machine.StartsWith(alias[..^1], StringComparison.Ordinal)
            : string.Equals(alias, machine, StringComparison.Ordinal);

    /// <summary>Loads the catalog from a directory holding machines.json, pci-controllers.json and devices.json.</summary>
    public static DeviceCatalog LoadDirectory(string directory) =>
        Load(name =>
        {
            string path = Path.Combine(directory, name);
            return File.Exists(path) ? File.ReadAllText(path) : throw new CatalogException(path, "$", "file is missing");
        }, name => Path.Combine(directory, name));

    private static DeviceCatalog LoadEmbedded()
    {
        var asm = typeof(DeviceCatalog).Assembly;
        return Load(name =>
        {
            using var stream = asm.GetManifestResourceStream("models/" + name)
                ?? throw new CatalogException("models/" + name, "$", "embedded catalog file is missing");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }, name => "models/" + name);
    }

    /// <summary>The catalog files, by name.</summary>
    public static IReadOnlyList<string> FileNames { get; } = ["machines.json", "pci-controllers.json", "devices.json", "libvirt-versions.json"];

    private static DeviceCatalog Load(Func<string, string> read, Func<string, string> display)
    {
        var machines = Parse<MachinesFile>(read("machines.json"), display("machines.json"));
        var pci = Parse<PciControllersFile>(read("pci-controllers.json"), display("pci-controllers.json"));
        var devices = Parse<DevicesFile>(read("devices.json"), display("devices.json"));
        var versions = Parse<LibvirtVersionsFile>(read("libvirt-versions.json"), display("libvirt-versions.json"));
        var catalog = new DeviceCatalog(machines, pci, devices, versions);
        catalog.Check(display);
        return catalog;
    }

    private static readonly JsonSerializerOptions s_options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        TypeInfoResolver = Serialization.CoreJsonContext.Default,
        Converters = { new InterningStringConverter() },
    };

    /// <summary>
    /// Reads every catalog string as the runtime's one copy of it: the planner compares device kinds, types and models
    /// with the catalog's on every device, and the words it writes itself ("controller", "pci") then match by reference.
    /// </summary>
    private sealed class InterningStringConverter : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetString() is { } s ? string.Intern(s) : null;

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

        public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            string.Intern(reader.GetString()!);

        public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);
    }

    private static T Parse<T>(string text, string file)
    {
        try
        {
            return JsonSerializer.Deserialize(text, (JsonTypeInfo<T>)s_options.GetTypeInfo(typeof(T))) ?? throw new CatalogException(file, "$", "file is empty");
        }
        catch (JsonException ex)
        {
            throw new CatalogException(file, ex.Path ?? "$", ex.Message);
        }
    }

    private static readonly FrozenSet<string> s_connectTypes = new[]
    {
        "pci-device", "pcie-device", "pcie-root-port", "pcie-switch-upstream-port", "pcie-switch-downstream-port",
        "dmi-to-pci-bridge", "pcie-to-pci-bridge", "pci-bridge", "pci-expander-bus", "pcie-expander-bus",
    }.ToFrozenSet(StringComparer.Ordinal);

    private void Check(Func<string, string> display)
    {
        string mf = display("machines.json"), pf = display("pci-controllers.json"), df = display("devices.json");
        var names = new HashSet<(string, string)>();
        for (int i = 0; i < Machines.Count; i++)
        {
            var m = Machines[i];
            foreach (string arch in m.Arches)
                if (!names.Add((m.Name, arch))) throw new CatalogException(mf, $"$.machines[{i}].name", $"duplicate machine type '{m.Name}' for architecture '{arch}'");
            if (m.PciRoot is not null && FindPciController(m.PciRoot) is not { Root: true })
                throw new CatalogException(mf, $"$.machines[{i}].pciRoot", $"'{m.PciRoot}' is not a root PCI controller model");
            if (m.ExpanderBus is not null && FindPciController(m.ExpanderBus) is null)
                throw new CatalogException(mf, $"$.machines[{i}].expanderBus", $"unknown PCI controller model '{m.ExpanderBus}'");
            if (m.IoSpace is not null && !ByteSize.TryParse(m.IoSpace, out _))
                throw new CatalogException(mf, $"$.machines[{i}].ioSpace", $"'{m.IoSpace}' is not a size (e.g. 64K)");
            if (m.Mmio32Window is not null && !ByteSize.TryParse(m.Mmio32Window, out _))
                throw new CatalogException(mf, $"$.machines[{i}].mmio32Window", $"'{m.Mmio32Window}' is not a size (e.g. 1004M)");
            foreach (var a in m.ReservedAddresses.Concat(m.FixedControllers.Select(f => f.Address)))
                if (!RootAddress.TryParse(a, out _))
                    throw new CatalogException(mf, $"$.machines[{i}]", $"'{a}' is not a bus:slot.function address");
        }
        for (int i = 0; i < PciControllers.Count; i++)
        {
            var c = PciControllers[i];
            if (c.Is != "none" && !s_connectTypes.Contains(c.Is))
                throw new CatalogException(pf, $"$.controllers[{i}].is", $"unknown connect type '{c.Is}'");
            foreach (var t in c.Accepts)
                if (!s_connectTypes.Contains(t))
                    throw new CatalogException(pf, $"$.controllers[{i}].accepts", $"unknown connect type '{t}'");
            if (c.MinSlot < 0 || c.MaxSlot > 31 || c.MinSlot > c.MaxSlot)
                throw new CatalogException(pf, $"$.controllers[{i}]", $"slot range {c.MinSlot}-{c.MaxSlot} is not within 0-31");
        }
        for (int i = 0; i < DeviceRules.Count; i++)
        {
            var r = DeviceRules[i];
            if (r.Connect is not ("pci" or "pcie" or "virtio" or "none"))
                throw new CatalogException(df, $"$.models[{i}].connect", $"unknown connect '{r.Connect}' (pci, pcie, virtio or none)");
            for (int b = 0; b < r.Bars.Count; b++)
                if (!ByteSize.TryParse(r.Bars[b].Size, out _) || r.Bars[b].Kind is not ("io" or "mem32" or "mem32pref" or "mem64" or "mem64pref"))
                    throw new CatalogException(df, $"$.models[{i}].bars[{b}]", $"BAR '{r.Bars[b].Size}' '{r.Bars[b].Kind}' needs a size (e.g. 4K) and a kind (io, mem32, mem32pref, mem64, mem64pref)");
            if (r.Connect != "none" && (r.Pass is null || !PciPassOrder.Contains(r.Pass)))
                throw new CatalogException(df, $"$.models[{i}].pass", $"PCI device rule needs a pass from pciPassOrder, got '{r.Pass}'");
        }
        string vf = display("libvirt-versions.json");
        if (LibvirtVersions.Count == 0) throw new CatalogException(vf, "$.versions", "no libvirt version");
        var versions = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < LibvirtVersions.Count; i++)
        {
            if (!versions.Add(LibvirtVersions[i].Version))
                throw new CatalogException(vf, $"$.versions[{i}].version", $"duplicate libvirt version '{LibvirtVersions[i].Version}'");
            foreach (string kind in LibvirtVersions[i].UsbCategoryOrder)
                if (kind is not ("hostdev" or "disk" or "controller" or "input" or "serial" or "sound" or "redirdev" or "interface" or "filesystem"))
                    throw new CatalogException(vf, $"$.versions[{i}].usbCategoryOrder", $"unknown USB device kind '{kind}'");
        }
    }

    internal sealed record MachinesFile
    {
        [JsonPropertyName("$schema")] public string? Schema { get; init; }
        public string? Description { get; init; }
        public required IReadOnlyList<MachineType> Machines { get; init; }
    }

    internal sealed record PciControllersFile
    {
        [JsonPropertyName("$schema")] public string? Schema { get; init; }
        public string? Description { get; init; }
        public required IReadOnlyList<PciControllerModel> Controllers { get; init; }
    }

    internal sealed record LibvirtVersionsFile
    {
        [JsonPropertyName("$schema")] public string? Schema { get; init; }
        public string? Description { get; init; }
        public required IReadOnlyList<LibvirtRules> Versions { get; init; }
    }

    internal sealed record DevicesFile
    {
        [JsonPropertyName("$schema")] public string? Schema { get; init; }
        public string? Description { get; init; }
        public required IReadOnlyList<string> PciPassOrder { get; init; }
        public required IReadOnlyList<string> PlanOrder { get; init; }
        public required IReadOnlyList<string> NicModels { get; init; }
        public required IReadOnlyList<DeviceModelRule> Models { get; init; }
    }
}

/// <summary>A catalog file is malformed.</summary>
public sealed class CatalogException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CatalogException(string file, string path, string message)
        : base($"{file}: {path}: {message}")
    {
        File = file;
        JsonPath = path;
    }

    /// <summary>The catalog file.</summary>
    public string File { get; }
    /// <summary>The JSON path of the offending value.</summary>
    public string JsonPath { get; }
}

/// <summary>Parses catalog addresses of the form <c>bus:slot.function</c> (hex).</summary>
internal static class RootAddress
{
    public static bool TryParse(string text, out (int Bus, int Slot, int Function) value)
    {
        value = default;
        // Three fields separated by ':' or '.' (either, as the catalog writes bus:slot.function).
        var t = text.AsSpan();
        int first = t.IndexOfAny(':', '.');
        if (first < 0) return false;
        int second = t[(first + 1)..].IndexOfAny(':', '.');
        if (second < 0) return false;
        second += first + 1;
        if (t[(second + 1)..].IndexOfAny(':', '.') >= 0) return false;
        const System.Globalization.NumberStyles hex = System.Globalization.NumberStyles.HexNumber;
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (!int.TryParse(t[..first], hex, inv, out int b) ||
            !int.TryParse(t[(first + 1)..second], hex, inv, out int s) ||
            !int.TryParse(t[(second + 1)..], hex, inv, out int f))
            return false;
        if (s > 31 || f > 7) return false;
        value = (b, s, f);
        return true;
    }
}

/// <summary>Parses catalog sizes: a number of bytes with an optional K, M or G suffix (powers of 1024), at most 1 PiB.</summary>
internal static class ByteSize
{
    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrEmpty(text)) return false;
        long unit = char.ToUpperInvariant(text[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1 };
        var digits = unit == 1 ? text.AsSpan() : text.AsSpan(0, text.Length - 1);
        if (!long.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long n) || n > (1L << 50) / unit)
            return false;
        bytes = n * unit;
        return true;
    }
}
