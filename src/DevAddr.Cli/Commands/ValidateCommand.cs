using System.CommandLine;
using DevAddr.Core;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using DevAddr.Core.Validation;
using DevAddr.Libvirt;

namespace DevAddr.Cli.Commands;

/// <summary><c>devaddr validate PLAN</c>: checks a plan (JSON, YAML or libvirt domain XML) against every addressing invariant.</summary>
internal sealed class ValidateCommand : Command
{
    private readonly Argument<string> PlanFile = new("PLAN")
    {
        Description = "A plan (JSON/YAML, as written by 'devaddr plan') or a libvirt domain XML with addresses; '-' reads standard input.",
    };

    private readonly Option<bool> Json = new("--json")
    {
        Description = "Print the violations as a JSON array.",
    };

    public ValidateCommand() : base("validate", "Check a plan against every addressing invariant and report every violation (exit 0: valid, or only warnings such as budget overruns the guest runs with; 2: violations).")
    {
        Arguments.Add(PlanFile);
        Options.Add(Json);
        SetAction(parseResult =>
        {
            var cfg = parseResult.InvocationConfiguration;
            string path = parseResult.GetValue(PlanFile)!;
            string? text = CliIo.ReadInput(path, cfg.Error);
            if (text is null) return ExitCodes.InvalidInput;
            Plan? plan;
            if (text.TrimStart().StartsWith('<'))
            {
                try
                {
                    plan = LibvirtPlans.FromDomainXml(text);
                }
                catch (DomainXmlException ex)
                {
                    cfg.Error.WriteLine($"devaddr: {ex.Message}");
                    return ExitCodes.InvalidInput;
                }
            }
            else
            {
                var (p, error) = PlanJson.ReadPlan(text, CliIo.IsYamlPath(path));
                if (error is not null) return CliIo.ReportError(error, false, cfg.Error);
                plan = p!;
            }
            var violations = AddressPlanner.Validate(plan);
            if (parseResult.GetValue(Json))
                cfg.Output.Write(System.Text.Json.JsonSerializer.Serialize(violations, CliIo.TypeInfo<IReadOnlyList<PlanError>>(PlanJson.Options)) + "\n");
            else if (violations.Count == 0)
                cfg.Output.WriteLine($"valid: {plan.Devices.Count} devices, no violations");
            else
                foreach (var v in violations)
                    cfg.Output.WriteLine(ValidationRules.IsError(v) ? $"{v.Rule}: {v.Message}" : $"warning: {v.Rule}: {v.Message}");
            return violations.Any(ValidationRules.IsError) ? ExitCodes.InvalidInput : ExitCodes.Ok;
        });
    }
}
