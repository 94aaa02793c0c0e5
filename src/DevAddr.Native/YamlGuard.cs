using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace DevAddr.Native;

/// <summary>
/// Rejects YAML documents that Core's reader (YamlStream, then a recursive conversion to JSON nodes) cannot survive
/// inside a host process: nesting deep enough to overflow the stack (a crash that no catch stops), and aliases that
/// expand to billions of nodes ("billion laughs"). It reads the text with YamlDotNet's event parser, which keeps its
/// own stack, and answers the error Core gives for too-deep documents. Anything the guard cannot parse is left to
/// Core, which reports it in its usual words.
/// </summary>
internal static class YamlGuard
{
    /// <summary>Nesting (collections and aliased subtrees) beyond this is refused. Core refuses beyond 32 levels in
    /// the same words, so the answer is the same; only the stack overflow it would meet first at depth ~10^5 is gone.</summary>
    public const int MaxNesting = 64;

    /// <summary>Most nodes a document may expand to through aliases.</summary>
    public const long MaxExpandedNodes = 1_000_000;

    /// <summary>The problem with a document, or null when Core may read it. Applies only to text Core reads as YAML.</summary>
    public static string? Check(string text, string what)
    {
        string trimmed = text.TrimStart();
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
            return null; // JSON: System.Text.Json reads it iteratively, with a depth limit
        try
        {
            return Scan(text, what);
        }
        catch (YamlException)
        {
            return null; // malformed: Core says where
        }
    }

    private static string? Scan(string text, string what)
    {
        var anchors = new Dictionary<string, (long Size, int Height)>(StringComparer.Ordinal);
        var open = new Stack<Frame>();
        var parser = new Parser(new StringReader(text));
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case MappingStart or SequenceStart:
                    open.Push(new Frame(((NodeEvent)parser.Current).Anchor));
                    if (open.Count > MaxNesting) return TooDeep(what);
                    break;
                case MappingEnd or SequenceEnd:
                    var done = open.Pop();
                    if (!done.Anchor.IsEmpty) anchors[done.Anchor.Value] = (done.Size, done.Height);
                    if (!Add(open, done.Size, done.Height)) return TooLarge(what);
                    break;
                case Scalar scalar:
                    if (!scalar.Anchor.IsEmpty) anchors[scalar.Anchor.Value] = (1, 0);
                    if (!Add(open, 1, 0)) return TooLarge(what);
                    break;
                case AnchorAlias alias when anchors.TryGetValue(alias.Value.Value, out var target):
                    if (open.Count + target.Height > MaxNesting) return TooDeep(what);
                    if (!Add(open, target.Size, target.Height)) return TooLarge(what);
                    break;
            }
        }
        return null;
    }

    /// <summary>Adds a child subtree to the innermost open collection; false when that collection grows too large.</summary>
    private static bool Add(Stack<Frame> open, long size, int height)
    {
        if (!open.TryPeek(out var parent)) return true;
        parent.Size += size;
        parent.Height = Math.Max(parent.Height, height + 1);
        return parent.Size <= MaxExpandedNodes;
    }

    private static string TooDeep(string what) =>
        $"invalid {what}: the document nests deeper than {Core.Serialization.PlanJson.Options.MaxDepth} levels";

    private static string TooLarge(string what) =>
        $"invalid {what}: its YAML aliases expand it to more than {MaxExpandedNodes} nodes";

    private sealed class Frame(AnchorName anchor)
    {
        public AnchorName Anchor { get; } = anchor;
        public long Size { get; set; } = 1;
        public int Height { get; set; }
    }
}
