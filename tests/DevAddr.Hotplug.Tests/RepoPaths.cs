namespace DevAddr.Hotplug.Tests;

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

    public static string Hotplug => Path.Combine(Root, "fixtures", "hotplug");

    public static string Models => Path.Combine(Root, "models");

    public static string HotplugTool => Path.Combine(Root, "tools", "oracle", "libvirt-hotplug");
}
