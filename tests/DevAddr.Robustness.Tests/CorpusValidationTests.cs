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
    [Fact]
    public void Validate_PlansOfEveryCorpusInput_HaveNoViolations()
    {
        int plans = 0, errors = 0;
        var problems = new List<string>();
        foreach (var file in Directory.EnumerateFiles(RepoPaths.CorpusInput, "*.xml").Order(StringComparer.Ordinal))
        {
            var domain = DomainXml.Parse(File.ReadAllText(file));
            switch (AddressPlanner.Plan(domain.Request))
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
        output.WriteLine($"corpus: {plans} plans validated, {errors} inputs rejected by the planner, {problems.Count} violations");
        foreach (var p in problems.Take(50)) output.WriteLine(p);
        Assert.True(plans >= 470, $"only {plans} corpus inputs were planned");
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
