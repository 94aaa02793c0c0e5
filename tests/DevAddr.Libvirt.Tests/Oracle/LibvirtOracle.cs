namespace DevAddr.Libvirt.Tests.Oracle;

/// <summary>
/// The live libvirt oracle: the repository's <c>tools/oracle/libvirt-expand</c>, which runs domain XMLs through
/// real libvirt 9.0 (install with <c>tools/oracle/install-libvirt.sh</c>).
/// </summary>
internal static class LibvirtOracle
{
    /// <summary>Debian's interpreter, where <c>python3-libvirt</c> is installed.</summary>
    public const string Python = "/usr/bin/python3";

    public const string UnavailableMessage =
        "the libvirt oracle is not available: /usr/bin/python3 cannot import libvirt; run tools/oracle/install-libvirt.sh";

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private static readonly Lazy<bool> Available = new(Probe);

    /// <summary>True when <c>/usr/bin/python3</c> can import libvirt.</summary>
    public static bool IsAvailable => Available.Value;

    /// <summary>True in CI (<c>CI=true</c>), where a missing oracle is a failure rather than a skip.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Expands every <c>inDir/*.xml</c> into <c>outDir/NAME.xml</c> or <c>outDir/NAME.error</c>; returns the
    /// number of results written.
    /// </summary>
    public static int ExpandDirectory(string inDir, string outDir)
    {
        var run = ProcessRunner.Run("bash", [RepoPaths.OracleTool, inDir, outDir], Timeout);
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"libvirt-expand {inDir} {outDir} exited with {run.ExitCode}: {run.StandardError.Trim()}");
        }

        return Directory.EnumerateFiles(outDir).Count(f => f.EndsWith(".xml", StringComparison.Ordinal)
                                                           || f.EndsWith(".error", StringComparison.Ordinal));
    }

    private static bool Probe()
    {
        if (!File.Exists(Python))
        {
            return false;
        }

        try
        {
            return ProcessRunner.Run(Python, ["-c", "import libvirt"], TimeSpan.FromSeconds(30)).ExitCode == 0;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or TimeoutException)
        {
            return false;
        }
    }
}

/// <summary>
/// The second live oracle: libvirt 11.3 + QEMU 10.0 from Debian 13 in a Debian root (<c>tools/oracle/install-libvirt-11.sh</c>),
/// run by <c>tools/oracle/libvirt-expand-11</c> (as root: it uses chroot).
/// </summary>
internal static class LibvirtOracle11
{
    public const string UnavailableMessage =
        "the libvirt 11.3 oracle is not available: run tools/oracle/install-libvirt-11.sh as root (the tests must run as root too)";

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    private static readonly Lazy<bool> Available = new(() =>
        File.Exists(Path.Combine(Environment.GetEnvironmentVariable("LIBVIRT11_ROOT") ?? "/opt/libvirt-11.3", "usr", "bin", "virsh"))
        && Environment.UserName == "root");

    /// <summary>True when the root with libvirt 11.3 exists and the tests run as root.</summary>
    public static bool IsAvailable => Available.Value;

    /// <summary>Like <see cref="LibvirtOracle.ExpandDirectory"/>, with libvirt 11.3.</summary>
    public static int ExpandDirectory(string inDir, string outDir)
    {
        var run = ProcessRunner.Run("bash", [RepoPaths.Oracle11Tool, inDir, outDir], Timeout);
        if (run.ExitCode != 0)
            throw new InvalidOperationException($"libvirt-expand-11 {inDir} {outDir} exited with {run.ExitCode}: {run.StandardError.Trim()}");
        return Directory.EnumerateFiles(outDir).Count(f => f.EndsWith(".xml", StringComparison.Ordinal) || f.EndsWith(".error", StringComparison.Ordinal));
    }
}

/// <summary>A fact that needs the live libvirt 11.3 oracle: skipped when it is missing, except in CI (<c>CI=true</c>), where it fails.</summary>
public sealed class Libvirt11OracleFactAttribute : FactAttribute
{
    public Libvirt11OracleFactAttribute()
    {
        if (!LibvirtOracle11.IsAvailable && !LibvirtOracle.IsCi)
            Skip = LibvirtOracle11.UnavailableMessage + " (set CI=true to make this a failure)";
    }

    /// <summary>Fails the running test when the oracle is missing (only reachable in CI).</summary>
    internal static void RequireOracle()
    {
        if (!LibvirtOracle11.IsAvailable)
            Assert.Fail(LibvirtOracle11.UnavailableMessage);
    }
}

/// <summary>
/// A fact that needs the live libvirt oracle: skipped when it is missing, except in CI (<c>CI=true</c>), where
/// the test runs and must fail with <see cref="LibvirtOracle.UnavailableMessage"/> (call
/// <see cref="RequireOracle"/> first).
/// </summary>
public sealed class LibvirtOracleFactAttribute : FactAttribute
{
    public LibvirtOracleFactAttribute()
    {
        if (!LibvirtOracle.IsAvailable && !LibvirtOracle.IsCi)
        {
            Skip = LibvirtOracle.UnavailableMessage + " (set CI=true to make this a failure)";
        }
    }

    /// <summary>Fails the running test when the oracle is missing (only reachable in CI).</summary>
    internal static void RequireOracle()
    {
        if (!LibvirtOracle.IsAvailable)
        {
            Assert.Fail(LibvirtOracle.UnavailableMessage);
        }
    }
}
