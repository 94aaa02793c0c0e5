namespace DevAddr.TestSupport;

/// <summary>
/// Where the repository's files are, found from the test assembly's directory.
/// Shared by the test projects (linked into each); a project's own paths live in its partial <c>RepoPaths</c>.
/// </summary>
internal static partial class RepoPaths
{
    private const string SolutionFile = "DevAddr.Solver.sln";

    private static readonly Lazy<string> RootDir = new(FindRoot);

    /// <summary>The repository root: the nearest ancestor of the test assembly holding the solution file.</summary>
    public static string Root => RootDir.Value;

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
