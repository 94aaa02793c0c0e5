namespace DevAddr.Benchmarks;

/// <summary>Finds the repository root (the directory holding DevAddr.Solver.sln) above the working or base directory.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "DevAddr.Solver.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("run the benchmarks from inside the DevAddr repository (DevAddr.Solver.sln not found)");
    }
}
