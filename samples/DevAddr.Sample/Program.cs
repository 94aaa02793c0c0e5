// DevAddr from C#: the API a caller of the NuGet packages DevAddr.Core, DevAddr.Solver and DevAddr.Libvirt sees.
//
//   dotnet run -- REQUEST.json   plans a request file (JSON or YAML, as `devaddr plan` reads it)
//   dotnet run                   plans a guest built in code
//
// Standard output: the plan, byte for byte what `devaddr plan` prints. Standard error: the validator's verdict,
// whether one more virtio NIC could be hot-plugged, and the guest as libvirt 9.0 would define it.
// Exit status: 0 with a plan, 1 when planning failed (the error on standard error), 2 when the file cannot be read.
using DevAddr.Core;
using DevAddr.Core.Hotplug;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using DevAddr.Libvirt;
using DevAddr.Solver;

PlanRequest request;
if (args.Length == 1)
{
    string text;
    try
    {
        text = File.ReadAllText(args[0]);
    }
    catch (IOException ex)
    {
        Console.Error.WriteLine($"cannot read {args[0]}: {ex.Message}");
        return 2;
    }

    // Requests are the JSON documents of `devaddr plan`, or YAML (told apart by content): the reader returns the
    // request or an error.
    var (read, readError) = PlanJson.ReadRequest(text);
    if (readError is not null)
    {
        Console.Error.WriteLine($"{readError.Code}: {readError.Message}");
        return 1;
    }
    request = read!;
}
else
{
    // The same request built in code: the machine and a minimal device list, addresses only where you want one.
    request = new PlanRequest
    {
        Machine = new MachineSpec("x86_64", "q35"),
        Devices =
        [
            new Device { Id = "root-disk", Kind = "disk", Bus = "virtio", Target = "vda" },
            new Device { Id = "nic0", Kind = "interface", Model = "virtio" },
            new Device { Id = "legacy-nic", Kind = "interface", Model = "e1000" },
        ],
    };
}

// OptimizingPlanner.Plan plans under either policy: "libvirt" (the default, libvirt 9.0's addresses) or "optimize"
// (CP-SAT placement under the request's tunables). Expected failures are results, not exceptions.
Plan plan;
switch (OptimizingPlanner.Plan(request))
{
    case PlanResult.Success success:
        plan = success.Plan;
        break;
    case PlanResult.Failure failure:
        Console.Error.WriteLine($"{failure.Error.Code}/{failure.Error.Rule}: {failure.Error.Message}");
        return 1;
    default:
        throw new InvalidOperationException("unknown plan result");
}
Console.Out.Write(PlanJson.Serialize(plan));

// The independent validator re-checks every addressing invariant; a plan from the planner has no violation.
IReadOnlyList<PlanError> violations = AddressPlanner.Validate(plan);
Console.Error.WriteLine($"{plan.Devices.Count} devices ({plan.Summary.Added} added), validator: {violations.Count} violation(s)");

// Could one more virtio NIC be hot-plugged into the guest once it runs with this plan?
var nic = new Device { Id = "hotplug-nic", Kind = "interface", Model = "virtio" };
string hotplug = AddressPlanner.HotplugCheck(plan, [nic]) switch
{
    HotplugCheckResult.Checked check => check.Report.Feasible ? "feasible" : "not feasible",
    HotplugCheckResult.Failure failure => $"{failure.Error.Code}: {failure.Error.Message}",
    _ => "unknown",
};
Console.Error.WriteLine($"hotplug of a virtio NIC: {hotplug}");

// DevAddr.Libvirt: a libvirt domain definition, expanded as libvirt 9.0's define + dumpxml would store it.
const string Domain = """
    <domain type='kvm'>
      <name>sample</name>
      <memory>1048576</memory>
      <os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices>
        <disk type='file' device='disk'><source file='/var/lib/images/sample.qcow2'/><target dev='vda' bus='virtio'/></disk>
        <interface type='network'><source network='default'/><model type='virtio'/></interface>
      </devices>
    </domain>
    """;
var (xml, error) = LibvirtExpander.Expand(Domain, r => OptimizingPlanner.Plan(r));
Console.Error.WriteLine(xml is not null
    ? $"libvirt domain 'sample': {xml.Split("<address ").Length - 1} addresses after expansion"
    : $"libvirt domain 'sample': {error}");
return 0;
