using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace DevAddr.Libvirt;

/// <summary>
/// Writes an element tree as indented XML text, exactly as <see cref="XmlWriter"/> with two-space indentation and
/// "\n" new lines writes it. Domain XML is almost always plain (elements without namespaces, holding either elements or
/// text): that is written here directly, without a writer and its buffers; a tree with anything else (namespaces,
/// comments, CDATA, processing instructions, text beside elements) goes through <see cref="XmlWriter"/>.
/// </summary>
internal static class XmlText
{
    private static readonly XmlWriterSettings s_settings = new()
    {
        OmitXmlDeclaration = true,
        Indent = true,
        IndentChars = "  ",
        NewLineChars = "\n",
    };

    /// <summary>A builder per thread, kept between documents (up to 1 MiB): each document is written into memory already cleared.</summary>
    [ThreadStatic]
    private static StringBuilder? t_builder;

    /// <summary>The element as indented XML text followed by a new line.</summary>
    public static string Write(XElement root, int capacity)
    {
        var sb = Build(root, capacity);
        try
        {
            return sb.ToString();
        }
        finally
        {
            Return(sb);
        }
    }

    /// <summary>
    /// The element as indented XML text followed by a new line, in the thread's builder: hand it back with
    /// <see cref="Return"/> once read (a file's bytes are encoded from it without a string in between).
    /// </summary>
    public static StringBuilder Build(XElement root, int capacity)
    {
        var sb = t_builder ?? new StringBuilder(capacity);
        t_builder = null;  // not shared with a nested call
        sb.Clear().EnsureCapacity(capacity);
        if (!TryWritePlain(root, sb, 0))
        {
            sb.Clear();
            using var sw = new StringWriter(sb, System.Globalization.CultureInfo.InvariantCulture);
            using var xw = XmlWriter.Create(sw, s_settings);
            root.WriteTo(xw);
        }
        return sb.Append('\n');
    }

    /// <summary>Keeps a builder from <see cref="Build"/> for the thread's next document (up to 1 MiB).</summary>
    public static void Return(StringBuilder sb)
    {
        if (sb.Capacity <= 1 << 20) t_builder = sb.Clear();
    }

    /// <summary>Writes a plain element (see the class remarks); false, having written part of it, when it is not plain.</summary>
    private static bool TryWritePlain(XElement e, StringBuilder sb, int depth)
    {
        if (e.Name.Namespace != XNamespace.None) return false;
        string name = e.Name.LocalName;
        sb.Append('<').Append(name);
        for (var a = e.FirstAttribute; a is not null; a = a.NextAttribute)
        {
            if (a.IsNamespaceDeclaration || a.Name.Namespace != XNamespace.None) return false;
            sb.Append(' ').Append(a.Name.LocalName).Append("=\"");
            AppendEscaped(sb, a.Value, attribute: true);
            sb.Append('"');
        }
        if (e.IsEmpty)
        {
            sb.Append(" />");
            return true;
        }
        sb.Append('>');
        if (e.HasElements)
        {
            foreach (var node in e.Nodes())
            {
                if (node is not XElement child) return false;
                Indent(sb, depth + 1);
                if (!TryWritePlain(child, sb, depth + 1)) return false;
            }
            Indent(sb, depth);
        }
        else
        {
            foreach (var node in e.Nodes())
            {
                if (node is not XText text || node is XCData) return false;
                AppendEscaped(sb, text.Value, attribute: false);
            }
        }
        sb.Append("</").Append(name).Append('>');
        return true;
    }

    private static void Indent(StringBuilder sb, int depth) => sb.Append('\n').Append(' ', 2 * depth);

    /// <summary>
    /// Escapes as the writer does: in text, &amp;, &lt; and &gt;, with \r\n and \r becoming \n; in an attribute value,
    /// those three, the double quote and the white space characters \t, \n and \r as character references.
    /// </summary>
    private static void AppendEscaped(StringBuilder sb, string value, bool attribute)
    {
        int start = 0;
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            string? escape = c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' when attribute => "&quot;",
                '\t' when attribute => "&#x9;",
                '\n' when attribute => "&#xA;",
                '\r' => attribute ? "&#xD;" : "\n",
                _ => null,
            };
            if (escape is null) continue;
            sb.Append(value, start, i - start).Append(escape);
            if (c == '\r' && !attribute && i + 1 < value.Length && value[i + 1] == '\n') i++;
            start = i + 1;
        }
        sb.Append(value, start, value.Length - start);
    }
}
