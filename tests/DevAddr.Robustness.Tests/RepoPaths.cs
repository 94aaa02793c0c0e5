namespace DevAddr.TestSupport;

/// <summary>The robustness tests' paths; the root is found in the shared tests/Shared/RepoPaths.cs.</summary>
internal static partial class RepoPaths
{
    public static string CorpusInput => Path.Combine(Root, "fixtures", "conformance", "libvirt-9.0", "input");

    public static string CorpusExpected => Path.Combine(Root, "fixtures", "conformance", "libvirt-9.0", "expected");

    public static string Broken => Path.Combine(Root, "fixtures", "broken");

    public static string Examples => Path.Combine(Root, "fixtures", "examples");
}
