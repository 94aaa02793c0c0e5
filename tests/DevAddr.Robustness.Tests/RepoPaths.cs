namespace DevAddr.Robustness.Tests;

/// <summary>Where the repository's files are, found from the test assembly's directory.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootDir = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DevAddr.Solver.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"no DevAddr.Solver.sln above {AppContext.BaseDirectory}");
    });

    public static string Root => RootDir.Value;

    public static string CorpusInput => Path.Combine(Root, "fixtures", "conformance", "libvirt-9.0", "input");

    public static string CorpusExpected => Path.Combine(Root, "fixtures", "conformance", "libvirt-9.0", "expected");

    public static string Broken => Path.Combine(Root, "fixtures", "broken");

    public static string Examples => Path.Combine(Root, "fixtures", "examples");
}
