using System.Runtime.InteropServices;
using System.Text;

namespace DevAddr.Native;

/// <summary>UTF-8 C strings in and out. Returned strings are allocated with the C allocator and freed by <c>devaddr_free</c>.</summary>
internal static unsafe class NativeText
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Largest accepted input in bytes (a UTF-8 character takes at most 4).</summary>
    public const long MaxInputBytes = Core.Serialization.PlanJson.MaxInputChars * 4L;

    /// <summary>Reads a NUL-terminated UTF-8 string; returns null and the reason when it cannot.</summary>
    public static string? Read(byte* text, string what, out string? problem)
    {
        problem = null;
        if (text == null)
        {
            problem = $"the {what} is a null pointer";
            return null;
        }
        nuint length = 0;
        while (text[length] != 0)
        {
            if (++length > MaxInputBytes)
            {
                problem = $"the {what} is longer than {MaxInputBytes} bytes";
                return null;
            }
        }
        try
        {
            string value = s_strictUtf8.GetString(text, checked((int)length));
            // A byte order mark is not part of the document (File.ReadAllText drops it for the CLI too).
            return value.StartsWith('\uFEFF') ? value[1..] : value;
        }
        catch (DecoderFallbackException)
        {
            problem = $"the {what} is not valid UTF-8";
            return null;
        }
    }

    /// <summary>Copies a string to a new NUL-terminated UTF-8 buffer from the C allocator; null when out of memory.</summary>
    public static byte* Allocate(string value)
    {
        int count = Encoding.UTF8.GetByteCount(value);
        byte* buffer = (byte*)NativeMemory.Alloc((nuint)count + 1);
        if (buffer == null) return null;
        int written = Encoding.UTF8.GetBytes(value, new Span<byte>(buffer, count));
        buffer[written] = 0;
        return buffer;
    }

    /// <summary>Frees a buffer from <see cref="Allocate"/>; null is ignored.</summary>
    public static void Free(byte* buffer) => NativeMemory.Free(buffer);
}
