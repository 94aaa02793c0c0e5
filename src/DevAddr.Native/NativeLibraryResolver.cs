using System.Reflection;
using System.Runtime.InteropServices;

namespace DevAddr.Native;

/// <summary>
/// Resolves the native libraries that managed code in libdevaddr.so P/Invokes (such as OR-Tools' native solver) in the
/// directory that holds libdevaddr.so itself. Without it a NativeAOT library looks next to the host executable
/// (python3, a Go program) and in the current directory, so it would work only when started from its own folder.
/// Unresolved names fall back to the default search (LD_LIBRARY_PATH, the system directories).
/// </summary>
internal static unsafe partial class NativeLibraryResolver
{
    /// <summary>The directory of libdevaddr.so, or null when it cannot be found (then nothing is resolved here).</summary>
    public static string? LibraryDirectory { get; } = FindLibraryDirectory();

    /// <summary>Registers the resolver for every assembly compiled into the library but the framework's own.</summary>
    public static void Install()
    {
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
            Register(assembly);
    }

    /// <summary>Registers the resolver for one assembly; does nothing for the framework or when one is already set.</summary>
    public static void Register(Assembly assembly)
    {
        string name = assembly.GetName().Name ?? "";
        if (name.StartsWith("System.", StringComparison.Ordinal) || name.StartsWith("Microsoft.", StringComparison.Ordinal) ||
            name is "System" or "mscorlib" or "netstandard")
            return;
        try
        {
            NativeLibrary.SetDllImportResolver(assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // The assembly resolves its own libraries.
        }
    }

    /// <summary>The file names tried, in order, for a P/Invoke library name (as the runtime varies them).</summary>
    public static IEnumerable<string> Candidates(string libraryName)
    {
        bool hasSuffix = libraryName.EndsWith(".so", StringComparison.Ordinal) || libraryName.Contains(".so.", StringComparison.Ordinal);
        bool hasPrefix = libraryName.StartsWith("lib", StringComparison.Ordinal);
        if (!hasSuffix)
        {
            if (!hasPrefix) yield return "lib" + libraryName + ".so";
            yield return libraryName + ".so";
        }
        yield return libraryName;
        if (!hasPrefix && hasSuffix) yield return "lib" + libraryName;
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (LibraryDirectory is null || libraryName.Contains('/', StringComparison.Ordinal))
            return 0;
        foreach (string candidate in Candidates(libraryName))
        {
            string path = Path.Combine(LibraryDirectory, candidate);
            if (File.Exists(path) && NativeLibrary.TryLoad(path, out nint handle))
                return handle;
        }
        return 0;
    }

    private static string? FindLibraryDirectory()
    {
        try
        {
            // Any address inside libdevaddr.so names the file through dladdr: take an exported function's.
            nint self = (nint)(delegate* unmanaged<byte*>)&NativeApi.Version;
            DlInfo info;
            if (DlAddr(self, &info) == 0 || info.FileName == null)
                return null;
            string? file = Marshal.PtrToStringUTF8((nint)info.FileName);
            if (string.IsNullOrEmpty(file))
                return null;
            // A symbolic link to libdevaddr.so (e.g. inside a Python package) means the directory of the real file.
            var module = new FileInfo(Path.GetFullPath(file));
            return Path.GetDirectoryName(module.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? module.FullName);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct DlInfo
    {
        public byte* FileName;
        public void* FileBase;
        public byte* SymbolName;
        public void* SymbolAddress;
    }

    // glibc: dladdr lives in libdl.so.2 before 2.34 and in libc.so.6 from 2.34 on, where libdl.so.2 still exports it.
    [LibraryImport("libdl.so.2", EntryPoint = "dladdr")]
    private static partial int DlAddr(nint address, DlInfo* info);
}
