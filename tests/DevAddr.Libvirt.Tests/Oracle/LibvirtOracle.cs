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
