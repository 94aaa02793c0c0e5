using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using DevAddr.Core.Serialization;

namespace DevAddr.Native;

/// <summary>
/// One-time set-up of the library, run (thread-safely, by the type initializer) before the first C call does any work:
/// native-library resolution next to libdevaddr.so, then the JSON metadata.
/// </summary>
internal static class LibraryHost
{
    static LibraryHost()
    {
        NativeLibraryResolver.Install();
        // The error object with PlanJson's options (naming, indentation) and its own metadata.
        var errorOptions = new JsonSerializerOptions(PlanJson.Options) { TypeInfoResolver = NativeJsonContext.Default };
        ErrorInfo = (JsonTypeInfo<ErrorEnvelope>)errorOptions.GetTypeInfo(typeof(ErrorEnvelope));
        ViolationsInfo = (JsonTypeInfo<IReadOnlyList<Core.Model.PlanError>>)PlanJson.Options.GetTypeInfo(typeof(IReadOnlyList<Core.Model.PlanError>));
    }

    /// <summary>Runs the set-up (once; later calls return at once).</summary>
    public static void EnsureReady()
    {
    }

    /// <summary>Metadata of the error object, bound to a copy of <see cref="PlanJson.Options"/>.</summary>
    public static JsonTypeInfo<ErrorEnvelope> ErrorInfo { get; }

    /// <summary>Metadata of a list of violations, bound to <see cref="PlanJson.Options"/>.</summary>
    public static JsonTypeInfo<IReadOnlyList<Core.Model.PlanError>> ViolationsInfo { get; }

    /// <summary>Serializes a list of violations as <c>devaddr validate --json</c> prints it.</summary>
    public static string Serialize(IReadOnlyList<Core.Model.PlanError> violations) => JsonSerializer.Serialize(violations, ViolationsInfo) + "\n";

    /// <summary>Serializes an error object <c>{"error": {...}}</c>.</summary>
    public static string Serialize(ErrorEnvelope error) => JsonSerializer.Serialize(error, ErrorInfo) + "\n";
}
