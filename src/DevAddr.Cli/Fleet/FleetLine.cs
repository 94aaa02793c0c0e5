using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;

namespace DevAddr.Cli.Fleet;

/// <summary>
/// The fleet file formats (JSON Lines, UTF-8, one object per line).
/// Input: <c>{"id": "vm-1", "request": { ...a planning request as for devaddr plan... }}</c>; no other members.
/// Output: <c>{"id": "vm-1", "plan": {...}}</c> or <c>{"id": "vm-1", "error": {"code", "message", "deviceId"?, "rule"?}}</c>,
/// compact, <c>id</c> first, one line per input line in input order.
/// </summary>
internal static class FleetLine
{
    /// <summary>Largest accepted id, in characters.</summary>
    public const int MaxIdChars = 1024;

    /// <summary>The serializer options of plans, requests and errors on a fleet line: <see cref="PlanJson.Options"/>, not indented.</summary>
    public static JsonSerializerOptions Compact { get; } = new(PlanJson.Options) { WriteIndented = false };

    private static readonly JsonDocumentOptions s_docOptions = new() { MaxDepth = 64 };
    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.Default, Indented = false };

    /// <summary>Parses an input line. Returns false (with <paramref name="reject"/>) when the line has no usable id;
    /// otherwise the id and either the request's JSON text or an error about the envelope.</summary>
    public static bool TryParseInput(ReadOnlyMemory<byte> line, out string id, out string? requestJson, out PlanError? envelopeError, out string reject)
    {
        id = "";
        requestJson = null;
        envelopeError = null;
        reject = "";
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line, s_docOptions);
        }
        catch (JsonException ex)
        {
            reject = $"not a JSON object: {FirstSentence(ex.Message)}";
            return false;
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                reject = $"expected a JSON object {{\"id\": ..., \"request\": {{...}}}}, got {root.ValueKind.ToString().ToLowerInvariant()}";
                return false;
            }
            string? foundId = null;
            JsonElement? request = null;
            string? unknown = null;
            bool duplicateMember = false;
            foreach (var p in root.EnumerateObject())
            {
                switch (p.Name)
                {
                    case "id":
                        duplicateMember |= foundId is not null;
                        if (p.Value.ValueKind != JsonValueKind.String)
                        {
                            reject = $"\"id\" must be a string, got {p.Value.ValueKind.ToString().ToLowerInvariant()}";
                            return false;
                        }
                        foundId = p.Value.GetString();
                        break;
                    case "request":
                        duplicateMember |= request is not null;
                        request = p.Value;
                        break;
                    default:
                        unknown ??= p.Name;
                        break;
                }
            }
            if (string.IsNullOrWhiteSpace(foundId))
            {
                reject = foundId is null ? "the line has no \"id\"" : "\"id\" is empty";
                return false;
            }
            if (foundId.Length > MaxIdChars)
            {
                reject = $"\"id\" is {foundId.Length} characters long; at most {MaxIdChars} are accepted";
                return false;
            }
            if (duplicateMember)
            {
                reject = "the line repeats \"id\" or \"request\"";
                return false;
            }
            id = foundId;
            if (unknown is not null)
                envelopeError = LineError($"unknown member '{unknown}' on the fleet line (allowed: id, request)");
            else if (request is not { ValueKind: JsonValueKind.Object } r)
                envelopeError = LineError(request is null ? "the line has no \"request\"" : "\"request\" must be a JSON object");
            else
                requestJson = r.GetRawText();
            return true;
        }
    }

    /// <summary>
    /// The top-level <c>"id"</c> string of an input line, read without building a document (cheap enough to run on
    /// every line of a large fleet before the shard and resume filters); null when absent, not a string, or the
    /// line is malformed before it. Lines that pass the filters are then parsed in full by <see cref="TryParseInput"/>.
    /// </summary>
    public static string? PeekId(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isId = reader.ValueTextEquals("id"u8);
                if (!reader.Read()) return null;
                if (isId) return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static PlanError LineError(string message) =>
        new() { Code = ErrorCodes.InvalidInput, Message = message, Rule = "fleet-line" };

    /// <summary>Reads the id of an output line (for resume); null when the line is not an output line.</summary>
    public static string? ReadOutputId(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            string? id = null;
            bool hasResult = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                if (!reader.Read()) return null;
                if (name == "id" && reader.TokenType == JsonTokenType.String) id = reader.GetString();
                else if (name is "plan" or "error" && reader.TokenType == JsonTokenType.StartObject) hasResult = true;
                reader.Skip();
            }
            return reader.TokenType == JsonTokenType.EndObject && !reader.Read() && hasResult ? id : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>One output line, newline included: <c>{"id":...,"plan"|"error":BODY}</c>.</summary>
    public static byte[] Output(string id, bool ok, ReadOnlySpan<byte> body)
    {
        var buffer = new ArrayBufferWriter<byte>(body.Length + id.Length + 32);
        using (var w = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WritePropertyName(ok ? "plan" : "error");
            w.WriteRawValue(body, skipInputValidation: true);
            w.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The compact JSON of a plan (the body of a <c>plan</c> line).</summary>
    public static byte[] Body(Plan plan) => JsonSerializer.SerializeToUtf8Bytes(plan, Commands.CliIo.TypeInfo<Plan>(Compact));

    /// <summary>The compact JSON of an error (the body of an <c>error</c> line).</summary>
    public static byte[] Body(PlanError error) => JsonSerializer.SerializeToUtf8Bytes(error, Commands.CliIo.TypeInfo<PlanError>(Compact));

    private static string FirstSentence(string message)
    {
        foreach (string marker in (ReadOnlySpan<string>)[" Path:", " LineNumber:"])
        {
            int cut = message.IndexOf(marker, StringComparison.Ordinal);
            if (cut > 0) message = message[..cut];
        }
        return message.Trim();
    }
}
