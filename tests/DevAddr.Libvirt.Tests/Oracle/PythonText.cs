using System.Globalization;
using System.Numerics;
using System.Text;

namespace DevAddr.Libvirt.Tests.Oracle;

/// <summary>
/// The few pieces of Python's text semantics that the reference <c>compare</c> script's verdicts and messages
/// depend on: <c>int(s, 0)</c>, <c>repr(str)</c> and <c>str.strip()</c>.
/// </summary>
internal static class PythonText
{
    private const int MaxDecimalDigits = 4300;

    /// <summary>
    /// Parses like Python's <c>int(text, 0)</c>: surrounding whitespace, a sign, an optional
    /// <c>0x</c>/<c>0o</c>/<c>0b</c> prefix, underscores between digits, Unicode decimal digits, and no
    /// leading zeros on a non-zero decimal (<c>"010"</c> is not a number).
    /// </summary>
    public static bool TryParseInt(string text, out BigInteger value)
    {
        value = BigInteger.Zero;
        if (!TryToAsciiDigitsAndSpaces(text, out var s))
        {
            return false;
        }

        int i = 0, end = s.Length;
        while (i < end && IsAsciiSpace(s[i]))
        {
            i++;
        }

        while (end > i && IsAsciiSpace(s[end - 1]))
        {
            end--;
        }

        bool negative = false;
        if (i < end && (s[i] == '+' || s[i] == '-'))
        {
            negative = s[i] == '-';
            i++;
        }

        int radix = 10;
        bool zeroLed = false;
        if (i + 1 < end && s[i] == '0' && char.ToLowerInvariant(s[i + 1]) is 'x' or 'o' or 'b')
        {
            radix = char.ToLowerInvariant(s[i + 1]) switch { 'x' => 16, 'o' => 8, _ => 2 };
            i += 2;
            if (i < end && s[i] == '_')
            {
                i++; // Python allows one underscore right after the prefix: 0x_1f
            }
        }
        else if (i < end && s[i] == '0')
        {
            zeroLed = true;
        }

        if (!TryParseDigits(s.AsSpan(i, end - i), radix, out var magnitude))
        {
            return false;
        }

        if (radix == 10 && s.AsSpan(i, end - i).Count('_') < end - i - MaxDecimalDigits)
        {
            return false; // Python refuses decimal strings of more than 4300 digits (int_max_str_digits)
        }

        if (zeroLed && !magnitude.IsZero)
        {
            return false; // "010": leading zeros are not permitted in a base-0 decimal literal
        }

        value = negative ? -magnitude : magnitude;
        return true;
    }

    private static bool TryParseDigits(ReadOnlySpan<char> digits, int radix, out BigInteger value)
    {
        value = BigInteger.Zero;
        if (digits.IsEmpty || digits[0] == '_' || digits[^1] == '_')
        {
            return false;
        }

        for (int i = 0; i < digits.Length; i++)
        {
            char c = digits[i];
            if (c == '_')
            {
                if (digits[i - 1] == '_')
                {
                    return false;
                }

                continue;
            }

            int d = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'z' => c - 'a' + 10,
                >= 'A' and <= 'Z' => c - 'A' + 10,
                _ => int.MaxValue,
            };
            if (d >= radix)
            {
                return false;
            }

            value = (value * radix) + d;
        }

        return true;
    }

    /// <summary>Python first maps non-ASCII decimal digits to ASCII ones and non-ASCII spaces to ' '.</summary>
    private static bool TryToAsciiDigitsAndSpaces(string text, out string ascii)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value < 127)
            {
                sb.Append((char)rune.Value);
            }
            else if (Rune.IsWhiteSpace(rune))
            {
                sb.Append(' ');
            }
            else if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.DecimalDigitNumber)
            {
                sb.Append((char)('0' + (int)Rune.GetNumericValue(rune)));
            }
            else
            {
                ascii = string.Empty;
                return false;
            }
        }

        ascii = sb.ToString();
        return true;
    }

    private static bool IsAsciiSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';

    /// <summary>Python's <c>str.isspace</c> for one character (includes the separators U+001C–U+001F).</summary>
    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is >= '\u001c' and <= '\u001f';

    /// <summary>Python's <c>str.strip()</c> without arguments.</summary>
    public static string Strip(string text)
    {
        int start = 0, end = text.Length;
        while (start < end && IsSpace(text[start]))
        {
            start++;
        }

        while (end > start && IsSpace(text[end - 1]))
        {
            end--;
        }

        return text[start..end];
    }

    /// <summary>The first <paramref name="count"/> code points, like Python's <c>s[:count]</c>.</summary>
    public static string Prefix(string text, int count)
    {
        int taken = 0, i = 0;
        while (i < text.Length && taken < count)
        {
            i += char.IsSurrogatePair(text, i) ? 2 : 1;
            taken++;
        }

        return text[..i];
    }

    /// <summary>Python's <c>repr()</c> of a <c>str</c>.</summary>
    public static string Repr(string text)
    {
        char quote = text.Contains('\'', StringComparison.Ordinal) && !text.Contains('"', StringComparison.Ordinal)
            ? '"'
            : '\'';
        var sb = new StringBuilder(text.Length + 2).Append(quote);
        foreach (var rune in text.EnumerateRunes())
        {
            int v = rune.Value;
            switch (v)
            {
                case '\\':
                    sb.Append(@"\\");
                    break;
                case '\t':
                    sb.Append(@"\t");
                    break;
                case '\n':
                    sb.Append(@"\n");
                    break;
                case '\r':
                    sb.Append(@"\r");
                    break;
                default:
                    if (v == quote)
                    {
                        sb.Append('\\').Append(quote);
                    }
                    else if (v < ' ' || v == 0x7f)
                    {
                        sb.Append(CultureInfo.InvariantCulture, $"\\x{v:x2}");
                    }
                    else if (v < 0x7f || IsPrintable(rune))
                    {
                        sb.Append(rune.ToString());
                    }
                    else
                    {
                        sb.Append(v switch
                        {
                            <= 0xff => string.Create(CultureInfo.InvariantCulture, $"\\x{v:x2}"),
                            <= 0xffff => string.Create(CultureInfo.InvariantCulture, $"\\u{v:x4}"),
                            _ => string.Create(CultureInfo.InvariantCulture, $"\\U{v:x8}"),
                        });
                    }

                    break;
            }
        }

        return sb.Append(quote).ToString();
    }

    private static bool IsPrintable(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
            or UnicodeCategory.SpaceSeparator => false,
        _ => true,
    };
}
