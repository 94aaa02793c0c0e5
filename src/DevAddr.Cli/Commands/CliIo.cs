using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;

namespace DevAddr.Cli.Commands;

/// <summary>Input and output helpers shared by the commands: reading files or stdin, atomic writes, error reporting.</summary>
internal static class CliIo
{
    /// <summary>
    /// The metadata of <typeparamref name="T"/> under <paramref name="options"/> (<see cref="PlanJson.Options"/> or a
    /// copy of them): JSON is written through Core's compile-time metadata, never through reflection.
    /// </summary>
    public static JsonTypeInfo<T> TypeInfo<T>(JsonSerializerOptions options) => (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));

    /// <summary>Whether a <c>--jobs</c> value is usable (0: one per processor, or more); reports it when not.</summary>
    public static bool JobsOk(int jobs, TextWriter error)
    {
        if (jobs >= 0) return true;
        error.WriteLine($"devaddr: --jobs must be 0 (one per processor) or more, got {jobs}");
        return false;
    }

    /// <summary>Reads a file ("-" for standard input) as UTF-8; returns null and reports when it cannot.</summary>
    public static string? ReadInput(string path, TextWriter error, TextReader? stdin = null)
    {
        try
        {
            if (path == "-") return (stdin ?? Console.In).ReadToEnd();
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                error.WriteLine($"devaddr: input file '{path}' does not exist");
                return null;
            }
            if (info.Length > PlanJson.MaxInputChars * 4L)
            {
                error.WriteLine($"devaddr: input file '{path}' is {info.Length} bytes; at most {PlanJson.MaxInputChars} characters are accepted");
                return null;
            }
            return File.ReadAllText(path, new UTF8Encoding(false, true));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            error.WriteLine($"devaddr: cannot read '{path}': {ex.Message}");
            return null;
        }
    }

    /// <summary>True when the path names a YAML file (by extension); null when the content decides.</summary>
    public static bool? IsYamlPath(string path) =>
        path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) ? true
        : path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? false
        : null;

    /// <summary>Writes text to a file atomically (temporary file + rename), or to <paramref name="output"/> when path is null or "-".</summary>
    public static bool WriteOutput(string? path, string text, TextWriter output, TextWriter error)
    {
        if (path is null or "-")
        {
            output.Write(text);
            return true;
        }
        string full = Path.GetFullPath(path);
        string tmp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            File.WriteAllText(tmp, text, new UTF8Encoding(false));
            File.Move(tmp, full, overwrite: true);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            error.WriteLine($"devaddr: cannot write '{path}': {ex.Message}");
            return false;
        }
    }

    /// <summary>Reads a request's host topology file, relative to the request file's directory (the current one for standard input).</summary>
    public static (PlanRequest? Request, PlanError? Error) ResolveHostTopology(PlanRequest request, string requestPath) =>
        Core.Host.HostTopologies.ResolveFile(request,
            requestPath == "-" ? Environment.CurrentDirectory : Path.GetDirectoryName(Path.GetFullPath(requestPath)) ?? Environment.CurrentDirectory);

    /// <summary>Reports a planning error on stderr (text or JSON) and returns its exit code.</summary>
    public static int ReportError(PlanError e, bool json, TextWriter error)
    {
        if (json)
            error.Write(PlanJson.Serialize(e));
        else
        {
            // A message that starts by naming its device is not prefixed with it again.
            bool named = e.DeviceId is null || e.Message.StartsWith($"device '{e.DeviceId}'", StringComparison.Ordinal);
            error.WriteLine($"devaddr: error [{e.Code}{(e.Rule is null ? "" : "/" + e.Rule)}]{(named ? "" : $" device '{e.DeviceId}'")}: {e.Message}");
        }
        return ExitCodeOf(e);
    }

    /// <summary>The exit code of an error code.</summary>
    public static int ExitCodeOf(PlanError e) => e.Code switch
    {
        ErrorCodes.NoSpace or ErrorCodes.Infeasible => ExitCodes.Infeasible,
        ErrorCodes.SolverLimit => ExitCodes.SolverLimit,
        _ => ExitCodes.InvalidInput,
    };
}
