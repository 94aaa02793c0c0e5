namespace DevAddr.TestSupport;

/// <summary>The libvirt tests' paths; the root is found in the shared tests/Shared/RepoPaths.cs.</summary>
internal static partial class RepoPaths
{
    public static string OracleTool => Path.Combine(Root, "tools", "oracle", "libvirt-expand");

    public static string CorpusInput => Path.Combine(Root, "fixtures", "conformance", "libvirt-9.0", "input");

    public static string CorpusExpected => Path.Combine(Root, "fixtures", "conformance", "libvirt-9.0", "expected");

    /// <summary>What libvirt 11.3 made of the inputs of <see cref="CorpusInput"/>.</summary>
    public static string Corpus113Expected => Path.Combine(Root, "fixtures", "conformance", "libvirt-11.3", "expected");

    /// <summary>The libvirt 11.3 oracle (tools/oracle/install-libvirt-11.sh installs it).</summary>
    public static string Oracle11Tool => Path.Combine(Root, "tools", "oracle", "libvirt-expand-11");

    /// <summary>Hand-written guests that tell libvirt 9.0 and 11.3 apart, with both releases' outputs.</summary>
    public static string VersionRules => Path.Combine(Root, "fixtures", "conformance", "libvirt-versions");

    /// <summary>The corpus of the other architectures (ppc64 pseries, s390x, riscv64, armv7l, aarch64 virtio-mmio).</summary>
    public static string ArchesCorpusInput => Path.Combine(Root, "fixtures", "conformance", "libvirt-9.0-arches", "input");

    public static string ArchesCorpusExpected => Path.Combine(Root, "fixtures", "conformance", "libvirt-9.0-arches", "expected");

    /// <summary>The team's reference <c>compare</c> script in <c>../shared</c> beside the repository, if present.</summary>
    public static string SharedCompare => Path.GetFullPath(Path.Combine(Root, "..", "shared", "oracle", "compare"));
}
