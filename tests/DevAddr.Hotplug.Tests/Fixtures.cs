using System.Text.Json;
using System.Text.Json.Serialization;
using DevAddr.Core.Hotplug;
using DevAddr.Core.Model;
using DevAddr.Libvirt;

namespace DevAddr.Hotplug.Tests;

/// <summary>
/// One scenario of <c>fixtures/hotplug/CASE/</c>: <c>domain.xml</c> (the cold definition), <c>layout.xml</c> (what
/// libvirt 9.0 made of it: the running guest's layout), <c>devices.xml</c> or <c>devices.json</c> (what to hot-plug),
/// and <c>expected.json</c> (verdicts, reasons, suggestions); or <c>unplug.json</c> for a hot-unplug scenario.
/// </summary>
internal sealed class HotplugFixture
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private HotplugFixture(string name)
    {
        Name = name;
        Dir = Path.Combine(RepoPaths.Hotplug, name);
    }

    public string Name { get; }
    public string Dir { get; }
    public string DomainPath => Path.Combine(Dir, "domain.xml");
    public string LayoutPath => Path.Combine(Dir, "layout.xml");
    public string? DevicesXmlPath => File.Exists(Path.Combine(Dir, "devices.xml")) ? Path.Combine(Dir, "devices.xml") : null;
    public string DevicesPath => Path.Combine(Dir, File.Exists(Path.Combine(Dir, "devices.json")) ? "devices.json" : "devices.xml");
    public bool IsUnplug => File.Exists(Path.Combine(Dir, "unplug.json"));

    public Expected ExpectedHotplug => JsonSerializer.Deserialize<Expected>(File.ReadAllText(Path.Combine(Dir, "expected.json")), Json)!;
    public ExpectedUnplug ExpectedUnplugCase => JsonSerializer.Deserialize<ExpectedUnplug>(File.ReadAllText(Path.Combine(Dir, "unplug.json")), Json)!;

    public LibvirtLayout Layout() => LibvirtHotplug.ReadLayout(File.ReadAllText(LayoutPath));

    public IReadOnlyList<Device> Devices()
    {
        string text = File.ReadAllText(DevicesPath);
        if (DevicesPath.EndsWith(".xml", StringComparison.Ordinal)) return LibvirtHotplug.ReadDevices(text);
        var (devices, error) = HotplugJson.ReadDevices(text);
        Assert.Null(error);
        return devices!;
    }

    public HotplugOptions Options(LibvirtLayout layout) =>
        layout.Options with { Firmware = ExpectedHotplug.Firmware ?? HotplugOptions.DefaultFirmware };

    public static IEnumerable<HotplugFixture> All() =>
        Directory.GetDirectories(RepoPaths.Hotplug).Select(Path.GetFileName).Order(StringComparer.Ordinal).Select(n => new HotplugFixture(n!));

    public static HotplugFixture Named(string name) => new(name);

    public static TheoryData<string> HotplugCases() => new(All().Where(f => !f.IsUnplug).Select(f => f.Name));

    public static TheoryData<string> UnplugCases() => new(All().Where(f => f.IsUnplug).Select(f => f.Name));

    public static TheoryData<string> LiveHotplugCases() =>
        new(All().Where(f => !f.IsUnplug && f.DevicesXmlPath is not null && f.ExpectedHotplug.Live != false).Select(f => f.Name));

    public override string ToString() => Name;

    internal sealed record Expected
    {
        public string? Description { get; init; }
        public string? Field { get; init; }
        public Dictionary<string, string>? Axes { get; init; }
        public string? Firmware { get; init; }
        public bool? Live { get; init; }
        public bool Feasible { get; init; }
        public required ExpectedMachine Machine { get; init; }
        public required List<ExpectedDevice> Devices { get; init; }
        public required List<string> Suggestions { get; init; }
    }

    internal sealed record ExpectedMachine(bool RootBusHotplug, bool NeedsPreallocatedPorts, int FreeHotplugPorts, int FreeHotplugPciSlots, int? FreeCcwDevnos = null);

    internal sealed record ExpectedDevice
    {
        public required string Id { get; init; }
        public bool Feasible { get; init; }
        public string? Address { get; init; }
        public string? Zpci { get; init; }
        public string? PciPath { get; init; }
        public required List<string> Reasons { get; init; }
        public required List<string> Layers { get; init; }
        public string? LibvirtError { get; init; }
        public List<string>? AddedControllers { get; init; }
    }

    internal sealed record ExpectedUnplug
    {
        public string? Description { get; init; }
        public required List<string> Unplug { get; init; }
        public bool Removable { get; init; }
        public required List<ExpectedUnplugDevice> Devices { get; init; }
        public int LayoutAfterDevices { get; init; }
    }

    internal sealed record ExpectedUnplugDevice
    {
        public required string Id { get; init; }
        public bool Removable { get; init; }
        public required List<string> Reasons { get; init; }
        [JsonPropertyName("libvirtError")] public string? LibvirtError { get; init; }
    }
}
