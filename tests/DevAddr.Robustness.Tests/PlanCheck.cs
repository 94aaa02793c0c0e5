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
        var violations = Errors(plan, run, request);
        // The planner refuses its own plans with error findings (unusable-layout), so any here is a planner bug.
        if (violations.Count == 0)
        {
            run.Plan();
            return plan;
        }
        throw run.Invalid("invalid plan:\n" + string.Join("\n", violations.Select(v => $"  {v.Rule}: {v.Message}")));
    }

    /// <summary>
    /// The validator's error findings on a plan. Its warnings must be exactly the warnings the plan itself reports,
    /// and a warning other than a budget overrun (busnr-space, pci-function-zero) must come from an input
    /// <see cref="UnusableInputs"/> lists (else the planner made that layout on its own: a bug).
    /// </summary>
    public static IReadOnlyList<PlanError> Errors(Plan plan, FuzzRun run, PlanRequest request)
    {
        var findings = AddressPlanner.Validate(plan);
        var warnings = findings.Where(f => !ValidationRules.IsError(f)).ToList();
        if (!warnings.SequenceEqual(plan.Warnings ?? []))
            throw run.Invalid("the plan's warnings differ from the validator's:\n" + string.Join("\n", warnings.Select(v => $"  {v.Rule}: {v.Message}")) +
                "\nplan says:\n" + string.Join("\n", (plan.Warnings ?? []).Select(v => $"  {v.Rule}: {v.Message}")));
        if (warnings.FirstOrDefault(w => w.Rule is not ("io-window-budget" or "mmio32-budget")) is { } odd)
        {
            if (UnusableInputs.Match(request) is { } known) run.Note("warned (known pattern): " + known.Id);
            else throw run.Invalid($"warning {odd.Rule} for a request no known pattern explains: {odd.Message}");
        }
        return findings.Where(ValidationRules.IsError).ToList();
    }
}
