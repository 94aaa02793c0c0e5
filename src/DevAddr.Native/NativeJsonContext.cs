using System.Text.Json.Serialization;
using DevAddr.Core.Model;

namespace DevAddr.Native;

/// <summary>The <c>{"error": {...}}</c> object every C function returns on failure.</summary>
/// <param name="Error">The error.</param>
internal sealed record ErrorEnvelope(PlanError Error);

/// <summary>
/// Compile-time JSON metadata of the C API's own error object. Everything else (requests, plans, violations, hotplug
/// reports) is Core's and goes through <see cref="Core.Serialization.PlanJson.Options"/>; <see cref="LibraryHost"/>
/// binds this context to a copy of those options, so the error object is written as the CLI writes an error.
/// </summary>
[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(ErrorEnvelope))]
internal sealed partial class NativeJsonContext : JsonSerializerContext;
