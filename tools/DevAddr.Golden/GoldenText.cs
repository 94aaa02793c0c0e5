using System.Text;

namespace DevAddr.Golden;

/// <summary>
/// The layout of a golden file: the plan (or error object) exactly as DevAddr serializes it, with the whitespace
/// outside strings taken out and a line break before each top-level member and each element of a top-level
/// array (one device per line), so a moved device is one changed line in a review. Nothing but whitespace
/// outside strings differs from what <c>devaddr plan</c> prints: <see cref="Minify"/> of both is the same bytes.
/// </summary>
internal static class GoldenText
{
    /// <summary>The JSON text without whitespace outside strings (tokens kept byte for byte).</summary>
    public static string Minify(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var sb = new StringBuilder(json.Length);
        bool inString = false;
        for (int i = 0; i < json.Length; i++)
        {
            char c = json[i];
            if (inString)
            {
                sb.Append(c);
                if (c == '\\' && i + 1 < json.Length) sb.Append(json[++i]);
                else if (c == '"') inString = false;
            }
            else if (c == '"')
            {
                inString = true;
                sb.Append(c);
            }
            else if (c is not (' ' or '\t' or '\r' or '\n'))
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    /// <summary>The golden layout of a JSON object text (a plan or an error object), ending with a line break.</summary>
    public static string Format(string json)
    {
        string min = Minify(json);
        var sb = new StringBuilder(min.Length + 1024);
        var stack = new Stack<char>();
        bool inString = false;
        for (int i = 0; i < min.Length; i++)
        {
            char c = min[i];
            if (inString)
            {
                sb.Append(c);
                if (c == '\\') sb.Append(min[++i]);
                else if (c == '"') inString = false;
                continue;
            }

            switch (c)
            {
                case '"':
                    inString = true;
                    sb.Append(c);
                    break;
                case '{' or '[':
                    stack.Push(c);
                    sb.Append(c);
                    // The top-level object, and arrays that are its members' values, break before each element.
                    if (Breaks(stack) && i + 1 < min.Length && min[i + 1] is not ('}' or ']')) sb.Append('\n');
                    break;
                case '}' or ']':
                    if (Breaks(stack) && min[i - 1] is not ('{' or '[')) sb.Append('\n');
                    stack.Pop();
                    sb.Append(c);
                    break;
                case ',':
                    sb.Append(c);
                    if (Breaks(stack)) sb.Append('\n');
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }

        return sb.Append('\n').ToString();
    }

    /// <summary>True inside the top-level object or an array directly inside it.</summary>
    private static bool Breaks(Stack<char> stack) => stack.Count == 1 || (stack.Count == 2 && stack.Peek() == '[');
}
