using CsCheck;
using DevAddr.Core;
using DevAddr.Core.Serialization;
using DevAddr.Libvirt;
using Xunit.Abstractions;

namespace DevAddr.Robustness.Tests;

/// <summary>
/// Fuzzing of the input readers (<see cref="PlanJson"/> JSON and YAML, <see cref="DomainXml"/> XML) with mutated
/// fixtures (<see cref="InputMutators"/>): every input gives a value or a clear error (a <see cref="Core.Model.PlanError"/>
/// or a <see cref="DomainXmlException"/>), never another exception or a hang; whatever is read plans to a valid plan or
/// a structured error. CI runs a few thousand inputs; <c>DEVADDR_LONG_FUZZ=1</c> runs 100,000.
/// </summary>
public sealed class ReaderFuzzTests(ITestOutputHelper output)
{
    private static long Iterations(long ci, long longRun) => FuzzRun.Long ? longRun : ci;

    private static TimeSpan Watchdog => FuzzRun.Long ? TimeSpan.FromHours(2) : TimeSpan.FromMinutes(3);

    private static string Print(string text) => text.Length > 2000 ? text[..2000] + $"... ({text.Length} chars)" : text;

    /// <summary>Reads a request and a plan from text (JSON or YAML); each read gives exactly a value or an error; a request is planned.</summary>
    internal static void CheckPlanJson(string text, bool? yaml, FuzzRun run)
    {
        var (request, error) = PlanJson.ReadRequest(text, yaml);
        Assert.True(request is null != error is null, "ReadRequest must give a request or an error");
        if (error is not null)
        {
            Assert.Equal(Core.Model.ErrorCodes.InvalidInput, error.Code);
            Assert.False(string.IsNullOrWhiteSpace(error.Message));
            run.Error(error);
        }
        else
        {
            PlanCheck.Run(request!, run);
        }

        var (plan, planError) = PlanJson.ReadPlan(text, yaml);
        Assert.True(plan is null != planError is null, "ReadPlan must give a plan or an error");
        if (plan is not null)
            _ = AddressPlanner.Validate(plan);
    }

    /// <summary>Parses domain XML: a <see cref="DomainXmlException"/> with a message, or a domain that plans, expands and validates without exceptions.</summary>
    internal static void CheckXml(string text, FuzzRun run)
    {
        DomainXml domain;
        try
        {
            domain = DomainXml.Parse(text);
        }
        catch (DomainXmlException ex)
        {
            Assert.False(string.IsNullOrWhiteSpace(ex.Message));
            run.Note("DomainXmlException");
            return;
        }
        PlanCheck.Run(domain.Request, run);
        if (UnusableInputs.Match(domain.Request) is { Crashes: true }) return;
        var (xml, error) = LibvirtExpander.Expand(text);
        Assert.True(xml is null != error is null, "Expand must give XML or an error");
        _ = AddressPlanner.Validate(LibvirtPlans.FromDomainXml(text));
    }

    [Fact]
    public void ReadRequestAndPlan_MutatedJson_GiveValueOrClearError()
    {
        var run = new FuzzRun("mutated JSON (read request and plan, plan them)", output);
        run.Sample(InputMutators.Mutated(() => InputMutators.JsonSeeds.Value),
            text => run.Case(Print(text), () => CheckPlanJson(text, null, run)), Iterations(1500, 40_000), Print, Watchdog);
    }

    [Fact]
    public void ReadRequestAndPlan_MutatedYaml_GiveValueOrClearError()
    {
        var run = new FuzzRun("mutated YAML (read request and plan, plan them)", output);
        run.Sample(InputMutators.Mutated(() => [.. InputMutators.YamlSeeds.Value, .. InputMutators.JsonSeeds.Value]),
            text => run.Case(Print(text), () => CheckPlanJson(text, true, run)), Iterations(1000, 30_000), Print, Watchdog);
    }

    [Fact]
    public void ParseAndExpand_MutatedDomainXml_GiveDomainOrDomainXmlException()
    {
        var run = new FuzzRun("mutated domain XML (parse, plan, expand, validate)", output);
        run.Sample(InputMutators.Mutated(() => InputMutators.XmlSeeds.Value),
            text => run.Case(Print(text), () => CheckXml(text, run)), Iterations(1000, 30_000), Print, Watchdog);
    }
}
