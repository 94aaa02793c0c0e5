using System.Text;

namespace DevAddr.Whatif.Tests;

/// <summary>A strict RFC 4180 reader for the tests: quoted fields, doubled quotes, <c>\n</c> records; a malformed document throws.</summary>
internal static class Csv
{
    public static List<List<string>> Parse(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new StringBuilder();
        bool quoted = false, wasQuoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c != '"') field.Append(c);
                else if (i + 1 < text.Length && text[i + 1] == '"') field.Append(text[++i]);
                else quoted = false;
                continue;
            }
            switch (c)
            {
                case '"' when field.Length == 0 && !wasQuoted:
                    quoted = wasQuoted = true;
                    break;
                case '"':
                    throw new FormatException($"stray quote at offset {i}");
                case ',':
                    row.Add(field.ToString());
                    field.Clear();
                    wasQuoted = false;
                    break;
                case '\n':
                    row.Add(field.ToString());
                    rows.Add(row);
                    row = [];
                    field.Clear();
                    wasQuoted = false;
                    break;
                default:
                    if (wasQuoted) throw new FormatException($"text after a closing quote at offset {i}");
                    field.Append(c);
                    break;
            }
        }
        if (quoted) throw new FormatException("unterminated quoted field");
        if (field.Length > 0 || row.Count > 0) throw new FormatException("the last record does not end with \\n");
        return rows;
    }
}
