using DevAddr.Core;
using DevAddr.Core.Model;
using DevAddr.Libvirt;
using Xunit.Abstractions;

namespace DevAddr.Robustness.Tests;

/// <summary>
/// <see cref="AddressPlanner.Validate"/> on the libvirt 9.0 conformance corpus: every plan the libvirt policy
/// makes of an input is valid, and so is every definition real libvirt expanded (an independent check of the
/// validator: it must not reject what libvirt and QEMU accept).
/// </summary>
public sealed class CorpusValidationTests(ITestOutputHelper output)
{
    /// <summary>
    /// Per libvirt release, the fewest corpus inputs its policy must plan: libvirt 9.0 refuses 20 of the 500, libvirt 11.3
    /// 50 (vhost-user NICs without shared memory, ib700 watchdogs on q35 and virt).
    /// </summary>
    [Theory]
    [InlineData("9.0", 470)]
    [InlineData("11.3", 450)]
    public void Validate_PlansOfEveryCorpusInput_HaveNoViolations(string libvirt, int planned)
    {
        int plans = 0, errors = 0;
        var problems = new List<string>();
        foreach (var file in Directory.EnumerateFiles(RepoPaths.CorpusInput, "*.xml").Order(StringComparer.Ordinal))
        {
            var domain = DomainXml.Parse(File.ReadAllText(file));
            switch (AddressPlanner.Plan(domain.Request with { Policy = new PolicySpec { Version = libvirt } }))
            {
                case PlanResult.Success s:
                    plans++;
                    foreach (var v in AddressPlanner.Validate(s.Plan))
                        problems.Add($"{Path.GetFileName(file)}: {v.Rule}: {v.Message}");
                    break;
                default:
                    errors++;
                    break;
            }
        }
        output.WriteLine($"corpus under libvirt {libvirt}: {plans} plans validated, {errors} inputs rejected by the planner, {problems.Count} violations");
        foreach (var p in problems.Take(50)) output.WriteLine(p);
        Assert.True(plans >= planned, $"only {plans} corpus inputs were planned");
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(20)));
    }

    [Fact]
    public void Validate_LibvirtExpandedCorpus_HasNoViolations()
    {
        int checkedCount = 0;
        var problems = new List<string>();
        foreach (var file in Directory.EnumerateFiles(RepoPaths.CorpusExpected, "*.xml").Order(StringComparer.Ordinal))
        {
            checkedCount++;
            var plan = LibvirtPlans.FromDomainXml(File.ReadAllText(file));
            foreach (var v in AddressPlanner.Validate(plan))
                problems.Add($"{Path.GetFileName(file)}: {v.Rule}: {v.Message}");
        }
        output.WriteLine($"libvirt-expanded corpus: {checkedCount} definitions validated, {problems.Count} violations");
        foreach (var p in problems.Take(50)) output.WriteLine(p);
        Assert.Equal(480, checkedCount);
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(20)));
    }
}
