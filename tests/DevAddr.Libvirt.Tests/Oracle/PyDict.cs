using System.Text;

namespace DevAddr.Libvirt.Tests.Oracle;

/// <summary>
/// An insertion-ordered string-keyed dictionary whose values are <see langword="null"/>, a string or another
/// <see cref="PyDict"/>: the shape in which the comparer holds a device's compared fields. Equality ignores
/// order (as Python's <c>dict</c> does); <see cref="ToString"/> is Python's <c>repr</c>, so messages read the same
/// as the reference script's.
/// </summary>
internal sealed class PyDict : IEquatable<PyDict>
{
    private readonly List<KeyValuePair<string, object?>> entries = [];

    public int Count => entries.Count;

    public IEnumerable<string> Keys => entries.Select(e => e.Key);

    /// <summary>Sets a value; a key set again keeps its first position, as in Python.</summary>
    public PyDict Set(string key, object? value)
    {
        if (value is not (null or string or PyDict))
        {
            throw new ArgumentException("values are null, strings or PyDicts", nameof(value));
        }

        int at = entries.FindIndex(e => e.Key == key);
        if (at >= 0)
        {
            entries[at] = new(key, value);
        }
        else
        {
            entries.Add(new(key, value));
        }

        return this;
    }

    public bool ContainsKey(string key) => entries.Exists(e => e.Key == key);

    /// <summary>Python's <c>d.get(key)</c>: the value, or <see langword="null"/> when the key is absent.</summary>
    public object? Get(string key) => entries.Find(e => e.Key == key).Value;

    public bool Equals(PyDict? other) =>
        other is not null
        && other.Count == Count
        && entries.TrueForAll(e => other.ContainsKey(e.Key) && ValueEquals(e.Value, other.Get(e.Key)));

    public override bool Equals(object? obj) => Equals(obj as PyDict);

    public override int GetHashCode()
    {
        int hash = 0;
        foreach (var (key, value) in entries)
        {
            hash ^= HashCode.Combine(key, value is PyDict d ? d.GetHashCode() : value?.GetHashCode() ?? 0);
        }

        return hash;
    }

    public static bool ValueEquals(object? a, object? b) => a switch
    {
        null => b is null,
        string s => b is string t && s == t,
        PyDict d => d.Equals(b as PyDict),
        _ => false,
    };

    /// <summary>Python's <c>"%s" % value</c>: strings as they are, None, dicts as their repr.</summary>
    public static string Str(object? value) => value switch
    {
        null => "None",
        string s => s,
        _ => value.ToString() ?? string.Empty,
    };

    /// <summary>Python's <c>repr(value)</c>.</summary>
    public static string Repr(object? value) => value switch
    {
        null => "None",
        string s => PythonText.Repr(s),
        _ => value.ToString() ?? string.Empty,
    };

    public override string ToString()
    {
        var sb = new StringBuilder("{");
        foreach (var (key, value) in entries)
        {
            if (sb.Length > 1)
            {
                sb.Append(", ");
            }

            sb.Append(PythonText.Repr(key)).Append(": ").Append(Repr(value));
        }

        return sb.Append('}').ToString();
    }
}
