namespace DevAddr.Core.Validation;

/// <summary>The limits of the planner's input (README, "Errors"). Each one reached gives an <c>invalid-input</c> error naming it.</summary>
public static class PlanLimits
{
    /// <summary>Most devices in one request (rule <c>max-devices</c>).</summary>
    public const int MaxDevices = 4096;

    /// <summary>Longest JSON or YAML document, in characters (rule <c>max-input-size</c>).</summary>
    public const int MaxInputChars = Serialization.PlanJson.MaxInputChars;

    /// <summary>Deepest nesting of a JSON or YAML document (rule <c>well-formed</c>).</summary>
    public const int MaxNestingDepth = 32;
}
