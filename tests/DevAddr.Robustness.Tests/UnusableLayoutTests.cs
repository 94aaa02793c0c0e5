using DevAddr.Core;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;

namespace DevAddr.Robustness.Tests;

/// <summary>
/// Requests libvirt 9.0 defines although the layout is not (fully) usable (see <see cref="UnusableInputs"/>): what
/// QEMU cannot start is refused with <c>unusable-layout</c>, the validator rule and the device; what the guest runs
/// with but cannot fully use is planned as libvirt does, with the rule as a warning on the device. Each matches its
/// listed pattern.
/// </summary>
public sealed class UnusableLayoutTests
{
    public static TheoryData<string, string, string, string, bool> Cases() => new()
    {
        {
            "function 6 alone in its slot",
            """{"machine": {"arch": "x86_64", "type": "pc"}, "devices": [{"id": "snd", "kind": "sound", "model": "ich6", "address": {"type": "pci", "bus": 0, "slot": 5, "function": 6, "multifunction": true}}]}""",
            "pci-function-zero", "snd", false
        },
        {
            "switch ports on each other's buses",
            """{"machine": {"arch": "x86_64", "type": "pc"}, "devices": [{"id": "up", "kind": "controller", "type": "pci", "model": "pcie-switch-upstream-port", "index": 8}, {"id": "down", "kind": "controller", "type": "pci", "model": "pcie-switch-downstream-port", "index": 6}]}""",
            "pci-controller-tree", "down", true
        },
        {
            "user busNr 1 leaves no bus number for a bridge",
            """{"machine": {"arch": "x86_64", "type": "pc"}, "devices": [{"id": "pxb", "kind": "controller", "type": "pci", "model": "pci-expander-bus", "index": 7, "controller": {"busNr": 1}}, {"id": "br", "kind": "controller", "type": "pci", "model": "pci-bridge", "index": 1}]}""",
            "busnr-space", "pxb", false
        },
        {
            // libvirt picks busNr 254; the firmware then numbers the bridges' buses 0 and 1 (checked live: QEMU's query-pci).
            "libvirt's own busNr with two bridges behind the expander",
            """{"machine": {"arch": "x86_64", "type": "pc"}, "devices": [{"id": "pxb", "kind": "controller", "type": "pci", "model": "pci-expander-bus", "index": 1}, {"id": "br2", "kind": "controller", "type": "pci", "model": "pci-bridge", "index": 2, "address": {"type": "pci", "bus": 1, "slot": 1, "function": 0}}, {"id": "br3", "kind": "controller", "type": "pci", "model": "pci-bridge", "index": 3, "address": {"type": "pci", "bus": 1, "slot": 2, "function": 0}}]}""",
            "busnr-space", "pxb", false
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Plan_UnusableLayout_RefusedOrWarnedNamingRuleAndDevice(string what, string json, string rule, string deviceId, bool refused)
    {
        var (request, readError) = PlanJson.ReadRequest(json);
        Assert.Null(readError);
        var result = AddressPlanner.Plan(request!);
        if (refused)
        {
            var error = Assert.IsType<PlanResult.Failure>(result).Error;
            Assert.Equal(ErrorCodes.UnusableLayout, error.Code);
            Assert.Equal(rule, error.Rule);
            Assert.Equal(deviceId, error.DeviceId);
            Assert.Contains(rule + ": ", error.Message);
        }
        else
        {
            var plan = Assert.IsType<PlanResult.Success>(result).Plan;
            var warning = Assert.Single(plan.Warnings ?? []);
            Assert.Equal(rule, warning.Rule);
            Assert.Equal(deviceId, warning.DeviceId);
            Assert.Equal(Core.Validation.ValidationRules.Warning, warning.Severity);
        }
        Assert.True(UnusableInputs.Match(request!) is not null, $"{what}: no pattern of UnusableInputs lists it");
    }
}
