using System.Xml.Linq;

namespace DevAddr.Libvirt;

public sealed partial class DomainXml
{
    /// <summary>
    /// Reads the plain XML that domain definitions are written in straight into the tree, without an
    /// <see cref="System.Xml.XmlReader"/>: elements and attributes with ASCII names and no namespace, text, the five
    /// predefined entities and character references, comments. Anything else (a namespace, a prefix, an XML declaration
    /// or processing instruction, a DOCTYPE, CDATA, a carriage return, a character XML does not allow, nesting deeper
    /// than <see cref="MaxDepth"/>) and every malformed document give null: the caller reads those with the reader, which
    /// then builds the same tree or gives its error. Where it gives a tree, it is the one the reader's loop builds (the
    /// same nodes, names, values and empty-element forms), which the reader tests compare document by document.
    /// </summary>
    private static class FastReader
    {
        /// <summary>Attribute values up to this length are shared between the documents a thread reads.</summary>
        private const int SharedValueLength = 24;

        /// <summary>The most attribute values kept for sharing (per reader state, which is replaced as it ages).</summary>
        private const int SharedValues = 4096;

        public static XDocument? TryLoad(string text, ReaderState state)
        {
            if (text.Length > state.Settings.MaxCharactersInDocument || text.Contains('\r')) return null;
            var doc = new XDocument();
            XContainer current = doc;
            XElement? root = null;
            int depth = 0;
            bool whitespace = false;
            var attributes = state.Attributes;
            int i = 0;
            var s = text.AsSpan();
            while (i < s.Length)
            {
                int lt = s[i..].IndexOf('<');
                int end = lt < 0 ? s.Length : i + lt;
                if (end > i)
                {
                    // Text (at the top level, only white space is allowed).
                    var segment = s[i..end];
                    if (IsXmlSpace(segment))
                    {
                        whitespace = true;
                    }
                    else
                    {
                        if (depth == 0 || segment.Contains("]]>", StringComparison.Ordinal)) return null;
                        string? value = Decode(segment, attribute: false);
                        if (value is null) return null;
                        if (string.IsNullOrWhiteSpace(value)) whitespace = true;
                        else current.Add(value);
                    }
                }
                if (lt < 0) break;
                i = end + 1;
                if (i >= s.Length) return null;
                char c = s[i];
                if (c == '/')
                {
                    // An end tag: </name S?>
                    if (depth == 0) return null;
                    int nameEnd = NameEnd(s, i + 1);
                    if (nameEnd < 0) return null;
                    var open = (XElement)current;
                    if (!s[(i + 1)..nameEnd].SequenceEqual(open.Name.LocalName)) return null;
                    int gt = SkipSpace(s, nameEnd);
                    if (gt >= s.Length || s[gt] != '>') return null;
                    i = gt + 1;
                    if (open.IsEmpty && !whitespace) open.Add(string.Empty);
                    current = open.Parent ?? (XContainer)doc;
                    depth--;
                }
                else if (c == '!')
                {
                    // Only comments: <!-- text without "--" and not ending in "-" -->
                    if (!s[i..].StartsWith("!--", StringComparison.Ordinal)) return null;
                    int start = i + 3;
                    int close = s[start..].IndexOf("--", StringComparison.Ordinal);
                    if (close < 0) return null;
                    close += start;
                    if (close + 2 >= s.Length || s[close + 2] != '>' || !AllXmlChars(s[start..close])) return null;
                    current.Add(new XComment(s[start..close].ToString()));
                    i = close + 3;
                }
                else
                {
                    // A start tag: <name (S name S? = S? quoted)* S? /?>
                    if (depth == 0 && root is not null) return null;
                    if (depth >= MaxDepth + 1) return null;
                    int nameEnd = NameEnd(s, i);
                    if (nameEnd < 0) return null;
                    var element = new XElement(state.FastName(s[i..nameEnd]));
                    int p = nameEnd;
                    attributes.Clear();
                    bool empty;
                    while (true)
                    {
                        int q = SkipSpace(s, p);
                        if (q >= s.Length) return null;
                        if (s[q] == '>')
                        {
                            empty = false;
                            p = q + 1;
                            break;
                        }
                        if (s[q] == '/')
                        {
                            if (q + 1 >= s.Length || s[q + 1] != '>') return null;
                            empty = true;
                            p = q + 2;
                            break;
                        }
                        // An attribute must follow white space.
                        if (q == p) return null;
                        int attrEnd = NameEnd(s, q);
                        if (attrEnd < 0) return null;
                        var attrName = s[q..attrEnd];
                        if (attrName.SequenceEqual("xmlns")) return null;
                        int eq = SkipSpace(s, attrEnd);
                        if (eq >= s.Length || s[eq] != '=') return null;
                        int quote = SkipSpace(s, eq + 1);
                        if (quote >= s.Length || s[quote] is not ('\'' or '"')) return null;
                        int valueEnd = s[(quote + 1)..].IndexOf(s[quote]);
                        if (valueEnd < 0) return null;
                        valueEnd += quote + 1;
                        var raw = s[(quote + 1)..valueEnd];
                        if (raw.Contains('<')) return null;
                        var name = state.FastName(attrName);
                        foreach (var a in attributes)
                            if (ReferenceEquals(a.Name, name)) return null;
                        string? value = raw.Length <= SharedValueLength && raw.IndexOfAny('&', '\t', '\n') < 0 && AllXmlChars(raw)
                            ? state.SharedValue(raw, SharedValues)
                            : Decode(raw, attribute: true);
                        if (value is null) return null;
                        attributes.Add(new XAttribute(name, value));
                        p = valueEnd + 1;
                    }
                    foreach (var a in attributes) element.Add(a);
                    current.Add(element);
                    root ??= element;
                    i = p;
                    if (!empty)
                    {
                        current = element;
                        depth++;
                        whitespace = false;
                    }
                }
            }
            return depth == 0 && root is not null ? doc : null;
        }

        /// <summary>Whether the text is XML white space only (space, tab, line feed: a carriage return was refused before).</summary>
        private static bool IsXmlSpace(ReadOnlySpan<char> text) => !text.ContainsAnyExcept(' ', '\t', '\n');

        /// <summary>The position after a name (ASCII letter or _, then letters, digits, _ - .) starting at <paramref name="start"/>, or -1.</summary>
        private static int NameEnd(ReadOnlySpan<char> s, int start)
        {
            if (start >= s.Length || !(char.IsAsciiLetter(s[start]) || s[start] == '_')) return -1;
            int p = start + 1;
            while (p < s.Length && (char.IsAsciiLetterOrDigit(s[p]) || s[p] is '_' or '-' or '.')) p++;
            // A name character this reader does not take (a prefix's colon, a letter beyond ASCII) is left to the reader.
            if (p < s.Length && (s[p] == ':' || s[p] > '\u007f')) return -1;
            return p;
        }

        private static int SkipSpace(ReadOnlySpan<char> s, int p)
        {
            while (p < s.Length && s[p] is ' ' or '\t' or '\n') p++;
            return p;
        }

        /// <summary>Whether every character is one XML allows (tab, line feed, U+0020 to U+D7FF, U+E000 to U+FFFD; no surrogates).</summary>
        private static bool AllXmlChars(ReadOnlySpan<char> text)
        {
            foreach (char c in text)
                if (!IsXmlChar(c)) return false;
            return true;
        }

        private static bool IsXmlChar(int c) => c is '\t' or '\n' or '\r' or (>= 0x20 and <= 0xD7FF) or (>= 0xE000 and <= 0xFFFD);

        /// <summary>
        /// Text or an attribute value with its references replaced (and, in an attribute, each tab and line feed by a
        /// space, as XML normalizes attribute values); null where the reader would refuse it or this reader leaves it to the reader.
        /// </summary>
        private static string? Decode(ReadOnlySpan<char> raw, bool attribute)
        {
            if (raw.IndexOf('&') < 0)
            {
                if (!AllXmlChars(raw)) return null;
                if (!attribute || raw.IndexOfAny('\t', '\n') < 0) return raw.ToString();
            }
            var chars = raw.Length <= 256 ? stackalloc char[raw.Length] : new char[raw.Length];
            int n = 0;
            for (int p = 0; p < raw.Length; p++)
            {
                char c = raw[p];
                if (c == '&')
                {
                    int semi = raw[p..].IndexOf(';');
                    if (semi < 0) return null;
                    var entity = raw.Slice(p + 1, semi - 1);
                    p += semi;
                    switch (entity)
                    {
                        case "lt": c = '<'; break;
                        case "gt": c = '>'; break;
                        case "amp": c = '&'; break;
                        case "quot": c = '"'; break;
                        case "apos": c = '\''; break;
                        default:
                            int code = CharacterReference(entity);
                            if (code < 0) return null;
                            c = (char)code;
                            break;
                    }
                }
                else if (!IsXmlChar(c))
                {
                    return null;
                }
                else if (attribute && c is '\t' or '\n')
                {
                    c = ' ';
                }
                chars[n++] = c;
            }
            return new string(chars[..n]);
        }

        /// <summary>The character of a reference's body (#decimal or #xhex) when it is one XML allows in the basic plane, else -1.</summary>
        private static int CharacterReference(ReadOnlySpan<char> entity)
        {
            if (entity.Length < 2 || entity[0] != '#') return -1;
            bool hex = entity[1] == 'x';
            var digits = entity[(hex ? 2 : 1)..];
            if (digits.Length is 0 or > 6) return -1;
            int code = 0;
            foreach (char d in digits)
            {
                int v = d switch
                {
                    >= '0' and <= '9' => d - '0',
                    >= 'a' and <= 'f' when hex => d - 'a' + 10,
                    >= 'A' and <= 'F' when hex => d - 'A' + 10,
                    _ => -1,
                };
                if (v < 0) return -1;
                code = (code * (hex ? 16 : 10)) + v;
            }
            return IsXmlChar(code) ? code : -1;
        }
    }
}
