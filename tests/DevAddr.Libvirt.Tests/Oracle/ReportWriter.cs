using Xunit.Abstractions;

namespace DevAddr.Libvirt.Tests.Oracle;

/// <summary>Publishes a comparison where a person reads it: the test's output and the console.</summary>
internal static class ReportWriter
{
    /// <summary>
    /// Writes <paramref name="title"/>, every failed case with its problems, and the closing
    /// <c>N passed, M failed</c> line to the test output and to stdout (shown by
    /// <c>dotnet test --logger "console;verbosity=normal"</c>).
    /// </summary>
    public static void Publish(ITestOutputHelper output, string title, ComparisonReport report)
    {
        string text = title + "\n" + report.Format(failuresOnly: true);
        output.WriteLine(text.TrimEnd('\n'));
        Console.Write(text);
    }

    /// <summary>Writes one line to the test output and to stdout.</summary>
    public static void Note(ITestOutputHelper output, string line)
    {
        output.WriteLine(line);
        Console.WriteLine(line);
    }
}
