using System.Text;
using DevAddr.Cli.Fleet;

namespace DevAddr.Fleet.Tests;

public sealed class JsonLineReaderTests
{
    private static List<string?> ReadAll(string text, int max, out JsonLineReader reader)
    {
        reader = new JsonLineReader(new MemoryStream(Encoding.UTF8.GetBytes(text)), max);
        var lines = new List<string?>();
        while (reader.TryReadLine(out var line)) lines.Add(line is null ? null : Encoding.UTF8.GetString(line));
        return lines;
    }

    [Fact]
    public void TryReadLine_CrLfAndUnterminatedLastLine_SplitsAndTracksOffset()
    {
        var lines = ReadAll("a\r\nbb\n\nccc", 100, out var reader);

        Assert.Equal(["a", "bb", "", "ccc"], lines);
        Assert.True(reader.LastLineUnterminated);
        Assert.Equal(10, reader.Offset);
        Assert.Equal(4, reader.LineNumber);
    }

    [Fact]
    public void TryReadLine_LineOverTheLimit_ReturnsNullForItAndGoesOn()
    {
        string longLine = new('x', 300_000);

        var lines = ReadAll($"short\n{longLine}\nafter\n{longLine}", 1000, out var reader);

        Assert.Equal(["short", null, "after", null], lines);
        Assert.Equal(6 + 300_001 + 6 + 300_000, reader.Offset);
    }

    [Fact]
    public void TryReadLine_LinesLongerThanTheBuffer_AreReadWhole()
    {
        string a = new('a', 200_000), b = new('b', 70_000);

        var lines = ReadAll($"{a}\n{b}\n", 1 << 20, out var reader);

        Assert.Equal([a, b], lines);
        Assert.False(reader.LastLineUnterminated);
    }
}
