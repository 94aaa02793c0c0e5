using System.Runtime.InteropServices;

namespace DevAddr.Libvirt;

/// <summary>
/// Creates a file whole on Linux: its bytes go to an unnamed file in the target's directory (<c>O_TMPFILE</c>), which is
/// then given its name (<c>linkat</c>). Nobody sees a partial file, and the directory is locked only to add the name: a
/// temporary name and a rename lock it twice, and the file system allocates the inode under the first of those locks,
/// so workers writing into one directory queue there (measured: a quarter of <c>libvirt expand</c>'s time on two cores,
/// spinning on the directory's lock).
/// </summary>
internal static partial class UnnamedFile
{
    private const int OWronly = 0x1, OCloexec = 0x80000, AtFdcwd = -100, AtSymlinkFollow = 0x400;
    private const int Eexist = 17;

    /// <summary>1 once the system has refused an unnamed file or its link (every later file takes the caller's way).</summary>
    private static int s_unsupported;

    /// <summary>
    /// Creates <paramref name="path"/> (which should not exist) holding <paramref name="bytes"/>; false, with nothing
    /// created, where this system cannot or the name is taken (the caller then writes it its own way).
    /// </summary>
    public static bool TryCreate(string path, ReadOnlySpan<byte> bytes)
    {
        // O_TMPFILE is __O_TMPFILE | O_DIRECTORY, whose values differ between x86 and the generic Linux ABI (arm64).
        int tmpfile = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 0x410000,
            Architecture.Arm64 => 0x404000,
            _ => 0,
        };
        if (tmpfile == 0 || !OperatingSystem.IsLinux() || Volatile.Read(ref s_unsupported) != 0) return false;
        string directory = Path.GetDirectoryName(path) is { Length: > 0 } d ? d : ".";
        int fd = FileBytes.Open(directory, tmpfile | OWronly | OCloexec, 0x1B6);  // 0666 less the umask, as File.OpenHandle creates
        if (fd < 0)
        {
            Volatile.Write(ref s_unsupported, 1);
            return false;
        }
        try
        {
            // A write that fails (a full disk) leaves nothing behind: the caller's own way then gives the error.
            if (!FileBytes.WriteAll(fd, bytes)) return false;
            if (LinkAt(AtFdcwd, "/proc/self/fd/" + fd.ToString(System.Globalization.CultureInfo.InvariantCulture), AtFdcwd, path, AtSymlinkFollow) == 0)
                return true;
            if (Marshal.GetLastPInvokeError() != Eexist) Volatile.Write(ref s_unsupported, 1);
            return false;
        }
        finally
        {
            FileBytes.Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "linkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LinkAt(int oldDirectory, string oldPath, int newDirectory, string newPath, int flags);
}
