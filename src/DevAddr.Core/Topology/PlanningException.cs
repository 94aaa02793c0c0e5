using DevAddr.Core.Model;

namespace DevAddr.Core.Topology;

/// <summary>Raised inside the planner to abort with a <see cref="PlanError"/>; never escapes the public API.</summary>
internal sealed class PlanningException(PlanError error) : Exception(error.Message)
{
    public PlanError Error { get; } = error;

    public static PlanningException Create(string code, string message, string? deviceId = null, string? rule = null) =>
        new(new PlanError { Code = code, Message = message, DeviceId = deviceId, Rule = rule });
}
