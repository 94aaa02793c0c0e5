using System.Diagnostics;
using System.Text.Json.Nodes;

namespace DevAddr.Hotplug.Tests;

/// <summary>
/// Real libvirt 9.0 + QEMU 7.2 through <c>tools/oracle/libvirt-hotplug</c> (a paused TCG guest in an embedded
/// libvirt; install with <c>tools/oracle/install-libvirt.sh</c>; starting QEMU needs root).
/// </summary>
internal static class LiveLibvirt
{
    public const string Python = "/usr/bin/python3";

    public const string UnavailableMessage =
        "live libvirt is not available: /usr/bin/python3 cannot import libvirt, QEMU (qemu-system-x86_64, -ppc64, -s390x) is missing, or the tests do not run as root; run tools/oracle/install-libvirt.sh";

    private static readonly Lazy<bool> Available = new(Probe);

    public static bool IsAvailable => Available.Value;

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Runs the tool; returns its JSON report.</summary>
    public static JsonObject Run(params string[] args)
    {
        var (code, stdout, stderr) = Exec("bash", [RepoPaths.HotplugTool, .. args], TimeSpan.FromMinutes(5));
        if (code != 0) throw new InvalidOperationException($"libvirt-hotplug {string.Join(' ', args)} exited with {code}: {stderr.Trim()}");
        return JsonNode.Parse(stdout)!.AsObject();
    }

    /// <summary>Runs tools/oracle/libvirt-expand on a directory.</summary>
    public static void Expand(string inDir, string outDir)
    {
        var (code, _, stderr) = Exec("bash", [Path.Combine(RepoPaths.Root, "tools", "oracle", "libvirt-expand"), inDir, outDir], TimeSpan.FromMinutes(5));
        if (code != 0) throw new InvalidOperationException($"libvirt-expand exited with {code}: {stderr.Trim()}");
    }

    private static bool Probe()
    {
        if (!File.Exists(Python) || !OperatingSystem.IsLinux() || Environment.UserName != "root") return false;
        try
        {
            // The fixtures' guests: x86_64, pseries (ppc64, ppc64le) and s390x.
            return Exec(Python, ["-c", "import libvirt, libvirt_qemu, shutil, sys; sys.exit(0 if all(shutil.which('qemu-system-' + a) for a in ('x86_64', 'ppc64', 's390x')) else 1)"], TimeSpan.FromSeconds(30)).Code == 0;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or TimeoutException)
        {
            return false;
        }
    }

    private static (int Code, string Stdout, string Stderr) Exec(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} ran longer than {timeout}");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    internal static void Require()
    {
        if (!IsAvailable) Assert.Fail(UnavailableMessage);
    }
}

/// <summary>A fact that needs live libvirt: skipped without it, except in CI (<c>CI=true</c>), where it fails.</summary>
public sealed class LiveLibvirtFactAttribute : FactAttribute
{
    public LiveLibvirtFactAttribute()
    {
        if (!LiveLibvirt.IsAvailable && !LiveLibvirt.IsCi) Skip = LiveLibvirt.UnavailableMessage + " (set CI=true to make this a failure)";
    }
}

/// <summary>A theory that needs live libvirt: skipped without it, except in CI (<c>CI=true</c>), where it fails.</summary>
public sealed class LiveLibvirtTheoryAttribute : TheoryAttribute
{
    public LiveLibvirtTheoryAttribute()
    {
        if (!LiveLibvirt.IsAvailable && !LiveLibvirt.IsCi) Skip = LiveLibvirt.UnavailableMessage + " (set CI=true to make this a failure)";
    }
}
