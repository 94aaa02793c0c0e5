using System.Xml.Linq;

namespace DevAddr.Native.Tests;

/// <summary>
/// Runs <c>tools/release.sh</c> once into a temporary dist/ and installs its artifacts the way a user would, each in a
/// clean place outside the repository, on first use: the wheel into a fresh virtual environment, the dotnet tool into
/// a temporary tool path.
/// </summary>
public sealed class ReleaseFixture : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(20);

    private readonly TempDirectory _work = new();
    private readonly Lazy<ProcessOutcome> _release;
    private readonly Lazy<string> _venv;
    private readonly Lazy<string> _toolPath;

    public ReleaseFixture()
    {
        _release = new(() =>
        {
            var run = ProcessRunner.Run("bash", [RepoPaths.ReleaseScript, "--out", Dist], Timeout);
            Console.WriteLine($"[release] tools/release.sh took {run.Elapsed.TotalSeconds:F0} s");
            return run;
        });
        _venv = new(InstallWheel);
        _toolPath = new(InstallTool);
    }

    /// <summary>The one version of every artifact: Directory.Build.props's Version.</summary>
    public static string Version { get; } =
        XDocument.Load(Path.Combine(RepoPaths.Root, "Directory.Build.props")).Descendants("Version").Single().Value;

    /// <summary>Where the work happens: a temporary directory outside the repository.</summary>
    public string Work => _work.Path;

    /// <summary>The output directory of release.sh (only valid once <see cref="Release"/> succeeded).</summary>
    public string Dist => Path.Combine(_work.Path, "dist");

    /// <summary>The run of release.sh; fails the calling test with its output when it failed.</summary>
    internal ProcessOutcome Release
    {
        get
        {
            Assert.True(_release.Value.ExitCode == 0, "tools/release.sh failed:\n" + _release.Value.Transcript);
            return _release.Value;
        }
    }

    /// <summary>The one wheel in dist/.</summary>
    public string Wheel => Directory.GetFiles(ReleasedDist, "devaddr-*.whl").Single();

    /// <summary>A virtual environment (Debian's python3 -m venv) with the wheel installed by pip, without an index.</summary>
    public string Venv => _venv.Value;

    /// <summary>A tool path where <c>dotnet tool install</c> put devaddr from dist/; the command is <c>TOOLPATH/devaddr</c>.</summary>
    public string ToolPath => _toolPath.Value;

    private string ReleasedDist
    {
        get
        {
            _ = Release;
            return Dist;
        }
    }

    /// <summary>Runs a command from a directory outside the repository, with no DevAddr variable set.</summary>
    internal ProcessOutcome RunOutside(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var env = new Dictionary<string, string?>
        {
            ["DEVADDR_LIBRARY"] = null,
            ["DEVADDR_CLI"] = null,
            ["PYTHONPATH"] = null,
            ["PYTHONDONTWRITEBYTECODE"] = "1",
            ["PIP_DISABLE_PIP_VERSION_CHECK"] = "1",
            ["PIP_NO_INPUT"] = "1",
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
            env[key] = value;
        string cwd = Path.Combine(_work.Path, "cwd");
        Directory.CreateDirectory(cwd);
        return ProcessRunner.Run(program, arguments, Timeout, workingDirectory: cwd, environment: env);
    }

    public void Dispose() => _work.Dispose();

    private string InstallWheel()
    {
        string venv = Path.Combine(_work.Path, "venv");
        var create = RunOutside(ReleaseFactAttribute.DebianPython, ["-m", "venv", venv]);
        Assert.True(create.ExitCode == 0, create.Transcript);
        var install = RunOutside(Path.Combine(venv, "bin", "pip"), ["install", "--no-index", Wheel]);
        Assert.True(install.ExitCode == 0, install.Transcript);
        Console.WriteLine($"[release] python3 -m venv + pip install {Path.GetFileName(Wheel)}: {(create.Elapsed + install.Elapsed).TotalSeconds:F1} s");
        return venv;
    }

    private string InstallTool()
    {
        // Only dist/ as a source: the tool comes from there, whatever nuget.org holds.
        string config = Path.Combine(_work.Path, "tool-nuget.config");
        File.WriteAllText(config, """
            <?xml version="1.0" encoding="utf-8"?>
            <configuration><packageSources><clear /></packageSources></configuration>
            """);
        string tools = Path.Combine(_work.Path, "tools");
        var install = RunOutside("dotnet", ["tool", "install", "devaddr", "--tool-path", tools, "--add-source", ReleasedDist,
            "--configfile", config, "--version", Version]);
        Assert.True(install.ExitCode == 0, install.Transcript);
        Console.WriteLine($"[release] dotnet tool install devaddr --tool-path: {install.Elapsed.TotalSeconds:F1} s");
        return tools;
    }
}

/// <summary>
/// A fact that needs what tools/release.sh needs besides the .NET SDK: Debian's Python packaging tools
/// (python3-build, python3-setuptools, python3-wheel, python3-venv). Skipped where they are missing, except under
/// CI=true, where .ci/run installs them and their absence fails the test.
/// </summary>
public class ReleaseFactAttribute : FactAttribute
{
    /// <summary>Debian's interpreter, which has the packaging tools (another python3 on PATH may not).</summary>
    public const string DebianPython = "/usr/bin/python3";

    private static readonly Lazy<string?> Missing = new(FindMissing);

    public ReleaseFactAttribute()
    {
        if (Missing.Value is not null && Environment.GetEnvironmentVariable("CI") != "true")
            Skip = Missing.Value;
    }

    private static string? FindMissing()
    {
        if (!File.Exists(DebianPython))
            return $"{DebianPython} is missing; tools/install-packaging.sh installs Debian's Python packaging tools";
        var probe = ProcessRunner.Run(DebianPython, ["-c", "import build, setuptools, wheel, venv, ensurepip"], TimeSpan.FromMinutes(1));
        return probe.ExitCode == 0 ? null
            : "Debian's python3-build, python3-setuptools, python3-wheel or python3-venv is not installed " +
              $"(tools/install-packaging.sh installs them): {probe.StandardError.Trim().Split('\n')[^1]}";
    }
}

/// <summary>A release fact that also needs the Go toolchain.</summary>
public sealed class ReleaseGoFactAttribute : ReleaseFactAttribute
{
    public ReleaseGoFactAttribute()
    {
        if (Skip is null && ProcessRunner.Which("go") is null)
            Skip = "the Go toolchain (go) is not on PATH; apt-get install golang-go to import the released Go module";
    }
}

/// <summary>
/// A fact that needs a container builder that can build and run images: podman, or docker with a running daemon.
/// Skipped elsewhere (no engine runs on the development machines and CI: the Containerfile is built where one does).
/// </summary>
public sealed class ContainerFactAttribute : FactAttribute
{
    /// <summary>The builder found (podman or docker), or null.</summary>
    public static string? Builder { get; } = FindBuilder();

    public ContainerFactAttribute()
    {
        if (Builder is null)
            Skip = "no container builder here (podman, or docker with a running daemon): the Containerfile is built only where one is";
    }

    private static string? FindBuilder()
    {
        if (ProcessRunner.Which("podman") is not null)
            return "podman";
        if (ProcessRunner.Which("docker") is null)
            return null;
        var info = ProcessRunner.Run("docker", ["info", "--format", "{{.ServerVersion}}"], TimeSpan.FromMinutes(1));
        return info.ExitCode == 0 && info.StandardOutput.Trim().Length > 0 ? "docker" : null;
    }
}
