namespace DevAddr.TestSupport;

/// <summary>The core tests' paths; the root is found in the shared tests/Shared/RepoPaths.cs.</summary>
internal static partial class RepoPaths
{
    public static string Models => Path.Combine(Root, "models");

    public static string Examples => Path.Combine(Root, "fixtures", "examples");

    public static string Scenarios => Path.Combine(Root, "fixtures", "scenarios");

    public static string Schema(string name) => Path.Combine(Root, "docs", "schema", name);

    /// <summary>The example requests (JSON and YAML), sorted by name.</summary>
    public static IEnumerable<string> ExampleRequests() =>
        Directory.GetFiles(Examples).Where(f => f.EndsWith(".json", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
}
