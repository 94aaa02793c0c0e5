namespace DevAddr.Libvirt.Tests.Oracle;

/// <summary>Where the repository's files are, found from the test assembly's directory.</summary>
internal static class RepoPaths
{
    private const string SolutionFile = "DevAddr.Solver.sln";

    private static readonly Lazy<string> RootDir = new(FindRoot);

    /// <summary>The repository root: the nearest ancestor of the test assembly holding the solution file.</summary>
    public static string Root => RootDir.Value;

    public static string OracleTool => Path.Combine(Root, "tools", "oracle", "libvirt-expand");

    public static string CorpusInput => Path.Combine(Root, "fixtures", "conformance", "libvirt-9.0", "input");

    public static string CorpusExpected => Path.Combine(Root, "fixtures", "conformance", "libvirt-9.0", "expected");

    /// <summary>The team's reference <c>compare</c> script in <c>../shared</c> beside the repository, if present.</summary>
    public static string SharedCompare => Path.GetFullPath(Path.Combine(Root, "..", "shared", "oracle", "compare"));

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
