using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace DevAddr.Core.Tests;

/// <summary>The JSON Schemas in docs/schema, loaded once, with a helper that returns every error.</summary>
internal static class Schemas
{
    private static readonly Lazy<JsonSchema> s_request = new(() => Load("request.schema.json"));
    private static readonly Lazy<JsonSchema> s_plan = new(() => Load("plan.schema.json"));

    public static JsonSchema Request => s_request.Value;

    public static JsonSchema Plan => s_plan.Value;

    /// <summary>The raw schema documents, for checks of their structure.</summary>
    public static JsonObject RequestDocument => (JsonObject)JsonNode.Parse(File.ReadAllText(RepoPaths.Schema("request.schema.json")))!;

    public static JsonObject PlanDocument => (JsonObject)JsonNode.Parse(File.ReadAllText(RepoPaths.Schema("plan.schema.json")))!;

    /// <summary>Evaluates <paramref name="json"/>; returns the errors as "location: message" lines (empty when valid).</summary>
    public static IReadOnlyList<string> Errors(JsonSchema schema, string json)
    {
        using var doc = JsonDocument.Parse(json);
        var result = schema.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid) return [];
        var errors = new List<string>();
        foreach (var detail in (IEnumerable<EvaluationResults>?)result.Details ?? [])
            foreach (var (keyword, message) in detail.Errors ?? new Dictionary<string, string>())
                errors.Add($"{detail.InstanceLocation} ({keyword}): {message}");
        return errors.Count > 0 ? errors : ["invalid (no details)"];
    }

    private static JsonSchema Load(string name) =>
        JsonSchema.FromText(File.ReadAllText(RepoPaths.Schema(name)), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
}
