using System.Runtime.InteropServices;

namespace DevAddr.Libvirt;

/// <summary>
/// Reads a small file whole with the C library on Linux: open, read to the end, close. That is a system call or two
/// fewer a file than a file handle (which checks the file's kind and asks its length), and no handle object to
/// finalize; <c>libvirt expand</c> pays them per guest. Anything unusual (another system, a file it cannot open or read,
/// one larger than an array holds) is left to the caller, whose own way then gives the usual error.
/// </summary>
internal static partial class FileBytes
{
    private const int ORdonly = 0, OCloexec = 0x80000, Eintr = 4;

    /// <summary>
    /// Reads <paramref name="path"/> whole into <paramref name="buffer"/>, doubling it while full: the byte count, or -1
    /// where the caller should read the file its own way.
    /// </summary>
    public static unsafe int TryRead(string path, ref byte[] buffer)
    {
        if (!OperatingSystem.IsLinux()) return -1;
        int fd = Open(path, ORdonly | OCloexec);
        if (fd < 0) return -1;
        try
        {
            int n = 0;
            while (true)
            {
                if (n == buffer.Length)
                {
                    if (n >= Array.MaxLength) return -1;
                    Array.Resize(ref buffer, (int)Math.Clamp(2L * n, 4096, Array.MaxLength));
                }
                nint r;
                fixed (byte* p = &buffer[n])
                    r = Read(fd, p, buffer.Length - n);
                if (r == 0) return n;
                if (r < 0)
                {
                    if (Marshal.GetLastPInvokeError() == Eintr) continue;
                    return -1;
                }
                n += (int)r;
            }
        }
        finally
        {
            Close(fd);
        }
    }

    /// <summary>The C library's open (also <see cref="UnnamedFile"/>'s, with its flags and mode).</summary>
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags, int mode = 0);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close")]
    internal static partial int Close(int fd);

    /// <summary>Writes every byte to <paramref name="fd"/> (retrying after a signal): false on an error.</summary>
    internal static unsafe bool WriteAll(int fd, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes)
        {
            int n = 0;
            while (n < bytes.Length)
            {
                nint r = Write(fd, p + n, bytes.Length - n);
                if (r < 0)
                {
                    if (Marshal.GetLastPInvokeError() == Eintr) continue;
                    return false;
                }
                n += (int)r;
            }
        }
        return true;
    }
}
