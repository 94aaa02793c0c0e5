namespace DevAddr.Cli.Fleet;

/// <summary>
/// The output file of a fleet run, opened for appending. On open, every complete line's id is collected (those
/// guests are done and are skipped) and a partial last line — left by a run that was killed mid-write, or by a
/// full disk — is cut off. Each result line is then written with one unbuffered write, so the file only ever
/// grows by whole lines.
/// </summary>
internal sealed class FleetOutput : IDisposable
{
    private readonly FileStream _stream;

    private FleetOutput(FileStream stream, HashSet<UInt128> done, long cut)
    {
        _stream = stream;
        Done = done;
        TruncatedBytes = cut;
    }

    /// <summary>Hashes of the ids already in the file.</summary>
    public HashSet<UInt128> Done { get; }

    /// <summary>Bytes of a partial last line that were cut off on open (0 when the file ended cleanly).</summary>
    public long TruncatedBytes { get; }

    /// <summary>Opens (or creates) the output; returns null and an error message when it holds something other than result lines.</summary>
    public static FleetOutput? Open(string path, int maxLineBytes, out string error)
    {
        error = "";
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        try
        {
            var done = new HashSet<UInt128>();
            long validEnd = 0;
            var reader = new JsonLineReader(stream, maxLineBytes);
            while (reader.TryReadLine(out var line))
            {
                if (reader.LastLineUnterminated) break;
                string? id = line is null ? null : FleetLine.ReadOutputId(line);
                if (id is null)
                {
                    error = $"{path}:{reader.LineNumber}: not a fleet result line; refusing to append to this file (move it away, or fix or delete the line)";
                    stream.Dispose();
                    return null;
                }
                done.Add(FleetIdHash.Of(id).Key);
                validEnd = reader.Offset;
            }
            long cut = stream.Length - validEnd;
            if (cut > 0) stream.SetLength(validEnd);
            stream.Seek(validEnd, SeekOrigin.Begin);
            return new FleetOutput(stream, done, cut);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Appends one whole line (newline included) with a single write; the stream is unbuffered, so it reaches the OS at once.</summary>
    public void WriteLine(byte[] line)
    {
        _stream.Write(line);
        _stream.Flush();
    }

    /// <summary>Flushes to the disk.</summary>
    public void Sync() => _stream.Flush(flushToDisk: true);

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();
}
