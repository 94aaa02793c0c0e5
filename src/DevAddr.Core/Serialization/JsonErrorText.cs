using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using DevAddr.Core.Model;

namespace DevAddr.Core.Serialization;

/// <summary>
/// Rewrites the JSON reader's messages about a document's shape in the document's own terms: the field (JSON path)
/// and what it takes (a whole number, a string, an array, an object with these fields, an address type of these
/// values), never the name of a type of the implementation.
/// </summary>
internal static partial class JsonErrorText
{
    [GeneratedRegex(@"^The JSON value could not be converted to (?<type>[^ ]+?)\.?$")]
    private static partial Regex NotConverted();

    [GeneratedRegex(@"^The JSON property '(?<name>[^']*)' could not be mapped to any \.NET member contained in type '(?<type>[^']+)'\.?$")]
    private static partial Regex UnknownMember();

    [GeneratedRegex(@"^JSON deserialization for type '(?<type>[^']+)' was missing required properties,? including:? (?<names>.+?)\.?$")]
    private static partial Regex MissingRequired();

    [GeneratedRegex(@"^The JSON payload for polymorphic interface or abstract type '(?<type>[^']+)' must specify a type discriminator\.?$")]
    private static partial Regex NoDiscriminator();

    [GeneratedRegex(@"^Read unrecognized type discriminator id '(?<id>[^']*)'\.?$")]
    private static partial Regex UnknownDiscriminator();

    /// <summary>The message for a shape error at <paramref name="path"/> (null: the document), or the reader's own first sentence where it names no type.</summary>
    public static string Describe(string message, string? path, JsonSerializerOptions options)
    {
        string text = FirstSentence(message);
        string field = FieldName(path);
        Match m;
        if ((m = NotConverted().Match(text)).Success)
        {
            var type = FindType(m.Groups["type"].Value);
            // A record read through its constructor names the record when one of its fields does not convert.
            if (type is not null && path is not null && MemberType(type, LastSegment(path), options) is { } member)
                type = member;
            return $"{field} must be {Expected(type, options)}";
        }
        if ((m = UnknownMember().Match(text)).Success)
        {
            string known = FieldList(FindType(m.Groups["type"].Value), options);
            string name = m.Groups["name"].Value;
            string where = path is null ? $"'{name}'" : path.EndsWith("." + name, StringComparison.Ordinal) ? path : $"'{name}' in {path}";
            return $"unknown field {where}{(known.Length == 0 ? "" : $" (allowed: {known})")}";
        }
        if ((m = MissingRequired().Match(text)).Success)
        {
            string names = m.Groups["names"].Value.Replace("'", "", StringComparison.Ordinal);
            return $"{field} lacks the required field{(names.Contains(',', StringComparison.Ordinal) ? "s" : "")} {names}";
        }
        if ((m = NoDiscriminator().Match(text)).Success)
            return $"{field} needs its \"type\" ({Discriminators(FindType(m.Groups["type"].Value), options)})";
        if ((m = UnknownDiscriminator().Match(text)).Success)
        {
            var allowed = path is not null && path.EndsWith("address", StringComparison.Ordinal)
                ? Discriminators(typeof(DeviceAddress), options)
                : "";
            return $"{field}: unknown type '{m.Groups["id"].Value}'{(allowed.Length == 0 ? "" : $" (allowed: {allowed})")}";
        }
        return text;
    }

    [GeneratedRegex(@"^The constructor parameter '(?<name>[^']+)' on type '(?<type>[^']+)' doesn't allow null values\.(?<rest>.*)$")]
    private static partial Regex NullParameter();

    /// <summary>
    /// The reader's message up to its own " Path: ..." or " | ..." appendix. A null for a member that takes none is
    /// named by its field whether the member is set through the constructor or as a property.
    /// </summary>
    public static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        string text = cut > 0 ? message[..cut] : message;
        int bar = text.IndexOf(" | ", StringComparison.Ordinal);
        text = (bar > 0 ? text[..bar] : text).Trim();
        return NullParameter().Match(text) is { Success: true } m
            ? $"The property or field '{JsonNamingPolicy.CamelCase.ConvertName(m.Groups["name"].Value)}' on type '{m.Groups["type"].Value}' doesn't allow setting null values.{m.Groups["rest"].Value}"
            : text;
    }

    [GeneratedRegex(@"Path: (?<path>\$[^ |]*)")]
    private static partial Regex PathPart();

    /// <summary>The JSON path a reader's message names (" Path: $.x | ..."), or null.</summary>
    public static string? PathIn(string message) => PathPart().Match(message) is { Success: true } m ? m.Groups["path"].Value : null;

    private static string FieldName(string? path) => path is null or "$" ? "the document" : path;

    private static string LastSegment(string path)
    {
        string p = path;
        while (p.EndsWith(']'))
            p = p[..p.LastIndexOf('[')];
        int dot = p.LastIndexOf('.');
        return dot < 0 ? p : p[(dot + 1)..];
    }

    private static Type? FindType(string name)
    {
        string bare = name.Split('[', 2)[0];
        if (bare.StartsWith("System.Nullable`1", StringComparison.Ordinal) && Inner(name) is { } inner)
            return NullableOf(FindType(inner));
        if (bare.Contains("IReadOnlyList`1", StringComparison.Ordinal) || bare.Contains("List`1", StringComparison.Ordinal)
            || bare.Contains("IEnumerable`1", StringComparison.Ordinal) || name.EndsWith("[]", StringComparison.Ordinal))
            return typeof(IReadOnlyList<object>);
        if (bare.Contains("Dictionary`2", StringComparison.Ordinal))
            return typeof(IReadOnlyDictionary<string, object>);
        return bare switch
        {
            "System.String" => typeof(string),
            "System.Boolean" => typeof(bool),
            "System.Int32" => typeof(int),
            "System.Int64" => typeof(long),
            "System.UInt32" => typeof(uint),
            "System.UInt64" => typeof(ulong),
            "System.Double" => typeof(double),
            // A generic document type (Tunable`1[System.Int32]) by its whole name.
            _ => s_documentTypes.Value.GetValueOrDefault(bare) ?? s_documentTypes.Value.GetValueOrDefault(name),
        };
    }

    /// <summary>The nullable form of a number or boolean type (the only value types of the documents), else null.</summary>
    private static Type? NullableOf(Type? type) =>
        type == typeof(bool) ? typeof(bool?)
        : type == typeof(int) ? typeof(int?)
        : type == typeof(long) ? typeof(long?)
        : type == typeof(uint) ? typeof(uint?)
        : type == typeof(ulong) ? typeof(ulong?)
        : type == typeof(double) ? typeof(double?)
        : null;

    /// <summary>The types a request or plan document is made of, by full name: found from the roots through the JSON metadata, not by name lookup.</summary>
    private static readonly Lazy<Dictionary<string, Type>> s_documentTypes = new(() =>
    {
        var found = new Dictionary<string, Type>(StringComparer.Ordinal);
        var queue = new Queue<Type>([typeof(PlanRequest), typeof(Plan), typeof(PolicySpec)]);
        while (queue.Count > 0)
        {
            var type = queue.Dequeue();
            if (type.FullName is not { } name || !found.TryAdd(name, type)) continue;
            if (type.IsGenericType) found.TryAdd(type.ToString(), type);
            JsonTypeInfo info;
            try
            {
                info = PlanJson.Options.GetTypeInfo(type);
            }
            catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or ArgumentException)
            {
                continue;
            }
            if (info.ElementType is { } element) queue.Enqueue(element);
            if (info.Kind != JsonTypeInfoKind.Object) continue;
            foreach (var property in info.Properties)
                queue.Enqueue(Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType);
            foreach (var derived in info.PolymorphismOptions?.DerivedTypes ?? [])
                queue.Enqueue(derived.DerivedType);
        }
        return found;
    });

    private static string? Inner(string name)
    {
        int open = name.IndexOf('[');
        return open < 0 ? null : name[(open + 1)..^1].Trim('[', ']').Split(',')[0];
    }

    private static Type? MemberType(Type owner, string jsonName, JsonSerializerOptions options)
    {
        try
        {
            return options.GetTypeInfo(owner).Properties.FirstOrDefault(p => p.Name == jsonName)?.PropertyType;
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }

    private static string Expected(Type? type, JsonSerializerOptions options)
    {
        if (type is null) return "a value of another kind";
        if (Nullable.GetUnderlyingType(type) is { } inner) return Expected(inner, options);
        if (type == typeof(string)) return "a string";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte) || type == typeof(uint) || type == typeof(ulong))
            return "a whole number";
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal)) return "a number";
        if (type.IsEnum) return "one of " + string.Join(", ", Enum.GetNames(type).Select(n => JsonNamingPolicy.CamelCase.ConvertName(n)));
        if (type != typeof(string) && type.IsAssignableTo(typeof(System.Collections.IEnumerable)) && !IsDictionary(type))
            return "an array";
        if (IsDictionary(type)) return "an object";
        if (type == typeof(PolicySpec))
            return "an object such as {\"name\": \"libvirt\", \"version\": \"11.3\"} (a plan's \"policy\" is a name: give a plan as a prior layout, not as a request)";
        if (typeof(DeviceAddress).IsAssignableFrom(type))
            return $"an address object with its \"type\" ({Discriminators(typeof(DeviceAddress), options)})";
        string fields = FieldList(type, options);
        return fields.Length == 0 ? "an object" : $"an object (fields: {fields})";
    }

    private static bool IsDictionary(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() is var d
        && (d == typeof(IReadOnlyDictionary<,>) || d == typeof(Dictionary<,>) || d == typeof(IDictionary<,>));

    private static string FieldList(Type? type, JsonSerializerOptions options)
    {
        if (type is null) return "";
        try
        {
            return string.Join(", ", options.GetTypeInfo(type).Properties.Select(p => p.Name));
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or ArgumentException)
        {
            return "";
        }
    }

    private static string Discriminators(Type? type, JsonSerializerOptions options)
    {
        if (type is null) return "";
        try
        {
            return options.GetTypeInfo(type).PolymorphismOptions is JsonPolymorphismOptions poly
                ? string.Join(", ", poly.DerivedTypes.Select(d => d.TypeDiscriminator?.ToString()).Where(s => s is not null))
                : "";
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or ArgumentException)
        {
            return "";
        }
    }
}
