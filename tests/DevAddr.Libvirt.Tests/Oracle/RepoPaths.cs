namespace DevAddr.TestSupport;

/// <summary>The libvirt tests' paths; the root is found in the shared tests/Shared/RepoPaths.cs.</summary>
internal static partial class RepoPaths
{
    public static string OracleTool => Path.Combine(Root, "tools", "oracle", "libvirt-expand");

    public static string CorpusInput => Path.Combine(Root, "fixtures", "conformance", "libvirt-9.0", "input");

    public static string CorpusExpected => Path.Combine(Root, "fixtures", "conformance", "libvirt-9.0", "expected");

    /// <summary>The team's reference <c>compare</c> script in <c>../shared</c> beside the repository, if present.</summary>
    public static string SharedCompare => Path.GetFullPath(Path.Combine(Root, "..", "shared", "oracle", "compare"));
}
