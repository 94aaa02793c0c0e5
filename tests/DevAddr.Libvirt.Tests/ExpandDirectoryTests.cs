using System.Text;
using DevAddr.Libvirt.Tests.Oracle;

namespace DevAddr.Libvirt.Tests;

/// <summary>The files <c>libvirt expand</c> writes hold exactly the text <see cref="LibvirtExpander.Expand(string)"/> returns.</summary>
public sealed class ExpandDirectoryTests
{
    private const string Domain = """
        <domain type='kvm'>
          <name>NAME</name>
          <description>TEXT</description>
          <memory unit='KiB'>1048576</memory>
          <os><type arch='x86_64' machine='q35'>hvm</type></os>
          <devices>
            <disk type='file' device='disk'><source file='/d.qcow2'/><target dev='vda' bus='virtio'/></disk>
            <interface type='network'><source network='default'/><model type='virtio'/></interface>
          </devices>
        </domain>
        """;

    /// <summary>
    /// Characters outside the Basic Multilingual Plane (a surrogate pair each) after every offset from 0 to 7, in text
    /// far longer than the writer's first buffer: the file's bytes are encoded from the writer's buffers piece by piece,
    /// and a pair split between two pieces is still one character.
    /// </summary>
    [Fact]
    public void Files_SurrogatePairsAcrossTheWritersBuffers_AreTheExpandedTextInUtf8()
    {
        using var dir = new TempDirectory();
        string input = dir.Sub("in"), output = dir.Sub("out");
        var expected = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int offset = 0; offset < 8; offset++)
        {
            string text = new string('x', offset) + string.Concat(Enumerable.Repeat("\U0001F600\u00e9a\U00010348", 20000));
            string xml = Domain.Replace("NAME", $"g{offset}", StringComparison.Ordinal).Replace("TEXT", text, StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(input, $"g{offset}.xml"), xml, new UTF8Encoding(false));
            var (expanded, error) = LibvirtExpander.Expand(xml);
            Assert.True(expanded is not null, error);
            Assert.Contains(text, expanded, StringComparison.Ordinal);
            expected[$"g{offset}.xml"] = expanded;
        }

        LibvirtExpander.ExpandDirectory(input, output, null, null, jobs: 2);

        foreach (var (name, text) in expected)
            Assert.Equal(new UTF8Encoding(false).GetBytes(text), File.ReadAllBytes(Path.Combine(output, name)));
    }

    /// <summary>
    /// Inputs on both sides of the size up to which a worker keeps its read buffer (1 MiB), with and without a UTF-8 byte
    /// order mark, in one run: each is read whole (a file larger than the buffer is neither cut short nor mixed with the
    /// previous file's bytes) and expands to what <see cref="LibvirtExpander.Expand(string)"/> gives for its text.
    /// </summary>
    [Fact]
    public void Files_SmallerAndLargerThanTheKeptBuffer_AreReadWhole()
    {
        using var dir = new TempDirectory();
        string input = dir.Sub("in"), output = dir.Sub("out");
        var expected = new Dictionary<string, string>(StringComparer.Ordinal);
        int[] sizes = [1000, (1 << 20) - 300, 1 << 20, (1 << 20) + 1, 5 << 19, 3 << 20];
        for (int i = 0; i < sizes.Length; i++)
        {
            foreach (bool bom in new[] { false, true })
            {
                string name = $"g{i}{(bom ? "b" : "")}";
                string shell = Domain.Replace("NAME", name, StringComparison.Ordinal);
                // The description fills the file to its size (ASCII: one byte a character), ending in a mark of its own.
                string tail = $"end-of-{name}";
                int fill = Math.Max(0, sizes[i] - Encoding.UTF8.GetByteCount(shell) + "TEXT".Length - tail.Length - (bom ? 3 : 0));
                string text = new string((char)('a' + i), fill) + tail;
                string xml = shell.Replace("TEXT", text, StringComparison.Ordinal);
                File.WriteAllText(Path.Combine(input, name + ".xml"), xml, new UTF8Encoding(bom));
                var (expanded, error) = LibvirtExpander.Expand(xml);
                Assert.True(expanded is not null, error);
                Assert.Contains(text, expanded, StringComparison.Ordinal);
                expected[name + ".xml"] = expanded;
            }
        }

        LibvirtExpander.ExpandDirectory(input, output, null, null, jobs: 1);

        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var (name, text) in expected)
            Assert.Equal(new UTF8Encoding(false).GetBytes(text), File.ReadAllBytes(Path.Combine(output, name)));
    }
}
