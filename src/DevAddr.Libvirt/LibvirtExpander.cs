using System.Text;
using DevAddr.Core;
using DevAddr.Core.Model;

namespace DevAddr.Libvirt;

/// <summary>Expands libvirt domain XML files the way libvirt's define + dumpxml does.</summary>
public static class LibvirtExpander
{
    /// <summary>Expands one domain XML text with the newest libvirt release's rules: the expanded XML, or an error message.</summary>
    public static (string? Xml, string? Error) Expand(string xmlText) => Expand(xmlText, null, null);

    /// <summary>Expands one domain XML text with the newest libvirt release's rules, planned by <paramref name="planner"/>.</summary>
    public static (string? Xml, string? Error) Expand(string xmlText, Func<PlanRequest, PlanResult> planner) => Expand(xmlText, null, planner);

    /// <summary>
    /// Expands one domain XML text under <paramref name="policy"/> (null: the libvirt policy of the newest release),
    /// planned by <paramref name="planner"/> (null: <see cref="AddressPlanner.Plan(PlanRequest, Core.Catalog.DeviceCatalog?)"/>,
    /// which knows only the libvirt policy; pass the optimizing planner for the optimize policy).
    /// </summary>
    public static (string? Xml, string? Error) Expand(string xmlText, PolicySpec? policy, Func<PlanRequest, PlanResult>? planner)
    {
        var (xml, error) = ExpandToBuilder(xmlText, policy, planner);
        if (xml is null) return (null, error);
        try
        {
            return (xml.ToString(), null);
        }
        finally
        {
            XmlText.Return(xml);
        }
    }

    /// <summary>Like <see cref="Expand(string, PolicySpec?, Func{PlanRequest, PlanResult}?)"/>, the XML in the thread's builder (see <see cref="XmlText.Build"/>).</summary>
    private static (StringBuilder? Xml, string? Error) ExpandToBuilder(string xmlText, PolicySpec? policy, Func<PlanRequest, PlanResult>? planner)
    {
        policy ??= new PolicySpec();
        planner ??= r => AddressPlanner.Plan(r);
        DomainXml domain;
        try
        {
            domain = DomainXml.Parse(xmlText);
        }
        catch (DomainXmlException ex)
        {
            return (null, ex.Message);
        }
        var (rules, versionError) = PolicyVersions.LibvirtOf(policy);
        if (rules is null) return (null, versionError!.Message);
        try
        {
            DomainXmlChecks.CheckDomain(domain.Document.Root!, rules);
        }
        catch (DomainXmlException ex)
        {
            return (null, ex.Message);
        }
        return planner(domain.Request with { Policy = policy }) switch
        {
            PlanResult.Success s => (DomainXmlWriter.Build(domain, s.Plan), null),
            PlanResult.Failure f => (null, f.Error.Message),
            _ => throw new InvalidOperationException("unexpected plan result"),
        };
    }

    /// <summary>
    /// For every <c>inDir/*.xml</c> writes <c>outDir/NAME.xml</c> (the expanded domain XML) or
    /// <c>outDir/NAME.error</c> (the error message, also for an input that cannot be read). Returns the number of cases
    /// processed; an output that cannot be written throws its <see cref="IOException"/>.
    /// Each output file is written unnamed and then named (Linux), or to a temporary name and renamed, so no partial
    /// file is left.
    /// </summary>
    public static int ExpandDirectory(string inDir, string outDir) => ExpandDirectory(inDir, outDir, null, null);

    /// <summary>Like <see cref="ExpandDirectory(string, string)"/>, planned by <paramref name="planner"/>.</summary>
    public static int ExpandDirectory(string inDir, string outDir, Func<PlanRequest, PlanResult> planner) => ExpandDirectory(inDir, outDir, null, planner);

    /// <summary>Like <see cref="ExpandDirectory(string, string)"/>, under <paramref name="policy"/> and with <paramref name="planner"/> (see <see cref="Expand(string, PolicySpec?, Func{PlanRequest, PlanResult}?)"/>).</summary>
    public static int ExpandDirectory(string inDir, string outDir, PolicySpec? policy, Func<PlanRequest, PlanResult>? planner) =>
        ExpandDirectory(inDir, outDir, policy, planner, jobs: 1);

    /// <summary>
    /// Like <see cref="ExpandDirectory(string, string, PolicySpec?, Func{PlanRequest, PlanResult}?)"/>, expanding up to
    /// <paramref name="jobs"/> domains at once (0: one per processor). Every domain is planned on its own, so the
    /// files written are the same for any number of jobs; <paramref name="planner"/> must allow concurrent calls.
    /// </summary>
    public static int ExpandDirectory(string inDir, string outDir, PolicySpec? policy, Func<PlanRequest, PlanResult>? planner, int jobs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(jobs);
        Directory.CreateDirectory(outDir);
        var files = Directory.GetFiles(inDir, "*.xml");
        Array.Sort(files, StringComparer.Ordinal);
        int workers = Math.Min(jobs == 0 ? Environment.ProcessorCount : jobs, files.Length);
        // Results of an earlier run, listed once: only those are deleted (a file per guest and system call saved).
        var existing = Directory.EnumerateFiles(outDir).Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        if (workers <= 1)
        {
            foreach (var file in files) ExpandFile(file, outDir, policy, planner, existing);
        }
        else
        {
            // Workers take the next file in name order (no static partition: guests differ in size by 100x).
            int next = -1;
            var threads = new Thread[workers];
            Exception? failure = null;
            for (int w = 0; w < workers; w++)
            {
                threads[w] = new Thread(() =>
                {
                    try
                    {
                        for (int i; (i = Interlocked.Increment(ref next)) < files.Length && Volatile.Read(ref failure) is null;)
                            ExpandFile(files[i], outDir, policy, planner, existing);
                    }
                    catch (Exception ex)
                    {
                        Interlocked.CompareExchange(ref failure, ex, null);
                    }
                }, maxStackSize: 16 << 20) { IsBackground = true, Name = $"expand-{w}" };
                threads[w].Start();
            }
            foreach (var t in threads) t.Join();
            if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
        return files.Length;
    }

    private static void ExpandFile(string file, string outDir, PolicySpec? policy, Func<PlanRequest, PlanResult>? planner, HashSet<string?> existing)
    {
        string name = Path.GetFileNameWithoutExtension(file);
        string text;
        try
        {
            text = ReadText(file);
        }
        catch (DecoderFallbackException ex)
        {
            WriteResult(outDir, name, null, $"XML error: input is not valid UTF-8: {ex.Message}", existing);
            return;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // An input that cannot be read (a dangling link, no permission) is that guest's error; the others go on.
            WriteResult(outDir, name, null, $"cannot read input '{Path.GetFileName(file)}': {ex.Message}", existing);
            return;
        }
        var (xml, error) = ExpandToBuilder(text, policy, planner);
        try
        {
            WriteResult(outDir, name, xml, error, existing);
        }
        finally
        {
            if (xml is not null) XmlText.Return(xml);
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);
    private static readonly UTF8Encoding Utf8 = new(false);

    /// <summary>A worker's buffer for the bytes of the file it reads or writes (kept only up to <see cref="KeptBuffer"/>).</summary>
    [ThreadStatic] private static byte[]? t_buffer;

    private const int KeptBuffer = 1 << 20;

    private static byte[] Buffer(long size)
    {
        if (t_buffer is { } b && b.Length >= size) return b;
        var buffer = new byte[Math.Max(size, 64 << 10)];
        if (buffer.Length <= KeptBuffer) t_buffer = buffer;
        return buffer;
    }

    /// <summary>
    /// A file's text as strict UTF-8, read into the worker's buffer by <see cref="FileBytes"/> on Linux, else through a
    /// file handle (a UTF-8 byte order mark is skipped, as
    /// <see cref="File.ReadAllText(string, Encoding)"/> does; a file starting with a UTF-16 or UTF-32 byte order mark is read
    /// by it).
    /// </summary>
    private static string ReadText(string file)
    {
        var buffer = Buffer(0);
        int n = FileBytes.TryRead(file, ref buffer);
        if (n >= 0)
        {
            // A larger file's buffer is not kept, and the file is not read a second time.
            if (buffer.Length <= KeptBuffer) t_buffer = buffer;
            return Decode(file, buffer.AsSpan(0, n));
        }
        n = 0;
        using (var handle = File.OpenHandle(file))
        {
            long length = RandomAccess.GetLength(handle);
            if (length > KeptBuffer) return File.ReadAllText(file, StrictUtf8);
            buffer = Buffer(length + 1);
            // Up to its length, or to the end of a file that reports none.
            for (int r; (length == 0 || n < length) && (r = RandomAccess.Read(handle, buffer.AsSpan(n), n)) > 0;)
            {
                n += r;
                if (n == buffer.Length)
                {
                    if (n >= KeptBuffer) return File.ReadAllText(file, StrictUtf8);
                    Array.Resize(ref buffer, 2 * n);
                    if (buffer.Length <= KeptBuffer) t_buffer = buffer;
                }
            }
        }
        return Decode(file, buffer.AsSpan(0, n));
    }

    /// <summary>The text of a file's bytes (see <see cref="ReadText"/>).</summary>
    private static string Decode(string file, ReadOnlySpan<byte> bytes)
    {
        if (bytes is [0xFE, 0xFF, ..] or [0xFF, 0xFE, ..] or [0, 0, 0xFE, 0xFF, ..]) return File.ReadAllText(file, StrictUtf8);
        if (bytes is [0xEF, 0xBB, 0xBF, ..]) bytes = bytes[3..];
        return StrictUtf8.GetString(bytes);
    }

    /// <summary>A worker's UTF-8 encoder, for text held in a builder's chunks (a character pair may straddle two).</summary>
    [ThreadStatic] private static Encoder? t_encoder;

    /// <summary>The builder's text as UTF-8 into <paramref name="buffer"/> (at least its maximum byte count): the byte count.</summary>
    private static int Encode(StringBuilder text, byte[] buffer)
    {
        var encoder = t_encoder ??= Utf8.GetEncoder();
        encoder.Reset();
        int count = 0;
        foreach (var chunk in text.GetChunks())
            count += encoder.GetBytes(chunk.Span, buffer.AsSpan(count), flush: false);
        count += encoder.GetBytes([], buffer.AsSpan(count), flush: true);
        return count;
    }

    /// <summary>
    /// Writes NAME.xml or NAME.error whole (see <see cref="UnnamedFile"/>, or a temporary file renamed over it) and removes the other one if an earlier
    /// run left it.
    /// </summary>
    private static void WriteResult(string outDir, string name, StringBuilder? xml, string? error, HashSet<string?> existing)
    {
        string file = name + (xml is not null ? ".xml" : ".error");
        string other = name + (xml is not null ? ".error" : ".xml");
        if (existing.Contains(other)) File.Delete(Path.Combine(outDir, other));
        string target = Path.Combine(outDir, file);
        string tmp = target + ".tmp";
        int count;
        byte[] buffer;
        if (xml is not null)
        {
            buffer = Buffer(Utf8.GetMaxByteCount(xml.Length));
            count = Encode(xml, buffer);
        }
        else
        {
            string text = error!.TrimEnd() + "\n";
            buffer = Buffer(Utf8.GetMaxByteCount(text.Length));
            count = Utf8.GetBytes(text, buffer);
        }
        // A new file is created whole under its name; one from an earlier run is replaced through a temporary name.
        if (!existing.Contains(file) && UnnamedFile.TryCreate(target, buffer.AsSpan(0, count))) return;
        using (var handle = File.OpenHandle(tmp, FileMode.Create, FileAccess.Write))
            RandomAccess.Write(handle, buffer.AsSpan(0, count), 0);
        File.Move(tmp, target, overwrite: true);
    }
}
