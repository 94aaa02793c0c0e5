using System.Text;
using System.Xml;
using System.Xml.Linq;
using DevAddr.TestSupport;

namespace DevAddr.Libvirt.Tests;

/// <summary>
/// The domain reader's fast path builds exactly the tree its XML reader builds (every node, name, value and empty form),
/// and leaves to the XML reader every document that one refuses.
/// </summary>
public class FastReaderTests
{
    /// <summary>A tree written node by node, with every distinction the writer makes (node kinds, empty forms, names with namespaces).</summary>
    private static string Dump(XDocument doc)
    {
        var sb = new StringBuilder();
        foreach (var node in doc.Nodes()) Dump(node, sb);
        return sb.ToString();
    }

    private static void Dump(XNode node, StringBuilder sb)
    {
        switch (node)
        {
            case XElement e:
                sb.Append('<').Append(e.Name.NamespaceName).Append('|').Append(e.Name.LocalName);
                foreach (var a in e.Attributes()) sb.Append(' ').Append(a.Name.NamespaceName).Append('|').Append(a.Name.LocalName).Append("=[").Append(a.Value).Append(']');
                sb.Append(e.IsEmpty ? " empty>" : ">");
                foreach (var child in e.Nodes()) Dump(child, sb);
                sb.Append("</>");
                break;
            case XCData c:
                sb.Append("cdata[").Append(c.Value).Append(']');
                break;
            case XText t:
                sb.Append("text[").Append(t.Value).Append(']');
                break;
            case XComment c:
                sb.Append("comment[").Append(c.Value).Append(']');
                break;
            default:
                sb.Append(node.NodeType).Append('[').Append(node).Append(']');
                break;
        }
    }

    /// <summary>The XML reader's tree, or null where it refuses the document.</summary>
    private static XDocument? ByReader(string xml)
    {
        try
        {
            return DomainXml.LoadWithReader(xml);
        }
        catch (Exception ex) when (ex is XmlException or DomainXmlException)
        {
            return null;
        }
    }

    /// <summary>Checks the fast path against the reader on one text; true when the fast path read it.</summary>
    private static bool Agrees(string xml)
    {
        var fast = DomainXml.LoadFast(xml);
        var reader = ByReader(xml);
        if (fast is null) return false;
        Assert.True(reader is not null, $"the fast path read a document the XML reader refuses: {xml}");
        Assert.Equal(Dump(reader!), Dump(fast));
        return true;
    }

    private static IEnumerable<string> FixtureInputs() =>
        Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "fixtures"), "*.xml", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}expected{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

    [Fact]
    public void FixtureDocuments_ReadFast_AsTheReaderReadsThem()
    {
        int fast = 0, all = 0;
        foreach (var file in FixtureInputs())
        {
            all++;
            if (Agrees(File.ReadAllText(file))) fast++;
        }
        Assert.True(all > 800, $"only {all} fixture inputs");
        // The generated guests are plain XML: nearly all of them take the fast path (the rest carry namespaces or CDATA).
        Assert.True(fast > all * 9 / 10, $"{fast} of {all} fixture inputs read by the fast path");
    }

    [Theory]
    [InlineData("<domain/>")]
    [InlineData("<domain></domain>")]
    [InlineData("<domain>  \n\t </domain>")]
    [InlineData("\n  <domain><name>n</name>\n</domain>\n\n")]
    [InlineData("<domain type = \"kvm\"\n\tid='1' ><name >a&lt;b&gt;c&amp;d&quot;e&apos;f</name ></domain>")]
    [InlineData("<domain><name>&#65;&#x42;&#x0043;</name><description>&#9;&#10;&#13;</description></domain>")]
    [InlineData("<domain><title a='x&#9;y&#10;z' b='p\tq\nr' c=\"'\" d='\"'/></domain>")]
    [InlineData("<domain><!--c1--><name>n<!-- c2 -->m</name><!----></domain><!-- after -->")]
    [InlineData("<!-- before --><domain/>")]
    [InlineData("<domain><description>é ü – ∞ 中</description><title a='é'/></domain>")]
    [InlineData("<domain><x>\u00a0</x><y> a </y><z>&#32;</z><w>a>b</w></domain>")]
    [InlineData("<domain><a.b-c_d e.f-g_h='1'/><_x/></domain>")]
    public void DocumentsTheFastPathReads(string xml) => Assert.True(Agrees(xml), "left to the reader");

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("<domain>")]
    [InlineData("<domain></name>")]
    [InlineData("<domain/><domain/>")]
    [InlineData("<domain/>text")]
    [InlineData("text<domain/>")]
    [InlineData("<domain a='1' a='2'/>")]
    [InlineData("<domain a='1'b='2'/>")]
    [InlineData("<domain a=1/>")]
    [InlineData("<domain a='<'/>")]
    [InlineData("<domain a='&bogus;'/>")]
    [InlineData("<domain>&amp</domain>")]
    [InlineData("<domain>&#0;</domain>")]
    [InlineData("<domain>&#X41;</domain>")]
    [InlineData("<domain>&#xD800;</domain>")]
    [InlineData("<domain>a]]>b</domain>")]
    [InlineData("<domain><!-- a -- b --></domain>")]
    [InlineData("<domain><!-- a ---></domain>")]
    [InlineData("<domain>\u0001</domain>")]
    [InlineData("<domain a='\u0001'/>")]
    [InlineData("<domain>\ud83d\ude00</domain>")]
    [InlineData("<domain>\r\n</domain>")]
    [InlineData("<?xml version='1.0'?><domain/>")]
    [InlineData("<!DOCTYPE domain><domain/>")]
    [InlineData("<domain><![CDATA[x]]></domain>")]
    [InlineData("<domain xmlns='urn:x'/>")]
    [InlineData("<domain xmlns:q='urn:q'><q:a/></domain>")]
    [InlineData("<domain q:a='1'/>")]
    [InlineData("<1domain/>")]
    [InlineData("< domain/>")]
    [InlineData("<domain / >")]
    [InlineData("<dömain/>")]
    [InlineData("\ufeff<domain/>")]
    public void DocumentsLeftToTheReader(string xml) => Assert.False(Agrees(xml));

    [Fact]
    public void DeepNesting_LeftToTheReader()
    {
        string Nest(int depth) => string.Concat(Enumerable.Repeat("<a>", depth)) + string.Concat(Enumerable.Repeat("</a>", depth));
        Assert.True(Agrees(Nest(DomainXml.MaxDepth + 1)));
        Assert.False(Agrees(Nest(DomainXml.MaxDepth + 2)));
    }

    /// <summary>Fixture documents with random edits around XML's special characters: wherever the fast path reads one, the reader reads the same tree.</summary>
    [Fact]
    public void EditedDocuments_FastPathAgreesOrLeavesThem()
    {
        var sources = FixtureInputs().Take(40).Select(File.ReadAllText).ToArray();
        var pieces = new[] { "<", ">", "/", "&", ";", "'", "\"", "=", " ", "\t", "\n", "<!--", "-->", "--", "&amp;", "&#10;", "&#x41;", "<a>", "</a>", "<b/>", "x", "é", "]]>", "\u0000", ":" };
        int read = 0;
        var random = new Random(14);
        for (int n = 0; n < 4000; n++)
        {
            var text = new StringBuilder(sources[random.Next(sources.Length)]);
            for (int edits = random.Next(1, 5); edits > 0; edits--)
            {
                int pos = random.Next(text.Length + 1), length = random.Next(41);
                switch (random.Next(3))
                {
                    case 0:
                        text.Insert(pos, pieces[random.Next(pieces.Length)]);
                        break;
                    case 1:
                        text.Remove(pos, Math.Min(length, text.Length - pos));
                        break;
                    default:
                        int from = random.Next(text.Length + 1);
                        text.Insert(pos, text.ToString(from, Math.Min(length, text.Length - from)));
                        break;
                }
            }
            if (Agrees(text.ToString())) read++;
        }
        Assert.True(read > 100, $"only {read} edited documents read by the fast path");
    }
}
