using System.Text;
using DevAddr.Cli;

namespace DevAddr.Whatif.Tests;

/// <summary>A temporary directory for policy, output and plot files, the repository's fixtures, and the real root command.</summary>
internal sealed class WhatifTestFiles : IDisposable
{
    public WhatifTestFiles()
    {
        Root = Path.Combine(Path.GetTempPath(), "devaddr-whatif-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string PathOf(string name) => Path.Combine(Root, name);

    /// <summary>Writes a file into the temporary directory and returns its path.</summary>
    public string Write(string name, string text)
    {
        string path = PathOf(name);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    /// <summary>A policy file with the optimize policy and a required hotplug reserve.</summary>
    public string ReservePolicy(string name, int reserve) =>
        Write(name, """{"name": "optimize", "tunables": {"hotplugReserve": {"value": """
            + reserve.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}}}");

    /// <summary>A file of the repository (e.g. <c>fixtures/scenarios/x.json</c>).</summary>
    public static string Repo(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DevAddr.Solver.sln")))
                return Path.Combine(dir.FullName, relative);
        throw new InvalidOperationException("repository root (DevAddr.Solver.sln) not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Runs <c>devaddr ARGS</c> in process; returns the exit code and what went to stdout and stderr.</summary>
    public static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = DevAddrCli.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
