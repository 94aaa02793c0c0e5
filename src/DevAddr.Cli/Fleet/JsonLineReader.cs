namespace DevAddr.Cli.Fleet;

/// <summary>
/// Reads a stream as lines of UTF-8 bytes (split at <c>\n</c>, a trailing <c>\r</c> dropped), without ever holding
/// more than one line. Lines longer than the limit are skipped whole and reported, so a malformed input cannot
/// make memory grow. Tracks the byte offset of each line's end for progress and resume.
/// </summary>
internal sealed class JsonLineReader
{
    private readonly Stream _stream;
    private readonly int _maxLineBytes;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private bool _eof;

    public JsonLineReader(Stream stream, int maxLineBytes)
    {
        _stream = stream;
        _maxLineBytes = maxLineBytes;
        _buffer = new byte[Math.Min(64 * 1024, maxLineBytes + 1)];
    }

    /// <summary>1-based number of the line last returned.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Bytes consumed so far (the end offset of the line last returned, newline included).</summary>
    public long Offset { get; private set; }

    /// <summary>True when the line last returned had no terminating newline (the stream ended inside it).</summary>
    public bool LastLineUnterminated { get; private set; }

    /// <summary>Reads the next line: false at the end of the stream. <paramref name="line"/> is null when the line exceeded the limit.</summary>
    public bool TryReadLine(out byte[]? line)
    {
        bool skipping = false;
        int scanFrom = _start;
        while (true)
        {
            int nl = Array.IndexOf(_buffer, (byte)'\n', scanFrom, _end - scanFrom);
            if (nl >= 0)
            {
                line = skipping ? null : Slice(_start, nl);
                Offset += nl + 1 - _start;
                _start = nl + 1;
                LineNumber++;
                LastLineUnterminated = false;
                return true;
            }
            if (_eof)
            {
                if (_end == _start && !skipping)
                {
                    line = null;
                    return false;
                }
                line = skipping ? null : Slice(_start, _end);
                Offset += _end - _start;
                _start = _end;
                LineNumber++;
                LastLineUnterminated = true;
                return true;
            }
            if (_end - _start > _maxLineBytes)
            {
                // Too long: drop what we have and keep reading until the newline.
                Offset += _end - _start;
                _start = _end = 0;
                skipping = true;
            }
            scanFrom = Fill();
        }
    }

    private byte[] Slice(int from, int to)
    {
        if (to > from && _buffer[to - 1] == (byte)'\r') to--;
        return _buffer.AsSpan(from, to - from).ToArray();
    }

    /// <summary>Reads more bytes; returns the index where scanning for a newline should resume.</summary>
    private int Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
            Array.Resize(ref _buffer, (int)Math.Min((long)_buffer.Length * 2, _maxLineBytes + 1L + 64 * 1024));
        int scanFrom = _end;
        int n = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (n == 0) _eof = true;
        _end += n;
        return scanFrom;
    }
}
