using DevAddr.Core;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;

namespace DevAddr.Robustness.Tests;

/// <summary>
/// Requests libvirt 9.0 defines although the layout is unusable (see <see cref="UnusableInputs"/>): the planner
/// refuses each with <c>unusable-layout</c>, the validator rule and the device, and each matches its listed pattern.
/// </summary>
public sealed class UnusableLayoutTests
{
    public static TheoryData<string, string, string, string> Cases() => new()
    {
        {
            "function 6 alone in its slot",
            """{"machine": {"arch": "x86_64", "type": "pc"}, "devices": [{"id": "snd", "kind": "sound", "model": "ich6", "address": {"type": "pci", "bus": 0, "slot": 5, "function": 6, "multifunction": true}}]}""",
            "pci-function-zero", "snd"
        },
        {
            "switch ports on each other's buses",
            """{"machine": {"arch": "x86_64", "type": "pc"}, "devices": [{"id": "up", "kind": "controller", "type": "pci", "model": "pcie-switch-upstream-port", "index": 8}, {"id": "down", "kind": "controller", "type": "pci", "model": "pcie-switch-downstream-port", "index": 6}]}""",
            "pci-controller-tree", "down"
        },
        {
            "user busNr 1 leaves no bus number for a bridge",
            """{"machine": {"arch": "x86_64", "type": "pc"}, "devices": [{"id": "pxb", "kind": "controller", "type": "pci", "model": "pci-expander-bus", "index": 7, "controller": {"busNr": 1}}, {"id": "br", "kind": "controller", "type": "pci", "model": "pci-bridge", "index": 1}]}""",
            "busnr-space", "pxb"
        },
        {
            // libvirt picks busNr 254; the firmware then numbers the bridges' buses 0 and 1 (checked live: QEMU's query-pci).
            "libvirt's own busNr with two bridges behind the expander",
            """{"machine": {"arch": "x86_64", "type": "pc"}, "devices": [{"id": "pxb", "kind": "controller", "type": "pci", "model": "pci-expander-bus", "index": 1}, {"id": "br2", "kind": "controller", "type": "pci", "model": "pci-bridge", "index": 2, "address": {"type": "pci", "bus": 1, "slot": 1, "function": 0}}, {"id": "br3", "kind": "controller", "type": "pci", "model": "pci-bridge", "index": 3, "address": {"type": "pci", "bus": 1, "slot": 2, "function": 0}}]}""",
            "busnr-space", "pxb"
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Plan_UnusableLayout_RefusedNamingRuleAndDevice(string what, string json, string rule, string deviceId)
    {
        var (request, readError) = PlanJson.ReadRequest(json);
        Assert.Null(readError);
        var error = Assert.IsType<PlanResult.Failure>(AddressPlanner.Plan(request!)).Error;
        Assert.Equal(ErrorCodes.UnusableLayout, error.Code);
        Assert.Equal(rule, error.Rule);
        Assert.Equal(deviceId, error.DeviceId);
        Assert.Contains(rule + ": ", error.Message);
        Assert.True(UnusableInputs.Match(request!) is not null, $"{what}: no pattern of UnusableInputs lists it");
    }
}
