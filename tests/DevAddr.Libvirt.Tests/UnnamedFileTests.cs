using DevAddr.Libvirt.Tests.Oracle;

namespace DevAddr.Libvirt.Tests;

/// <summary>Files created whole under their name (an unnamed file given its name on Linux).</summary>
public sealed class UnnamedFileTests
{
    [Fact]
    public void TryCreate_NewName_HoldsTheBytesAndNothingElseIsLeft()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "a.xml");
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes("<domain/>\n");

        bool created = UnnamedFile.TryCreate(path, bytes);

        Assert.Equal(OperatingSystem.IsLinux(), created);
        if (!created || !OperatingSystem.IsLinux()) return;
        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Equal(["a.xml"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
        // The permissions File.Create gives (0666 less the umask).
        string other = Path.Combine(dir.Path, "b.xml");
        File.WriteAllBytes(other, bytes);
        Assert.Equal(File.GetUnixFileMode(other), File.GetUnixFileMode(path));
    }

    [Fact]
    public void TryCreate_TakenName_LeavesTheFileAsItWas()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "a.xml");
        File.WriteAllText(path, "earlier");

        Assert.False(UnnamedFile.TryCreate(path, "later"u8));
        Assert.Equal("earlier", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }
}
