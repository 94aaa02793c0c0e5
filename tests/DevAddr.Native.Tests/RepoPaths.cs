namespace DevAddr.Native.Tests;

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

    public static string Bindings => Path.Combine(Root, "bindings");

    public static string Library => Path.Combine(Bindings, "lib");

    public static string Examples => Path.Combine(Root, "fixtures", "examples");

    /// <summary>The reference CLI, built into this project's output by the project reference.</summary>
    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "devaddr.dll");
}
