using System.Text;
using System.Text.Json;
using DevAddr.Cli;
using DevAddr.FleetGen;

namespace DevAddr.Fleet.Tests;

/// <summary>A temporary directory with fleet input/output files, and the real root command to run on them.</summary>
internal sealed class FleetTestFiles : IDisposable
{
    public FleetTestFiles()
    {
        Root = Path.Combine(Path.GetTempPath(), "devaddr-fleet-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string PathOf(string name) => Path.Combine(Root, name);

    /// <summary>Writes lines (each followed by \n) and returns the path.</summary>
    public string WriteLines(string name, IEnumerable<string> lines)
    {
        string path = PathOf(name);
        File.WriteAllText(path, string.Concat(lines.Select(l => l + "\n")), new UTF8Encoding(false));
        return path;
    }

    /// <summary>A generated fleet (deterministic).</summary>
    public string Fleet(string name, int guests, double unique, ulong seed = 7) =>
        WriteLines(name, FleetGenerator.Lines(seed, guests, unique));

    /// <summary>Runs <c>devaddr ARGS</c> in process; returns the exit code and what went to stdout and stderr.</summary>
    public static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = DevAddrCli.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The ids of a JSON Lines file, in order.</summary>
    public static List<string> Ids(string path) =>
        File.ReadAllLines(path).Where(l => l.Length > 0).Select(l =>
        {
            using var doc = JsonDocument.Parse(l);
            return doc.RootElement.GetProperty("id").GetString()!;
        }).ToList();

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
