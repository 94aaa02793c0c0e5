using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using DevAddr.Core.Catalog;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using DevAddr.Core.Topology;

namespace DevAddr.Core.Tests;

/// <summary>docs/schema/request.schema.json and plan.schema.json against what <see cref="PlanJson"/> reads and writes.</summary>
public sealed class JsonSchemaTests
{
    public static TheoryData<string> ExampleFiles() => new(RepoPaths.ExampleRequests().Select(Path.GetFileName)!);

    public static TheoryData<string> ScenarioFiles() =>
        new(Directory.GetFiles(RepoPaths.Scenarios, "*.json").Order(StringComparer.Ordinal).Select(Path.GetFileName)!);

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void RequestSchema_ExampleRequest_IsValid(string file)
    {
        string json = AsJson(Path.Combine(RepoPaths.Examples, file));

        Assert.Empty(Schemas.Errors(Schemas.Request, json));
    }

    [Theory]
    [MemberData(nameof(ScenarioFiles))]
    public void RequestSchema_ScenarioRequestWithTunables_IsValid(string file)
    {
        string json = File.ReadAllText(Path.Combine(RepoPaths.Scenarios, file));

        Assert.Empty(Schemas.Errors(Schemas.Request, json));
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void PlanSchema_PlanOfExampleRequest_IsValid(string file)
    {
        string path = Path.Combine(RepoPaths.Examples, file);
        var (request, error) = PlanJson.ReadRequest(File.ReadAllText(path), file.EndsWith(".yaml", StringComparison.Ordinal));
        Assert.Null(error);

        var plan = Assert.IsType<PlanResult.Success>(AddressPlanner.Plan(request!)).Plan;

        Assert.Empty(Schemas.Errors(Schemas.Plan, PlanJson.Serialize(plan)));
    }

    [Fact]
    public void PlanSchema_PlanWithSolverReport_IsValid()
    {
        var plan = Plan("""{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": [ { "id": "nic0", "kind": "interface", "model": "virtio" } ] }""") with
        {
            Solver = new SolverReport
            {
                Status = "optimal",
                Objective = 12,
                BestBound = 12,
                Gap = 0,
                Breakdown = new Dictionary<string, long> { ["hotplugReserve"] = 12 },
                Unmet = [new UnmetPreference { Tunable = "hotplugReserve", Message = "1 of 2 places kept free", Cost = 12 }],
            },
        };

        string json = PlanJson.Serialize(plan);

        Assert.Contains("\"deviceId\": null", json, StringComparison.Ordinal);
        Assert.Empty(Schemas.Errors(Schemas.Plan, json));
    }

    [Fact]
    public void SchemasOfRequestAndPlan_PriorLayoutAndStabilityReport_AreValid()
    {
        var first = Plan(File.ReadAllText(Path.Combine(RepoPaths.Examples, "q35-basic.json")));
        var (request, _) = PlanJson.ReadRequest(File.ReadAllText(Path.Combine(RepoPaths.Examples, "q35-basic.json")));
        var next = request! with
        {
            Prior = new PriorLayout { Devices = first.Devices },
            Devices = [.. request.Devices.Where(d => d.Id != "legacy-nic"), new Device { Id = "nic1", Kind = "interface", Model = "virtio" }],
        };
        string requestJson = PlanJson.Serialize(next);

        var plan = Assert.IsType<PlanResult.Success>(AddressPlanner.Plan(next)).Plan;
        string planJson = PlanJson.Serialize(plan);

        Assert.Empty(Schemas.Errors(Schemas.Request, requestJson));
        Assert.Equal(["legacy-nic"], plan.Stability!.Removed);
        Assert.Empty(Schemas.Errors(Schemas.Plan, planJson));
    }

    [Fact]
    public void PlanSchema_ErrorObject_IsValid()
    {
        var error = new PlanError { Code = ErrorCodes.AddressConflict, Message = "Attempted double use of PCI Address 0000:00:03.0", DeviceId = "b", Rule = "pci-address-unique" };
        var errorSchema = Json.Schema.JsonSchema.FromText(
            $$"""{ "$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": {{Schemas.PlanDocument["$defs"]!.ToJsonString()}}, "$ref": "#/$defs/error" }""",
            new Json.Schema.BuildOptions { SchemaRegistry = new Json.Schema.SchemaRegistry() });

        Assert.Empty(Schemas.Errors(errorSchema, PlanJson.Serialize(error)));
        Assert.NotEmpty(Schemas.Errors(errorSchema, """{ "code": "no-space" }"""));
    }

    /// <summary>Documents PlanJson refuses to read; the request schema must refuse them too.</summary>
    public static TheoryData<string, string> InvalidRequests() => new()
    {
        { "unknown top-level member", """{ "machine": { "arch": "x86_64", "type": "q35" }, "color": "red" }""" },
        { "unknown device member", """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": [ { "id": "a", "kind": "interface", "colour": 1 } ] }""" },
        { "member in the wrong case", """{ "Machine": { "arch": "x86_64", "type": "q35" } }""" },
        { "no machine", """{ "devices": [] }""" },
        { "device without id", """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": [ { "kind": "interface" } ] }""" },
        { "device without kind", """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": [ { "id": "a" } ] }""" },
        { "id is a number", """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": [ { "id": 7, "kind": "interface" } ] }""" },
        { "slot is a string", """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": [ { "id": "a", "kind": "interface", "address": { "type": "pci", "slot": "3" } } ] }""" },
        { "address without type", """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": [ { "id": "a", "kind": "interface", "address": { "bus": 0, "slot": 3 } } ] }""" },
        { "unknown address type", """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": [ { "id": "a", "kind": "interface", "address": { "type": "isa-bus", "slot": 3 } } ] }""" },
        { "member of another address type", """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": [ { "id": "a", "kind": "disk", "address": { "type": "drive", "slot": 3 } } ] }""" },
        { "devices is null", """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": null }""" },
        { "devices is an object", """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": { "id": "a" } }""" },
        { "tunable without value", """{ "machine": { "arch": "x86_64", "type": "q35" }, "policy": { "name": "optimize", "tunables": { "hotplugReserve": { "mode": "prefer" } } } }""" },
        { "document is an array", """[ { "machine": { "arch": "x86_64", "type": "q35" } } ]""" },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public void RequestSchemaAndReader_InvalidRequest_BothReject(string what, string json)
    {
        Assert.NotEmpty(Schemas.Errors(Schemas.Request, json));
        var (request, error) = PlanJson.ReadRequest(json);
        Assert.True(request is null, what);
        Assert.Equal(ErrorCodes.InvalidInput, error!.Code);
    }

    /// <summary>Documents the reader accepts but the planner's structural checks refuse; the schema refuses them already.</summary>
    public static TheoryData<string, string> StructurallyInvalidRequests() => new()
    {
        { "empty id", """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": [ { "id": "", "kind": "interface" } ] }""" },
        { "machine without type", """{ "machine": { "arch": "x86_64" } }""" },
        { "negative slot", """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": [ { "id": "a", "kind": "interface", "address": { "type": "pci", "slot": -1 } } ] }""" },
        { "slot 32", """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": [ { "id": "a", "kind": "interface", "address": { "type": "pci", "bus": 0, "slot": 32 } } ] }""" },
        { "controller index 256", """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": [ { "id": "a", "kind": "controller", "type": "scsi", "index": 256 } ] }""" },
        { "negative drive unit", """{ "machine": { "arch": "x86_64", "type": "q35" }, "devices": [ { "id": "a", "kind": "disk", "bus": "sata", "target": "sda", "address": { "type": "drive", "unit": -1 } } ] }""" },
        { "negative memory slots", """{ "machine": { "arch": "x86_64", "type": "q35" }, "memorySlots": -1 }""" },
    };

    [Theory]
    [MemberData(nameof(StructurallyInvalidRequests))]
    public void RequestSchemaAndPlanner_StructurallyInvalidRequest_BothReject(string what, string json)
    {
        Assert.NotEmpty(Schemas.Errors(Schemas.Request, json));
        var (request, readError) = PlanJson.ReadRequest(json);
        Assert.Null(readError);
        var failure = Assert.IsType<PlanResult.Failure>(AddressPlanner.Plan(request!));
        Assert.True(failure.Error.Code is ErrorCodes.InvalidInput or ErrorCodes.AddressConflict, $"{what}: {failure.Error}");
    }

    public static TheoryData<string, string> InvalidPlans() => new()
    {
        { "no summary", """{ "machine": { "arch": "x86_64", "type": "q35" }, "policy": "libvirt", "devices": [] }""" },
        { "unknown member", """{ "machine": { "arch": "x86_64", "type": "q35" }, "policy": "libvirt", "devices": [], "summary": { "devices": 0 }, "extra": true }""" },
        { "address without type", """{ "machine": { "arch": "x86_64", "type": "q35" }, "policy": "libvirt", "devices": [ { "id": "a", "kind": "interface", "address": { "bus": 1 } } ], "summary": { "devices": 1 } }""" },
        { "added is a string", """{ "machine": { "arch": "x86_64", "type": "q35" }, "policy": "libvirt", "devices": [ { "id": "a", "kind": "interface", "added": "yes" } ], "summary": { "devices": 1 } }""" },
    };

    [Theory]
    [MemberData(nameof(InvalidPlans))]
    public void PlanSchemaAndReader_InvalidPlan_BothReject(string what, string json)
    {
        Assert.NotEmpty(Schemas.Errors(Schemas.Plan, json));
        var (plan, error) = PlanJson.ReadPlan(json);
        Assert.True(plan is null, what);
        Assert.Equal(ErrorCodes.InvalidInput, error!.Code);
    }

    [Fact]
    public void PlanSchema_AddressMissingAField_IsRejected()
    {
        var plan = Plan("""{ "machine": { "arch": "x86_64", "type": "pc" } }""");
        var node = JsonNode.Parse(PlanJson.Serialize(plan))!;
        var balloon = node["devices"]!.AsArray().Single(d => (string?)d!["kind"] == "memballoon")!;
        balloon["address"]!.AsObject().Remove("function");

        Assert.NotEmpty(Schemas.Errors(Schemas.Plan, node.ToJsonString()));
    }

    /// <summary>The (schema definition, .NET type) pairs whose members must agree.</summary>
    public static TheoryData<string, string, Type> Definitions() => new()
    {
        { "request", "", typeof(PlanRequest) },
        { "request", "machine", typeof(MachineSpec) },
        { "request", "policy", typeof(PolicySpec) },
        { "request", "tunables", typeof(Tunables) },
        { "request", "budgets", typeof(Budgets) },
        { "request", "solverSettings", typeof(SolverSettings) },
        { "request", "device", typeof(Device) },
        { "request", "controllerOptions", typeof(ControllerOptions) },
        { "request", "hostDevice", typeof(HostDevice) },
        { "request", "deviceTunables", typeof(DeviceTunables) },
        { "request", "bar", typeof(BarSpec) },
        { "request", "priorLayout", typeof(PriorLayout) },
        { "request", "pciAddress", typeof(PciAddress) },
        { "request", "driveAddress", typeof(DriveAddress) },
        { "request", "usbAddress", typeof(UsbAddress) },
        { "request", "virtioSerialAddress", typeof(VirtioSerialAddress) },
        { "request", "ccidAddress", typeof(CcidAddress) },
        { "request", "dimmAddress", typeof(DimmAddress) },
        { "request", "spaprVioAddress", typeof(SpaprVioAddress) },
        { "request", "ccwAddress", typeof(CcwAddress) },
        { "request", "virtioMmioAddress", typeof(VirtioMmioAddress) },
        { "request", "zpciIds", typeof(ZpciIds) },
        { "request", "otherAddress", typeof(OtherAddress) },
        { "request", "windowTunables", typeof(WindowTunables) },
        { "request", "hostTopology", typeof(HostTopology) },
        { "request", "hostNumaNode", typeof(HostNumaNode) },
        { "request", "hostRootComplex", typeof(HostRootComplex) },
        { "request", "hostPciFunction", typeof(HostPciFunction) },
        { "request", "hostBar", typeof(HostBar) },
        { "request", "hostSriov", typeof(HostSriov) },
        { "plan", "", typeof(Plan) },
        { "plan", "machine", typeof(MachineSpec) },
        { "plan", "device", typeof(Device) },
        { "plan", "controllerOptions", typeof(ControllerOptions) },
        { "plan", "hostDevice", typeof(HostDevice) },
        { "plan", "deviceTunables", typeof(DeviceTunables) },
        { "plan", "bar", typeof(BarSpec) },
        { "plan", "summary", typeof(PlanSummary) },
        { "plan", "solverReport", typeof(SolverReport) },
        { "plan", "unmetPreference", typeof(UnmetPreference) },
        { "plan", "stabilityReport", typeof(StabilityReport) },
        { "plan", "deviceMove", typeof(DeviceMove) },
        { "plan", "error", typeof(PlanError) },
        { "plan", "pciAddress", typeof(PciAddress) },
        { "plan", "driveAddress", typeof(DriveAddress) },
        { "plan", "usbAddress", typeof(UsbAddress) },
        { "plan", "virtioSerialAddress", typeof(VirtioSerialAddress) },
        { "plan", "ccidAddress", typeof(CcidAddress) },
        { "plan", "dimmAddress", typeof(DimmAddress) },
        { "plan", "spaprVioAddress", typeof(SpaprVioAddress) },
        { "plan", "ccwAddress", typeof(CcwAddress) },
        { "plan", "virtioMmioAddress", typeof(VirtioMmioAddress) },
        { "plan", "zpciIds", typeof(ZpciIds) },
        { "plan", "otherAddress", typeof(OtherAddress) },
        { "plan", "windowReport", typeof(WindowReport) },
        { "plan", "mirrorReport", typeof(MirrorReport) },
        { "plan", "mirrorCell", typeof(MirrorCell) },
        { "plan", "mirrorExpander", typeof(MirrorExpander) },
        { "plan", "mirrorSwitch", typeof(MirrorSwitch) },
    };

    [Theory]
    [MemberData(nameof(Definitions))]
    public void Schema_Definition_HasExactlyTheSerializedMembers(string schema, string definition, Type type)
    {
        var doc = schema == "request" ? Schemas.RequestDocument : Schemas.PlanDocument;
        var def = definition.Length == 0 ? doc : doc["$defs"]![definition]!.AsObject();
        var info = PlanJson.Options.GetTypeInfo(type);
        var members = info.Properties.Where(p => !IsAlwaysIgnored(p)).ToList();

        var expected = members.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        if (type.IsSubclassOf(typeof(DeviceAddress))) expected.Add("type");
        var actual = def["properties"]!.AsObject().Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
        Assert.False((bool)def["additionalProperties"]!);

        var required = def["required"]?.AsArray().Select(r => (string)r!).ToHashSet(StringComparer.Ordinal) ?? [];
        foreach (JsonPropertyInfo p in members.Where(p => p.IsRequired))
            Assert.Contains(p.Name, required);
    }

    private static bool IsAlwaysIgnored(JsonPropertyInfo p) =>
        p.AttributeProvider?.GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonIgnoreAttribute), true)
            .Cast<System.Text.Json.Serialization.JsonIgnoreAttribute>()
            .Any(a => a.Condition == System.Text.Json.Serialization.JsonIgnoreCondition.Always) == true;

    [Fact]
    public void Schema_AddressVariants_MatchTheDiscriminators()
    {
        var derived = typeof(DeviceAddress).GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonDerivedTypeAttribute), false)
            .Cast<System.Text.Json.Serialization.JsonDerivedTypeAttribute>()
            .Select(a => (string)a.TypeDiscriminator!).Order(StringComparer.Ordinal).ToList();

        foreach (var doc in new[] { Schemas.RequestDocument, Schemas.PlanDocument })
        {
            var variants = doc["$defs"]!["address"]!["oneOf"]!.AsArray()
                .Select(v => ((string)v!["$ref"]!).Split('/')[^1])
                .Select(name => (string)doc["$defs"]![name]!["properties"]!["type"]!["const"]!)
                .Order(StringComparer.Ordinal).ToList();
            Assert.Equal(derived, variants);
        }
    }

    [Fact]
    public void HostTopologySchema_SameDefinitionsAsTheRequestSchema()
    {
        var host = (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(RepoPaths.Schema("host-topology.schema.json")))!;
        foreach (var (name, def) in host["$defs"]!.AsObject())
            Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(def, Schemas.RequestDocument["$defs"]![name]), $"$defs.{name} differs between host-topology.schema.json and request.schema.json");
    }

    public static TheoryData<string> HostDocuments() =>
        new(new[] { "hosts", "sysfs" }.SelectMany(set => Directory.GetDirectories(Path.Combine(RepoPaths.Root, "fixtures", set)))
            .Select(dir => Path.Combine(dir, "host.json")).Where(File.Exists)
            .Select(f => Path.GetRelativePath(RepoPaths.Root, f)).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(HostDocuments))]
    public void HostTopologySchema_FixtureDocument_IsValidAndReadsBackByteForByte(string file)
    {
        string json = File.ReadAllText(Path.Combine(RepoPaths.Root, file));
        var schema = Json.Schema.JsonSchema.FromText(File.ReadAllText(RepoPaths.Schema("host-topology.schema.json")), new Json.Schema.BuildOptions { SchemaRegistry = new Json.Schema.SchemaRegistry() });

        Assert.Empty(Schemas.Errors(schema, json));
        var (topology, error) = PlanJson.ReadHostTopology(json);
        Assert.Null(error);
        Assert.Equal(json, PlanJson.Serialize(topology!));
    }

    [Fact]
    public void PlanSchema_PlanMirroringAHost_IsValid()
    {
        var (request, error) = PlanJson.ReadRequest(File.ReadAllText(Path.Combine(RepoPaths.Scenarios, "mirror-xe8640-root-complex.json")));
        Assert.Null(error);
        // The planner without the optimize policy: the request's host topology is checked and its devices found in it.
        var plan = Assert.IsType<PlanResult.Success>(AddressPlanner.Plan(request! with { Policy = new PolicySpec() })).Plan;
        Assert.Empty(Schemas.Errors(Schemas.Plan, PlanJson.Serialize(plan)));
    }

    private static Plan Plan(string requestJson)
    {
        var (request, error) = PlanJson.ReadRequest(requestJson);
        Assert.Null(error);
        return Assert.IsType<PlanResult.Success>(AddressPlanner.Plan(request!)).Plan;
    }

    /// <summary>A request file as JSON text (YAML is converted the way PlanJson reads it).</summary>
    internal static string AsJson(string path)
    {
        string text = File.ReadAllText(path);
        return path.EndsWith(".yaml", StringComparison.Ordinal) ? PlanJson.YamlToJson(text)!.ToJsonString() : text;
    }
}
