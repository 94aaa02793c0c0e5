using DevAddr.Core.Model;
using DevAddr.Core.Serialization;

namespace DevAddr.Core.Tests;

/// <summary>Reading and writing requests and plans: round trips, YAML, and malformed input.</summary>
public sealed class PlanJsonTests
{
    public static TheoryData<string> ExampleFiles() => JsonSchemaTests.ExampleFiles();

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void ReadRequest_SerializedRequest_RoundTrips(string file)
    {
        var request = Read(Path.Combine(RepoPaths.Examples, file));

        string once = PlanJson.Serialize(request);
        var (again, error) = PlanJson.ReadRequest(once);

        Assert.Null(error);
        Assert.Equal(once, PlanJson.Serialize(again!));
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void ReadPlan_SerializedPlan_RoundTrips(string file)
    {
        var plan = Assert.IsType<PlanResult.Success>(AddressPlanner.Plan(Read(Path.Combine(RepoPaths.Examples, file)))).Plan;

        string once = PlanJson.Serialize(plan);
        var (again, error) = PlanJson.ReadPlan(once);

        Assert.Null(error);
        Assert.Equal(once, PlanJson.Serialize(again!));
        Assert.Equal(plan.Devices.Count, again!.Devices.Count);
    }

    [Fact]
    public void ReadRequest_EveryAddressKind_RoundTrips()
    {
        const string json = """
            { "machine": { "arch": "x86_64", "type": "q35" }, "numaNodes": 2, "memorySlots": 4,
              "devices": [
                { "id": "a", "kind": "interface", "model": "virtio", "address": { "type": "pci", "domain": 0, "bus": 0, "slot": 3, "function": 0, "multifunction": true } },
                { "id": "b", "kind": "disk", "bus": "sata", "target": "sda", "address": { "type": "drive", "controller": 0, "bus": 0, "target": 0, "unit": 1 } },
                { "id": "c", "kind": "input", "type": "tablet", "bus": "usb", "address": { "type": "usb", "bus": 0, "port": "1.2" } },
                { "id": "d", "kind": "channel", "type": "virtio", "address": { "type": "virtio-serial", "controller": 0, "bus": 0, "port": 3 } },
                { "id": "e", "kind": "smartcard", "address": { "type": "ccid", "controller": 0, "slot": 0 } },
                { "id": "f", "kind": "memory", "model": "dimm", "address": { "type": "dimm", "slot": 1, "base": "0x100000000" } },
                { "id": "g", "kind": "panic", "model": "isa", "address": { "type": "other", "addressType": "isa", "attributes": { "iobase": "0x505" } } },
                { "id": "h", "kind": "controller", "type": "pci", "model": "pcie-root-port", "index": 1,
                  "controller": { "chassis": 1, "port": 8, "hotplug": false, "modelName": "pcie-root-port" } },
                { "id": "i", "kind": "hostdev", "type": "pci", "host": { "address": "0000:3b:00.0", "pciExpress": true } }
              ] }
            """;

        var (request, error) = PlanJson.ReadRequest(json);

        Assert.Null(error);
        Assert.Equal(new PciAddress(0, 0, 3, 0, true), request!.Devices[0].Address);
        Assert.Equal(new DriveAddress(0, 0, 0, 1), request.Devices[1].Address);
        Assert.Equal(new UsbAddress(0, "1.2"), request.Devices[2].Address);
        Assert.Equal(new VirtioSerialAddress(0, 0, 3), request.Devices[3].Address);
        Assert.Equal(new CcidAddress(0, 0), request.Devices[4].Address);
        Assert.Equal(new DimmAddress(1, "0x100000000"), request.Devices[5].Address);
        Assert.Equal(new OtherAddress("isa", new Dictionary<string, string> { ["iobase"] = "0x505" }), request.Devices[6].Address);
        Assert.Equal(new ControllerOptions { Chassis = 1, Port = 8, Hotplug = false, ModelName = "pcie-root-port" }, request.Devices[7].Controller);
        Assert.Equal(new HostDevice { Address = "0000:3b:00.0", PciExpress = true }, request.Devices[8].Host);
        var (again, _) = PlanJson.ReadRequest(PlanJson.Serialize(request));
        Assert.Equal(request.Devices.Select(d => d.Address), again!.Devices.Select(d => d.Address));
        Assert.Empty(Schemas.Errors(Schemas.Request, json));
    }

    [Fact]
    public void Serialize_DimmAddressWithoutBase_OmitsBaseAndRoundTrips()
    {
        var request = new PlanRequest
        {
            Machine = new MachineSpec("x86_64", "q35"),
            MemorySlots = 2,
            Devices =
            [
                new Device { Id = "m0", Kind = "memory", Model = "dimm", Address = new DimmAddress(0) },
                new Device { Id = "m1", Kind = "memory", Model = "dimm", Address = new DimmAddress(1, "0x100000000") },
            ],
        };

        string json = PlanJson.Serialize(request);
        var plan = Assert.IsType<PlanResult.Success>(AddressPlanner.Plan(request)).Plan;
        string planJson = PlanJson.Serialize(plan);

        Assert.DoesNotContain("\"base\": null", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"base\": null", planJson, StringComparison.Ordinal);
        Assert.Contains("\"base\": \"0x100000000\"", planJson, StringComparison.Ordinal);
        Assert.Empty(Schemas.Errors(Schemas.Request, json));
        Assert.Empty(Schemas.Errors(Schemas.Plan, planJson));
        var (again, error) = PlanJson.ReadPlan(planJson);
        Assert.Null(error);
        Assert.Equal(plan.Devices.Select(d => d.Address), again!.Devices.Select(d => d.Address));
        Assert.Equal(planJson, PlanJson.Serialize(again));
    }

    [Fact]
    public void ReadRequest_YamlAndJsonOfOneRequest_GiveEqualRequests()
    {
        const string json = """
            { "machine": { "arch": "x86_64", "type": "pc" }, "memorySlots": 2,
              "devices": [
                { "id": "nic0", "kind": "interface", "model": "virtio", "address": { "type": "pci", "bus": 0, "slot": 5 } },
                { "id": "cdrom", "kind": "disk", "type": "cdrom", "bus": "ide", "target": "hdc" },
                { "id": "serial", "kind": "controller", "type": "virtio-serial", "index": 0, "controller": { "ports": 4, "hotplug": true } },
                { "id": "tablet", "kind": "input", "type": "tablet", "bus": "usb", "address": { "type": "usb", "bus": 0, "port": "2" } }
              ] }
            """;
        const string yaml = """
            # the same request
            machine: { arch: x86_64, type: pc }
            memorySlots: 2
            devices:
              - id: nic0
                kind: interface
                model: virtio
                address: { type: pci, bus: 0, slot: 0x5 }
              - { id: cdrom, kind: disk, type: cdrom, bus: ide, target: hdc }
              - id: serial
                kind: controller
                type: virtio-serial
                index: 0
                controller: { ports: 4, hotplug: true }
              - id: tablet
                kind: input
                type: tablet
                bus: usb
                address: { type: usb, bus: 0, port: "2" }
            """;

        var (fromJson, jsonError) = PlanJson.ReadRequest(json);
        var (fromYaml, yamlError) = PlanJson.ReadRequest(yaml);

        Assert.Null(jsonError);
        Assert.Null(yamlError);
        Assert.Equal(PlanJson.Serialize(fromJson!), PlanJson.Serialize(fromYaml!));
        Assert.Equal(fromJson!.Devices.Select(d => d.Address), fromYaml!.Devices.Select(d => d.Address));
    }

    [Fact]
    public void ReadRequest_ExampleYaml_EqualsItsJsonConversion()
    {
        string path = Path.Combine(RepoPaths.Examples, "pc-basic.yaml");
        var (fromYaml, _) = PlanJson.ReadRequest(File.ReadAllText(path), yaml: true);
        var (fromJson, error) = PlanJson.ReadRequest(JsonSchemaTests.AsJson(path), yaml: false);

        Assert.Null(error);
        Assert.Equal(PlanJson.Serialize(fromYaml!), PlanJson.Serialize(fromJson!));
        Assert.Equal(new PciAddress(0, 0, 5, 0), fromYaml!.Devices[0].Address);
    }

    [Fact]
    public void Serialize_Plan_IsCamelCaseAndOmitsUnsetMembers()
    {
        var (request, _) = PlanJson.ReadRequest("""{ "machine": { "arch": "x86_64", "type": "pc" } }""");
        var plan = Assert.IsType<PlanResult.Success>(AddressPlanner.Plan(request!)).Plan;

        string json = PlanJson.Serialize(plan);

        Assert.Contains("\"freeHotplugSlots\":", json, StringComparison.Ordinal);
        Assert.Contains("\"added\": true", json, StringComparison.Ordinal);
        Assert.DoesNotContain("null", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"added\": false", json, StringComparison.Ordinal);
        Assert.EndsWith("}\n", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", json, StringComparison.Ordinal);
    }

    /// <summary>Malformed input: each gives an invalid-input error whose message contains the given text.</summary>
    public static TheoryData<string, string, bool?> MalformedRequests() => new()
    {
        { "", "empty", null },
        { "   \n", "empty", null },
        { "null", "empty", false },
        { "# only a comment\n", "empty", true },
        { """{ "machine": { "arch": "x86_64", "type": "q35" } """, "malformed request", false },
        { """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": [ { "id": "a", "kind": 3 } ] }""", "$.devices[0].kind", false },
        { """{ "machine": "q35" }""", "$.machine", false },
        { """{ "machine": { "arch": "x86_64", "type": "q35" }, "numaNodes": "two" }""", "$.numaNodes", false },
        { """{ "machine": { "arch": "x86_64", "type": "q35" }, "numaNodes": 99999999999 }""", "$.numaNodes", false },
        { """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": [ { "id": "a", "kind": "x", "addresss": {} } ] }""", "addresss", false },
        { """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": [ { "id": "a", "kind": "x", "address": { "slot": 1 } } ] }""", "$.devices[0].address", false },
        { """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": [ { "id": "a", "kind": "x", "address": { "type": "pcie" } } ] }""", "'pcie'", false },
        { """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": [ { "id": "a", "kind": "x", "address": { "type": "other" } } ] }""", "addressType", false },
        { """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": [ { "id": null, "kind": "x" } ] }""", "$.devices[0].id", false },
        { "machine: [x86_64, q35]\n", "$.machine", true },
        { "machine: { arch: x86_64, type: q35 }\nmachine: { arch: x86_64, type: pc }\n", "YAML request (line 2)", true },
        { "machine: { arch: x86_64, type: q35\n", "YAML", true },
        { "--- { machine: { arch: x86_64, type: q35 } }\n--- { machine: { arch: x86_64, type: pc } }\n", "one YAML document", true },
        { "devices:\n  - id: a\n    kind: disk\n    bogus: 1\n", "bogus", true },
        { string.Concat(Enumerable.Repeat("[", 40)) + string.Concat(Enumerable.Repeat("]", 40)), "malformed request", false },
        { string.Concat(Enumerable.Repeat("- ", 40)) + "x\n", "nests deeper", true },
    };

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public void ReadRequest_MalformedInput_ReturnsInvalidInputWithUsefulMessage(string text, string expected, bool? yaml)
    {
        var (request, error) = PlanJson.ReadRequest(text, yaml);

        Assert.Null(request);
        Assert.NotNull(error);
        Assert.Equal(ErrorCodes.InvalidInput, error.Code);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Rule);
    }

    /// <summary>Documents of the wrong shape: the message names the user's field and what it takes, never a type of the implementation.</summary>
    public static TheoryData<string, string> WrongShapes() => new()
    {
        { """{ "machine": { "arch": "x86_64", "type": "q35" }, "policy": "libvirt" }""", "$.policy must be an object such as {\"name\": \"libvirt\"" },
        { """{ "machine": { "arch": "x86_64", "type": "q35" }, "numaNodes": "two" }""", "$.numaNodes must be a whole number" },
        { """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": {} }""", "$.devices must be an array" },
        { """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": [ { "id": "a", "kind": "x", "address": { "type": "pci", "slot": "x" } } ] }""", "$.devices[0].address.slot must be a whole number" },
        { """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": [ { "id": "a", "kind": "x", "hotplug": 3 } ] }""", "unknown field $.devices[0].hotplug (allowed: id, kind," },
        { """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": [ { "id": "a", "kind": "x", "address": { "slot": 1 } } ] }""", "$.devices[0].address needs its \"type\" (pci, drive, usb," },
        { """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": [ { "id": "a", "kind": "x", "address": { "type": "pcie" } } ] }""", "$.devices[0].address: unknown type 'pcie' (allowed: pci, drive," },
        { """{ "devices": [] }""", "lacks the required field machine" },
    };

    [Theory]
    [MemberData(nameof(WrongShapes))]
    public void ReadRequest_WrongShape_NamesTheFieldAndWhatItTakes(string text, string expected)
    {
        var (request, error) = PlanJson.ReadRequest(text);

        Assert.Null(request);
        Assert.Equal((ErrorCodes.InvalidInput, "well-formed"), (error!.Code, error.Rule));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("DevAddr.", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(".NET", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadRequest_OversizedInput_ReturnsInvalidInput()
    {
        string text = "{\"machine\":{\"arch\":\"x86_64\",\"type\":\"q35\"}}" + new string(' ', PlanJson.MaxInputChars);

        var (request, error) = PlanJson.ReadRequest(text);

        Assert.Null(request);
        Assert.Equal("max-input-size", error!.Rule);
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void ReadRequest_EveryPrefixOfAnExample_NeverThrows(string file)
    {
        string text = File.ReadAllText(Path.Combine(RepoPaths.Examples, file));
        bool? yaml = file.EndsWith(".yaml", StringComparison.Ordinal);

        for (int n = 0; n <= text.Length; n++)
        {
            var (request, error) = PlanJson.ReadRequest(text[..n], yaml);
            Assert.True((request is null) != (error is null), $"prefix {n}");
            if (request is not null)
                Assert.True(AddressPlanner.Plan(request) is PlanResult.Success or PlanResult.Failure);
        }
    }

    [Fact]
    public void ReadPlan_RequestInsteadOfPlan_ReturnsInvalidInputNamingTheMissingMembers()
    {
        var (plan, error) = PlanJson.ReadPlan(File.ReadAllText(Path.Combine(RepoPaths.Examples, "q35-basic.json")));

        Assert.Null(plan);
        Assert.Equal(ErrorCodes.InvalidInput, error!.Code);
        Assert.Contains("policy", error.Message, StringComparison.Ordinal);
    }

    private static PlanRequest Read(string path)
    {
        var (request, error) = PlanJson.ReadRequest(File.ReadAllText(path), path.EndsWith(".yaml", StringComparison.Ordinal));
        Assert.Null(error);
        return request!;
    }
}
