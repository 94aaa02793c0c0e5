using System.Text.Json.Serialization;

namespace DevAddr.Core.Model;

/// <summary>
/// The guest's current layout (e.g. the devices of a previous plan). Every device and controller in it keeps
/// its address; devices missing from the request are removed and free their places; devices new in the
/// request are placed by the policy. With <see cref="AllowMoves"/> the optimizing policy may move existing
/// devices, at <see cref="MoveWeight"/> per moved device.
/// </summary>
public sealed record PriorLayout
{
    /// <summary>Creates a prior layout; <c>new PriorLayout { Devices = ... }</c> is the usual form.</summary>
    /// <param name="moveWeight">Cost of moving one existing device (default 1000).</param>
    /// <remarks>Defaults are constructor parameters, not property initializers, so that a document that leaves a member out gets its default from the compile-time JSON metadata too.</remarks>
    [JsonConstructor]
    public PriorLayout(int moveWeight = 1000) => MoveWeight = moveWeight;

    /// <summary>The devices of the current layout, with their addresses (ids match the request's).</summary>
    public required IReadOnlyList<Device> Devices { get; init; }
    /// <summary>Whether existing devices may move (optimize policy only). Default: never.</summary>
    public bool AllowMoves { get; init; }
    /// <summary>Cost of moving one existing device, when moves are allowed.</summary>
    public int MoveWeight { get; init; }
}

/// <summary>How a plan relates to the prior layout.</summary>
public sealed record StabilityReport
{
    /// <summary>Devices of the prior layout that kept their address.</summary>
    public required int Kept { get; init; }
    /// <summary>Devices of the prior layout removed by the request.</summary>
    public required IReadOnlyList<string> Removed { get; init; }
    /// <summary>Devices that moved (only when moves were allowed).</summary>
    public required IReadOnlyList<DeviceMove> Moved { get; init; }
    /// <summary>Devices the policy would place elsewhere if it planned from scratch (nothing moved).</summary>
    public required IReadOnlyList<DeviceMove> WouldMove { get; init; }
    /// <summary>Optimizing policy: objective improvement that moving would bring (0: none).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? GainIfMoved { get; init; }
}

/// <summary>A device address change.</summary>
public sealed record DeviceMove(string Id, DeviceAddress? From, DeviceAddress? To);
