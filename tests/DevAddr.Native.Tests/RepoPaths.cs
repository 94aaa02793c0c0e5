namespace DevAddr.TestSupport;

/// <summary>The native tests' paths; the root is found in the shared tests/Shared/RepoPaths.cs.</summary>
internal static partial class RepoPaths
{
    public static string Bindings => Path.Combine(Root, "bindings");

    public static string Library => Path.Combine(Bindings, "lib");

    public static string Examples => Path.Combine(Root, "fixtures", "examples");

    public static string Scenarios => Path.Combine(Root, "fixtures", "scenarios");

    public static string ReleaseScript => Path.Combine(Root, "tools", "release.sh");

    public static string Sample => Path.Combine(Root, "samples", "DevAddr.Sample");

    /// <summary>The reference CLI, built into this project's output by the project reference.</summary>
    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "devaddr.dll");
}
