using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using CsCheck;
using DevAddr.Libvirt;

namespace DevAddr.Libvirt.Tests;

/// <summary>The direct XML text writer gives exactly what <see cref="XmlWriter"/> gives, on plain trees and on the rest.</summary>
public class XmlTextTests
{
    private static string Reference(XElement root)
    {
        var settings = new XmlWriterSettings { OmitXmlDeclaration = true, Indent = true, IndentChars = "  ", NewLineChars = "\n" };
        var sb = new StringBuilder();
        using (var sw = new StringWriter(sb, CultureInfo.InvariantCulture))
        using (var xw = XmlWriter.Create(sw, settings))
            root.WriteTo(xw);
        return sb.Append('\n').ToString();
    }

    /// <summary>Text from characters that need escaping or new-line handling, and ordinary ones (ASCII and not).</summary>
    private static readonly Gen<string> s_text =
        Gen.String[Gen.OneOf<char>('a', 'Z', '0', ' ', '&', '<', '>', '"', '\'', '\t', '\n', '\r', ';', '#', 'é', '\u2028', '\u0085', ']'), 0, 12];

    private static readonly Gen<string> s_name = Gen.OneOf("domain", "devices", "disk", "target", "address", "a", "b-c", "x_y");

    private static Gen<XElement> Element(int depth) =>
        Gen.Select(s_name, Gen.Select(s_name, s_text).Array[0, 4], Gen.Int[0, depth == 0 ? 2 : 3], s_text, (name, attrs, shape, text) => (name, attrs, shape, text))
            .SelectMany(t =>
            {
                var e = new XElement(t.name);
                foreach (var (n, v) in t.attrs) e.SetAttributeValue(n, v);
                switch (t.shape)
                {
                    case 1:
                        e.Add(t.text.Length == 0 ? "x" : t.text);  // text content
                        break;
                    case 2:
                        e.Add(string.Empty);  // <a></a>
                        break;
                    case 3:
                        return Element(depth - 1).Array[1, 3].Select(children =>
                        {
                            e.Add(children);
                            return e;
                        });
                }
                return Gen.Const(e);
            });

    [Fact]
    public void PlainTrees_WrittenAsXmlWriterWritesThem() =>
        Element(3).Sample(e => Assert.Equal(Reference(e), XmlText.Write(e, 16)), iter: 3000, seed: "0N0XIzNsQ0O2");

    [Theory]
    [InlineData("<domain xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'><qemu:commandline><qemu:arg value='-s'/></qemu:commandline></domain>")]
    [InlineData("<domain><metadata><x:y xmlns:x='urn:x'>t</x:y></metadata></domain>")]
    [InlineData("<domain><!-- note --><name>n</name></domain>")]
    [InlineData("<domain><description><![CDATA[a<b]]></description></domain>")]
    [InlineData("<domain><description>before<b/>after</description></domain>")]
    [InlineData("<domain><?pi data?><name>n</name></domain>")]
    [InlineData("<domain a:b='1' xmlns:a='urn:a'><name>n</name></domain>")]
    public void OtherTrees_WrittenAsXmlWriterWritesThem(string xml)
    {
        var root = XElement.Parse(xml);
        Assert.Equal(Reference(root), XmlText.Write(root, 16));
    }
}
