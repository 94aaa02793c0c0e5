using DevAddr.Core;
using DevAddr.Core.Serialization;
using DevAddr.Core.Validation;

namespace DevAddr.Robustness.Tests;

/// <summary>
/// The hand-broken plans of <c>fixtures/broken</c>: one per validator rule, named after it. The validator must
/// report exactly that rule for each, and every rule must have its broken plan.
/// </summary>
public sealed class BrokenPlanTests
{
    public static TheoryData<string> BrokenPlans()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(RepoPaths.Broken, "*.json").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileNameWithoutExtension(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(BrokenPlans))]
    public void Validate_BrokenPlan_ReportsExactlyItsRule(string rule)
    {
        var (plan, error) = PlanJson.ReadPlan(File.ReadAllText(Path.Combine(RepoPaths.Broken, rule + ".json")));
        Assert.Null(error);

        var violations = AddressPlanner.Validate(plan!);

        Assert.NotEmpty(violations);
        Assert.All(violations, v =>
        {
            Assert.Equal(rule, v.Rule);
            Assert.Equal(ValidationRules.ErrorCode, v.Code);
            Assert.False(string.IsNullOrWhiteSpace(v.Message));
        });
    }

    [Fact]
    public void BrokenFixtures_CoverEveryValidatorRule()
    {
        var files = Directory.EnumerateFiles(RepoPaths.Broken, "*.json").Select(Path.GetFileNameWithoutExtension).ToHashSet(StringComparer.Ordinal);
        var rules = ValidationRules.All.Select(r => r.Rule).ToList();

        var missing = rules.Where(r => !files.Contains(r)).ToList();
        var unknown = files.Where(f => !rules.Contains(f!)).ToList();
        Assert.True(missing.Count == 0, "rules without a broken plan: " + string.Join(", ", missing));
        Assert.True(unknown.Count == 0, "broken plans without a rule: " + string.Join(", ", unknown));
        Assert.Equal(rules.Order(StringComparer.Ordinal), rules);
    }

    [Fact]
    public void Validate_AllBrokenPlansAtOnce_ReportsEveryViolationSorted()
    {
        // Every violation is reported, not just the first: the broken plans' devices under one machine give many rules.
        var (plan, _) = PlanJson.ReadPlan(File.ReadAllText(Path.Combine(RepoPaths.Broken, "pci-domain.json")));
        var worse = plan! with
        {
            Devices = plan.Devices.Select(d => d.Id switch
            {
                "tablet" => d with { Address = new Core.Model.UsbAddress(0, "9") },
                "agent" => d with { Address = new Core.Model.VirtioSerialAddress(0, 0, 40) },
                "cdrom" => d with { Address = new Core.Model.DriveAddress(0, 0, 0, 7) },
                _ => d,
            }).ToList(),
        };

        var violations = AddressPlanner.Validate(worse);

        Assert.Equal(["drive-address-range", "pci-domain", "usb-port-range", "virtio-serial-port-range"], violations.Select(v => v.Rule!).ToArray());
    }
}
