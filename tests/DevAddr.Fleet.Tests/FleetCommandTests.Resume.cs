using System.Text;

namespace DevAddr.Fleet.Tests;

public sealed partial class FleetCommandTests
{
    [Fact]
    public void Fleet_ResumeAfterPartialLine_CutsItAndEndsWithTheSameFile()
    {
        string input = _files.Fleet("in.jsonl", guests: 120, unique: 0.25);
        string reference = _files.PathOf("ref.jsonl");
        Assert.Equal(0, FleetTestFiles.Run("fleet", input, "-o", reference).Exit);
        byte[] full = File.ReadAllBytes(reference);
        // An interrupted run: 50 whole lines and half of the 51st.
        int cut = NthNewline(full, 50) + 1;
        int half = cut + (NthNewline(full, 51) - cut) / 2;
        string output = _files.PathOf("out.jsonl");
        File.WriteAllBytes(output, full[..half]);

        var (exit, _, err) = FleetTestFiles.Run("fleet", input, "-o", output);

        Assert.True(exit == 0, err);
        Assert.Contains("cut off a partial last line", err);
        Assert.Contains("skipped: 50 already in output", err);
        Assert.Contains("fleet: 70 result line(s)", err);
        Assert.Equal(full, File.ReadAllBytes(output));
    }

    [Fact]
    public void Fleet_RerunOnCompleteOutput_WritesNothing()
    {
        string input = _files.Fleet("in.jsonl", guests: 40, unique: 0.5);
        string output = _files.PathOf("out.jsonl");
        Assert.Equal(0, FleetTestFiles.Run("fleet", input, "-o", output).Exit);
        byte[] before = File.ReadAllBytes(output);

        var (exit, _, err) = FleetTestFiles.Run("fleet", input, "-o", output);

        Assert.True(exit == 0, err);
        Assert.Contains("fleet: 0 result line(s)", err);
        Assert.Contains("skipped: 40 already in output", err);
        Assert.Equal(before, File.ReadAllBytes(output));
    }

    [Fact]
    public void Fleet_ResumeWithLinesAddedToInput_PlansOnlyTheNewGuests()
    {
        var lines = FleetGen.FleetGenerator.Lines(3, 30, 0.5).ToList();
        string output = _files.PathOf("out.jsonl");
        Assert.Equal(0, FleetTestFiles.Run("fleet", _files.WriteLines("a.jsonl", lines[..20]), "-o", output).Exit);

        var (exit, _, err) = FleetTestFiles.Run("fleet", _files.WriteLines("b.jsonl", lines), "-o", output);

        Assert.True(exit == 0, err);
        Assert.Contains("fleet: 10 result line(s)", err);
        Assert.Equal(FleetTestFiles.Ids(_files.PathOf("b.jsonl")), FleetTestFiles.Ids(output));
    }

    [Fact]
    public void Fleet_OutputWithACorruptCompleteLine_RefusesToAppend()
    {
        string input = _files.Fleet("in.jsonl", guests: 5, unique: 1);
        string output = _files.PathOf("out.jsonl");
        File.WriteAllText(output, "{\"id\":\"x\",\"plan\":{}}\nthis is not a result\n", new UTF8Encoding(false));

        var (exit, _, err) = FleetTestFiles.Run("fleet", input, "-o", output);

        Assert.Equal(2, exit);
        Assert.Contains("out.jsonl:2: not a fleet result line", err);
        Assert.Equal("{\"id\":\"x\",\"plan\":{}}\nthis is not a result\n", File.ReadAllText(output));
    }

    private static int NthNewline(byte[] bytes, int n)
    {
        int seen = 0;
        for (int i = 0; i < bytes.Length; i++)
            if (bytes[i] == (byte)'\n' && ++seen == n) return i;
        throw new ArgumentOutOfRangeException(nameof(n));
    }
}
