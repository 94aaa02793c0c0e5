namespace DevAddr.Core.Tests;

/// <summary>Where the repository's files are, found from the test assembly's directory.</summary>
internal static class RepoPaths
{
    private const string SolutionFile = "DevAddr.Solver.sln";

    private static readonly Lazy<string> RootDir = new(FindRoot);

    /// <summary>The repository root: the nearest ancestor of the test assembly holding the solution file.</summary>
    public static string Root => RootDir.Value;

    public static string Models => Path.Combine(Root, "models");

    public static string Examples => Path.Combine(Root, "fixtures", "examples");

    public static string Scenarios => Path.Combine(Root, "fixtures", "scenarios");

    public static string Schema(string name) => Path.Combine(Root, "docs", "schema", name);

    /// <summary>The example requests (JSON and YAML), sorted by name.</summary>
    public static IEnumerable<string> ExampleRequests() =>
        Directory.GetFiles(Examples).Where(f => f.EndsWith(".json", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no {SolutionFile} above {AppContext.BaseDirectory}");
    }
}

/// <summary>A temporary directory, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "devaddr-core-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

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
