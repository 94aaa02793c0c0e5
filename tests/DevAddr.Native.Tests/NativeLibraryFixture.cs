using Xunit.Abstractions;

namespace DevAddr.Native.Tests;

/// <summary>
/// Builds libdevaddr.so once for the binding tests, with <c>bindings/build.sh</c> (NativeAOT publish into
/// <c>bindings/lib</c>). The publish is incremental: an unchanged build reuses the compiled native code.
/// </summary>
public sealed class NativeLibraryFixture
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(30);

    public NativeLibraryFixture()
    {
        Build = ProcessRunner.Run("bash", [Path.Combine(RepoPaths.Bindings, "build.sh")], BuildTimeout);
        Console.WriteLine($"[native] bindings/build.sh (NativeAOT publish of libdevaddr.so) took {Build.Elapsed.TotalSeconds:F0} s");
    }

    /// <summary>The run of build.sh.</summary>
    internal ProcessOutcome Build { get; }

    /// <summary>The library's path; fails the calling test with build.sh's output when the build failed.</summary>
    public string LibraryPath
    {
        get
        {
            string path = Path.Combine(RepoPaths.Library, "libdevaddr.so");
            Assert.True(Build.ExitCode == 0 && File.Exists(path), "bindings/build.sh failed:\n" + Build.Transcript);
            return path;
        }
    }

    /// <summary>Writes a line to the test output and to stdout (shown by the console logger).</summary>
    public static void Note(ITestOutputHelper output, string line)
    {
        output.WriteLine(line);
        Console.WriteLine(line);
    }
}

/// <summary>
/// The tests that need the built library or the native devaddr share one build of each; the collection's fixtures are
/// made one after the other, so the two NativeAOT publishes never run at once.
/// </summary>
[CollectionDefinition(Name)]
public sealed class NativeLibraryCollection : ICollectionFixture<NativeLibraryFixture>, ICollectionFixture<NativeCliFixture>
{
    public const string Name = "libdevaddr.so";
}

/// <summary>A fact that needs the Go toolchain: skipped where <c>go</c> is not on PATH.</summary>
public sealed class GoFactAttribute : FactAttribute
{
    public GoFactAttribute()
    {
        if (ProcessRunner.Which("go") is null)
            Skip = "the Go toolchain (go) is not on PATH; apt-get install golang-go to run the cgo example";
    }
}
