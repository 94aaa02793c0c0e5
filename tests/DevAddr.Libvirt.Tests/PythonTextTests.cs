using System.Numerics;
using DevAddr.Libvirt.Tests.Oracle;

namespace DevAddr.Libvirt.Tests;

/// <summary>The Python semantics the comparer reproduces, pinned to what CPython 3.11 answers.</summary>
public sealed class PythonTextTests
{
    [Theory]
    [InlineData("0x01", 1)]
    [InlineData("1", 1)]
    [InlineData("  7 ", 7)]
    [InlineData("+0x1f", 31)]
    [InlineData("-3", -3)]
    [InlineData("-0", 0)]
    [InlineData("0o17", 15)]
    [InlineData("0b101", 5)]
    [InlineData("0B1", 1)]
    [InlineData("0X1D", 29)]
    [InlineData("1_000", 1000)]
    [InlineData("0x_1f", 31)]
    [InlineData("00", 0)]
    [InlineData("0_0", 0)]
    [InlineData("00_0", 0)]
    [InlineData("\u0661\u0662", 12)]
    [InlineData("0x\u0661", 1)]
    [InlineData("\u00a05\u00a0", 5)]
    public void TryParseInt_PythonIntLiteral_ParsesLikeIntWithBaseZero(string text, long expected)
    {
        Assert.True(PythonText.TryParseInt(text, out var value));
        Assert.Equal(new BigInteger(expected), value);
    }

    [Theory]
    [InlineData("01")]
    [InlineData("0_1")]
    [InlineData("0x")]
    [InlineData("0x_")]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("1__0")]
    [InlineData("0__0")]
    [InlineData("_1")]
    [InlineData("1_")]
    [InlineData("0x1g")]
    [InlineData("- 1")]
    [InlineData("0x-1")]
    [InlineData("1.0")]
    [InlineData("yes")]
    [InlineData("1\u001c")]
    public void TryParseInt_NotAnIntLiteral_ReturnsFalse(string text)
    {
        Assert.False(PythonText.TryParseInt(text, out _));
    }

    [Fact]
    public void TryParseInt_MoreThan4300DecimalDigits_ReturnsFalse()
    {
        Assert.True(PythonText.TryParseInt("1" + new string('0', 4299), out _));
        Assert.False(PythonText.TryParseInt("1" + new string('0', 4300), out _));
        Assert.True(PythonText.TryParseInt("0x1" + new string('0', 5000), out _));
    }

    [Theory]
    [InlineData("a'b", "\"a'b\"")]
    [InlineData("a'b\"c", "'a\\'b\"c'")]
    [InlineData("tab\t", "'tab\\t'")]
    [InlineData("\u00e9\u200b", "'\u00e9\\u200b'")]
    [InlineData("\u0085", "'\\x85'")]
    [InlineData("x\\y", "'x\\\\y'")]
    [InlineData("\"", "'\"'")]
    public void Repr_String_QuotesAndEscapesLikePython(string text, string expected)
    {
        Assert.Equal(expected, PythonText.Repr(text));
    }

    [Fact]
    public void Strip_PythonWhitespace_IncludesInformationSeparators()
    {
        Assert.Equal("a", PythonText.Strip(" \u001c a \u001f"));
    }
}
