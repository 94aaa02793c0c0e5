using System.CommandLine;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using DevAddr.Solver;

namespace DevAddr.Cli.Commands;

/// <summary><c>devaddr plan REQUEST [-o PLAN]</c>: plans a request file.</summary>
internal sealed class PlanCommand : Command
{
    private readonly Argument<string> Request = new("REQUEST")
    {
        Description = "Planning request (JSON or YAML; '-' reads standard input).",
    };

    private readonly Option<string?> Output = new("--output", "-o")
    {
        Description = "Write the plan to this file (written whole or not at all). Default: standard output.",
    };

    private readonly Option<string?> Prior = new("--prior")
    {
        Description = "The guest's current layout (a plan written by 'devaddr plan'): every device in it keeps its address; devices missing from REQUEST are removed.",
    };

    private readonly Option<bool> AllowMoves = new("--allow-moves")
    {
        Description = "With --prior and the optimize policy: existing devices may move, at the prior layout's move weight per moved device.",
    };

    private readonly Option<bool> JsonErrors = new("--json-errors")
    {
        Description = "Print errors as a JSON object {code, message, deviceId, rule} on standard error.",
    };

    public PlanCommand() : base("plan", "Plan every device address of a request: adds the controllers it needs and returns the fully expanded device list.")
    {
        Arguments.Add(Request);
        Options.Add(Output);
        Options.Add(Prior);
        Options.Add(AllowMoves);
        Options.Add(JsonErrors);
        SetAction(parseResult =>
        {
            var cfg = parseResult.InvocationConfiguration;
            string path = parseResult.GetValue(Request)!;
            bool json = parseResult.GetValue(JsonErrors);
            string? text = CliIo.ReadInput(path, cfg.Error);
            if (text is null) return ExitCodes.InvalidInput;
            var (request, readError) = PlanJson.ReadRequest(text, CliIo.IsYamlPath(path));
            if (readError is not null) return CliIo.ReportError(readError, json, cfg.Error);
            (request, readError) = CliIo.ResolveHostTopology(request!, path);
            if (readError is not null) return CliIo.ReportError(readError, json, cfg.Error);
            if (parseResult.GetValue(Prior) is string priorPath)
            {
                string? priorText = CliIo.ReadInput(priorPath, cfg.Error);
                if (priorText is null) return ExitCodes.InvalidInput;
                var (prior, priorError) = PlanJson.ReadPlan(priorText, CliIo.IsYamlPath(priorPath));
                if (priorError is not null) return CliIo.ReportError(priorError with { Message = "prior layout: " + priorError.Message }, json, cfg.Error);
                request = request! with { Prior = new PriorLayout { Devices = prior!.Devices, AllowMoves = parseResult.GetValue(AllowMoves) } };
            }
            return OptimizingPlanner.Plan(request!) switch
            {
                PlanResult.Success s => CliIo.WriteOutput(parseResult.GetValue(Output), PlanJson.Serialize(s.Plan), cfg.Output, cfg.Error)
                    ? ExitCodes.Ok : ExitCodes.InternalError,
                PlanResult.Failure f => CliIo.ReportError(f.Error, json, cfg.Error),
                _ => ExitCodes.InternalError,
            };
        });
    }
}
