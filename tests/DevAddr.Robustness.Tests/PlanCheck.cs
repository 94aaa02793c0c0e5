using DevAddr.Core;
using DevAddr.Core.Model;
using DevAddr.Core.Validation;

namespace DevAddr.Robustness.Tests;

/// <summary>The core property, shared by the generators and the reader fuzzers: planning a request gives a plan the validator accepts or a structured error.</summary>
internal static class PlanCheck
{
    /// <summary>Plans <paramref name="request"/> and checks the outcome; returns the plan, or null for an error or a known policy bug.</summary>
    public static Plan? Run(PlanRequest request, FuzzRun run)
    {
        var result = UnusableInputs.PlanOrKnownCrash(request, run);
        switch (result)
        {
            case null:
                return null;
            case PlanResult.Failure f:
                run.Error(f.Error, request);
                return null;
        }
        var plan = ((PlanResult.Success)result).Plan;
        var violations = Errors(plan, run);
        if (violations.Count == 0)
        {
            run.Plan();
            return plan;
        }
        if (UnusableInputs.Match(request) is { } bug)
        {
            run.Note("known policy bug: " + bug.Id);
            return null;
        }
        throw run.Invalid("invalid plan:\n" + string.Join("\n", violations.Select(v => $"  {v.Rule}: {v.Message}")));
    }

    /// <summary>
    /// The validator's error findings on a plan; its warnings (budget overruns the guest runs with) must be exactly
    /// the warnings the plan itself reports.
    /// </summary>
    public static IReadOnlyList<PlanError> Errors(Plan plan, FuzzRun run)
    {
        var findings = AddressPlanner.Validate(plan);
        var warnings = findings.Where(f => !ValidationRules.IsError(f)).ToList();
        if (!warnings.SequenceEqual(plan.Warnings ?? []))
            throw run.Invalid("the plan's warnings differ from the validator's:\n" + string.Join("\n", warnings.Select(v => $"  {v.Rule}: {v.Message}")) +
                "\nplan says:\n" + string.Join("\n", (plan.Warnings ?? []).Select(v => $"  {v.Rule}: {v.Message}")));
        return findings.Where(ValidationRules.IsError).ToList();
    }
}
