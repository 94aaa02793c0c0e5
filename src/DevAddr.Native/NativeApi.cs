using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DevAddr.Core;
using DevAddr.Core.Hotplug;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using DevAddr.Solver;

namespace DevAddr.Native;

/// <summary>
/// The C API of libdevaddr.so (documented in <c>bindings/c/devaddr.h</c>). Every function takes and returns UTF-8
/// JSON; none lets an exception escape (that would abort the host process): failures come back as
/// <c>{"error": {"code", "message", "deviceId"?, "rule"?}}</c>. All functions are thread-safe: the planner keeps no
/// mutable state, and the one-time set-up runs in a type initializer.
/// </summary>
internal static unsafe class NativeApi
{
    /// <summary>Error code for input that is not a readable C string (null, not UTF-8, too long).</summary>
    public const string InvalidInput = ErrorCodes.InvalidInput;

    /// <summary>Error code for a failure inside the library (a bug): the message names the exception.</summary>
    public const string InternalError = "internal-error";

    /// <summary><c>const char* devaddr_version(void)</c>: the library version; static, never freed.</summary>
    [UnmanagedCallersOnly(EntryPoint = "devaddr_version")]
    public static byte* Version()
    {
        try
        {
            return VersionText.Value;
        }
        catch (Exception)
        {
            return (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference("unknown\0"u8));
        }
    }

    /// <summary><c>char* devaddr_plan(const char* request_json)</c>: a plan, or an error object.</summary>
    [UnmanagedCallersOnly(EntryPoint = "devaddr_plan")]
    public static byte* Plan(byte* requestJson) => Run(requestJson, "request", PlanText);

    /// <summary><c>char* devaddr_validate(const char* plan_json)</c>: the list of violations (empty when valid), or an error object.</summary>
    [UnmanagedCallersOnly(EntryPoint = "devaddr_validate")]
    public static byte* Validate(byte* planJson) => Run(planJson, "plan", ValidateText);

    /// <summary>
    /// <c>char* devaddr_hotplug_check(const char* request_json)</c>: can devices be hot-plugged into a running guest?
    /// The report of <c>devaddr hotplug-check --format json</c>, or an error object; the request is a
    /// <see cref="HotplugRequest"/>.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "devaddr_hotplug_check")]
    public static byte* HotplugCheck(byte* requestJson) => Run(requestJson, "hotplug request", HotplugCheckText);

    /// <summary><c>void devaddr_free(char* text)</c>: frees a string returned by the library; NULL is ignored.</summary>
    [UnmanagedCallersOnly(EntryPoint = "devaddr_free")]
    public static void Free(byte* text) => NativeText.Free(text);

    /// <summary>Plans request text (JSON; YAML too, as <c>devaddr plan -</c> reads it): the CLI's exact output or an error object.</summary>
    internal static string PlanText(string text)
    {
        var (request, readError) = PlanJson.ReadRequest(text);
        if (readError is not null) return LibraryHost.Serialize(new ErrorEnvelope(readError));
        return OptimizingPlanner.Plan(request!) switch
        {
            PlanResult.Success s => PlanJson.Serialize(s.Plan),
            PlanResult.Failure f => LibraryHost.Serialize(new ErrorEnvelope(f.Error)),
            var other => Internal($"unexpected plan result {other.GetType().Name}"),
        };
    }

    /// <summary>Validates plan text: the output of <c>devaddr validate --json</c>, or an error object.</summary>
    internal static string ValidateText(string text)
    {
        var (plan, readError) = PlanJson.ReadPlan(text);
        return readError is not null
            ? LibraryHost.Serialize(new ErrorEnvelope(readError))
            : LibraryHost.Serialize(AddressPlanner.Validate(plan!));
    }

    /// <summary>Checks a hotplug request (JSON): the output of <c>devaddr hotplug-check --format json</c>, or an error object.</summary>
    internal static string HotplugCheckText(string text)
    {
        var (request, readError) = HotplugRequest.Read(text);
        if (readError is not null) return LibraryHost.Serialize(new ErrorEnvelope(readError));
        return AddressPlanner.HotplugCheck(request!.Layout, request.Devices, request.Options) switch
        {
            HotplugCheckResult.Checked c => HotplugJson.Serialize(c.Report),
            HotplugCheckResult.Failure f => LibraryHost.Serialize(new ErrorEnvelope(f.Error)),
            var other => Internal($"unexpected hotplug check result {other.GetType().Name}"),
        };
    }

    private static byte* Run(byte* input, string what, Func<string, string> work)
    {
        string result;
        try
        {
            LibraryHost.EnsureReady();
            string? text = NativeText.Read(input, what, out string? problem);
            result = text is null
                ? LibraryHost.Serialize(new ErrorEnvelope(new PlanError { Code = InvalidInput, Message = problem!, Rule = "c-string" }))
                : OnOwnStack(work, text);
        }
        catch (Exception ex)
        {
            result = Internal(Describe(ex));
        }
        try
        {
            return NativeText.Allocate(result);
        }
        catch (Exception)
        {
            return null;
        }
    }

    /// <summary>Stack size of the thread each call runs on (reserved address space; pages are committed as used).</summary>
    internal const int WorkerStackBytes = 64 << 20;

    /// <summary>
    /// Runs <paramref name="work"/> on a new thread with a <see cref="WorkerStackBytes"/> stack and waits for it. The
    /// caller's thread may have a small stack (JVM, Go and musl threads often have 1 MiB or less) and a stack overflow
    /// ends the process, so the planner, the serializer and YamlDotNet never run on it.
    /// </summary>
    private static string OnOwnStack(Func<string, string> work, string text)
    {
        string? result = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = work(text);
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        }, WorkerStackBytes)
        {
            IsBackground = true,
            Name = "devaddr",
        };
        thread.Start();
        thread.Join();
        return failure is null ? result! : Internal(Describe(failure));
    }

    /// <summary>The exception and its inner exceptions, type and message each (no stack trace).</summary>
    private static string Describe(Exception ex)
    {
        var parts = new List<string>();
        for (Exception? e = ex; e is not null && parts.Count < 8; e = e.InnerException)
            parts.Add($"{e.GetType().FullName}: {e.Message}");
        return string.Join(" ---> ", parts);
    }

    /// <summary>An internal-error object, built without the serializer (which may be what failed).</summary>
    private static string Internal(string message)
    {
        var escaped = System.Text.Json.JsonEncodedText.Encode(message);
        return $"{{\n  \"error\": {{\n    \"code\": \"{InternalError}\",\n    \"message\": \"{escaped}\"\n  }}\n}}\n";
    }

    /// <summary>The version string (the project's Version, without a source revision), allocated once and kept.</summary>
    private static class VersionText
    {
        public static readonly byte* Value = Create();

        private static byte* Create()
        {
            string version = typeof(NativeApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            int plus = version.IndexOf('+', StringComparison.Ordinal);
            return NativeText.Allocate(plus < 0 ? version : version[..plus]);
        }
    }
}
