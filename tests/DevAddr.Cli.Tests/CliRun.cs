using System.Text.Json;
using Json.Schema;

namespace DevAddr.Cli.Tests;

/// <summary>One run of the real root command, with what it wrote.</summary>
internal sealed record CliResult(int ExitCode, string Output, string Error);

/// <summary>Runs <see cref="DevAddrCli.Run"/> in-process with captured output, and finds the repository's files.</summary>
internal static class CliRun
{
    private static readonly Lazy<string> RootDir = new(FindRoot);

    public static string Root => RootDir.Value;

    public static string Example(string name) => Path.Combine(Root, "fixtures", "examples", name);

    public static CliResult Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = DevAddrCli.Run(args, output, error);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>Errors of <paramref name="json"/> against a schema of docs/schema ("plan" or "request"), optionally one of its $defs.</summary>
    public static IReadOnlyList<string> SchemaErrors(string schema, string json, string? definition = null)
    {
        string text = File.ReadAllText(Path.Combine(Root, "docs", "schema", schema + ".schema.json"));
        if (definition is not null)
        {
            using var doc = JsonDocument.Parse(text);
            text = $$"""{ "$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": {{doc.RootElement.GetProperty("$defs").GetRawText()}}, "$ref": "#/$defs/{{definition}}" }""";
        }
        var compiled = JsonSchema.FromText(text, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        using var instance = JsonDocument.Parse(json);
        var result = compiled.Evaluate(instance.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid) return [];
        return [.. ((IEnumerable<EvaluationResults>?)result.Details ?? []).SelectMany(d => (d.Errors ?? new Dictionary<string, string>()).Select(e => $"{d.InstanceLocation}: {e.Value}")), "invalid"];
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DevAddr.Solver.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no DevAddr.Solver.sln above {AppContext.BaseDirectory}");
    }
}

/// <summary>A temporary directory, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "devaddr-cli-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
