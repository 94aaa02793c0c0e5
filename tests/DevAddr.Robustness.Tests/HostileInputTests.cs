using System.Diagnostics;
using DevAddr.Core;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using DevAddr.Core.Validation;
using DevAddr.Libvirt;
using Xunit.Abstractions;

namespace DevAddr.Robustness.Tests;

/// <summary>
/// Hostile inputs built to hit the readers' and the planner's limits: deep nesting, entity and alias bombs,
/// documents over the size limit, requests over the device limit, and the heaviest request of each kind at the
/// limit. Each gives its clear error (or a valid plan) quickly; none throws, overflows the stack or hangs.
/// </summary>
public sealed class HostileInputTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);

    private T Timed<T>(string what, Func<T> body)
    {
        var sw = Stopwatch.StartNew();
        var task = Task.Run(body);
        Assert.True(task.Wait(Limit), $"{what}: no answer within {Limit.TotalSeconds} s (hang)");
        output.WriteLine($"{what}: {sw.ElapsedMilliseconds} ms");
        return task.Result;
    }

    public static TheoryData<string, string, bool, string> HostileDocuments() => new()
    {
        { "JSON nested 1,000,000 deep", InputMutators.DeepJson(1_000_000), false, "well-formed" },
        { "JSON object nested 33 deep", InputMutators.DeepJsonObject(33), false, "well-formed" },
        { "JSON duplicate key", "{\"machine\": {\"arch\": \"x86_64\", \"type\": \"q35\", \"type\": \"pc\"}}", false, "well-formed" },
        { "JSON lone surrogate escape", "{\"machine\": {\"arch\": \"x86_64\", \"type\": \"\\ud800\"}}", false, "well-formed" },
        { "JSON number overflow", "{\"machine\": {\"arch\": \"x86_64\", \"type\": \"q35\"}, \"numaNodes\": 99999999999999}", false, "well-formed" },
        { "JSON over the size limit", "{\"machine\": {\"arch\": \"x86_64\", \"type\": \"q35\"}}" + new string(' ', PlanLimits.MaxInputChars), false, "max-input-size" },
        { "YAML flow nested 1,000,000 deep", InputMutators.DeepYamlFlow(1_000_000), true, "well-formed" },
        { "YAML block nested 2,000 deep", InputMutators.DeepYamlBlock(2_000), true, "well-formed" },
        { "YAML billion laughs (aliases)", InputMutators.YamlLaughs(9), true, "well-formed" },
        { "YAML tag and merge key", "machine: !!map {arch: x86_64, type: q35}\n<<: {devices: []}\n", true, "well-formed" },
        { "YAML over the size limit", "machine: {arch: x86_64, type: q35}\n#" + new string('x', PlanLimits.MaxInputChars), true, "max-input-size" },
    };

    [Theory]
    [MemberData(nameof(HostileDocuments))]
    public void ReadRequest_HostileDocument_GivesItsClearError(string what, string text, bool yaml, string rule)
    {
        var (request, error) = Timed(what, () => PlanJson.ReadRequest(text, yaml));

        if (error is null)
        {
            var result = Timed(what + " (plan)", () => AddressPlanner.Plan(request!));
            error = Assert.IsType<PlanResult.Failure>(result).Error;
        }
        output.WriteLine($"  {error.Code}/{error.Rule}: {error.Message[..Math.Min(error.Message.Length, 200)]}");
        Assert.Equal(rule, error.Rule);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    public static TheoryData<string, string, string> HostileXml() => new()
    {
        { "XML billion laughs (entities)", InputMutators.XmlLaughs(9), "DTD" },
        { "XML external entity", InputMutators.XmlExternalEntity, "DTD" },
        { "XML nested 1,000,000 deep", InputMutators.DeepXml(1_000_000), "nests deeper" },
        { "XML not a domain", "<network/>", "<domain>" },
        { "XML absurd number", "<domain><devices><controller type='pci' index='4294967296'/></devices></domain>", "Cannot parse index" },
        { "XML truncated", "<domain><devices><disk type='file'", "XML error" },
    };

    [Theory]
    [MemberData(nameof(HostileXml))]
    public void ParseDomainXml_HostileDocument_ThrowsDomainXmlException(string what, string text, string message)
    {
        var ex = Timed(what, () => Record.Exception(() => DomainXml.Parse(text)));

        var domainError = Assert.IsType<DomainXmlException>(ex);
        output.WriteLine("  " + domainError.Message[..Math.Min(domainError.Message.Length, 200)]);
        Assert.Contains(message, domainError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseDomainXml_HugeDomain_ReadsAndPlanGivesMaxDevicesError()
    {
        string xml = InputMutators.HugeXml(100_000);
        var domain = Timed("XML with 100,000 devices (parse)", () => DomainXml.Parse(xml));
        var result = Timed("XML with 100,000 devices (plan)", () => AddressPlanner.Plan(domain.Request));

        Assert.Equal("max-devices", Assert.IsType<PlanResult.Failure>(result).Error.Rule);
    }

    [Fact]
    public void Plan_OneDeviceOverTheLimit_GivesMaxDevicesError()
    {
        var (request, error) = PlanJson.ReadRequest(InputMutators.HugeJsonRequest(PlanLimits.MaxDevices + 1));
        Assert.Null(error);

        var result = Timed("request with MaxDevices + 1 devices", () => AddressPlanner.Plan(request!));

        var failure = Assert.IsType<PlanResult.Failure>(result).Error;
        Assert.Equal(ErrorCodes.InvalidInput, failure.Code);
        Assert.Equal("max-devices", failure.Rule);
    }

    public static TheoryData<string, string, Func<int, Device>> HeaviestKinds() => new()
    {
        { "q35", "virtio NICs", i => new Device { Id = $"n{i}", Kind = "interface", Model = "virtio" } },
        { "pc", "e1000 NICs", i => new Device { Id = $"n{i}", Kind = "interface", Model = "e1000" } },
        { "q35", "SCSI disks", i => new Device { Id = $"d{i}", Kind = "disk", Bus = "scsi", Target = "sd" + DiskLetters(i) } },
        { "q35", "SATA disks", i => new Device { Id = $"d{i}", Kind = "disk", Bus = "sata", Target = "sd" + DiskLetters(i) } },
        { "q35", "USB tablets", i => new Device { Id = $"u{i}", Kind = "input", Type = "tablet", Bus = "usb" } },
        { "q35", "pcie-root-ports", i => new Device { Id = $"p{i}", Kind = "controller", Type = "pci", Model = "pcie-root-port", Index = i + 1 } },
        { "pc", "pci-bridges", i => new Device { Id = $"p{i}", Kind = "controller", Type = "pci", Model = "pci-bridge", Index = i + 1 } },
        { "virt", "virtio disks", i => new Device { Id = $"d{i}", Kind = "disk", Bus = "virtio", Target = "vd" + DiskLetters(i) } },
        { "q35", "smartcards", i => new Device { Id = $"c{i}", Kind = "smartcard", Type = "host" } },
        { "q35", "DIMMs", i => new Device { Id = $"m{i}", Kind = "memory", Model = "dimm" } },
    };

    private static string DiskLetters(int i) =>
        i < 26 ? ((char)('a' + i)).ToString() : i < 26 + 676 ? $"{(char)('a' + (i - 26) / 26)}{(char)('a' + (i - 26) % 26)}"
        : $"{(char)('a' + (i - 702) / 676 % 26)}{(char)('a' + (i - 702) / 26 % 26)}{(char)('a' + (i - 702) % 26)}";

    [Theory]
    [MemberData(nameof(HeaviestKinds))]
    public void Plan_MaxDevicesOfOneKind_AnswersInTime(string machine, string what, Func<int, Device> device)
    {
        var request = new PlanRequest
        {
            Machine = new MachineSpec(machine == "virt" ? "aarch64" : "x86_64", machine),
            MemorySlots = 255,
            Devices = Enumerable.Range(0, PlanLimits.MaxDevices).Select(device).ToList(),
        };

        var result = Timed($"{PlanLimits.MaxDevices} {what} on {machine}", () => AddressPlanner.Plan(request));

        if (result is PlanResult.Success s)
        {
            output.WriteLine($"  plan with {s.Plan.Devices.Count} devices");
            Assert.Empty(AddressPlanner.Validate(s.Plan));
        }
        else
        {
            var e = ((PlanResult.Failure)result).Error;
            output.WriteLine($"  {e.Code}/{e.Rule}: {e.Message}");
            Assert.Contains(e.Code, FuzzRun.KnownCodes);
        }
    }
}
