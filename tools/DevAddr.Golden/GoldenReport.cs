using System.Text;

namespace DevAddr.Golden;

/// <summary>How the plans of this build compare with the golden files.</summary>
internal sealed class GoldenReport
{
    /// <summary>A case whose plan differs from its golden file (or has none), with what changed.</summary>
    public sealed record Difference(string Path, IReadOnlyList<string> Lines);

    public int Cases { get; private init; }
    public List<Difference> Changed { get; } = [];
    public List<string> Missing { get; } = [];
    public List<string> Stale { get; } = [];

    public bool Clean => Changed.Count == 0 && Missing.Count == 0 && Stale.Count == 0;

    /// <summary>Compares every case's text with its golden file under <paramref name="plansDir"/>.</summary>
    public static GoldenReport Compare(string plansDir, IReadOnlyList<GoldenCase> cases, IReadOnlyList<string> texts)
    {
        var report = new GoldenReport { Cases = cases.Count };
        for (int i = 0; i < cases.Count; i++)
        {
            string file = Path.Combine(plansDir, cases[i].Path);
            if (!File.Exists(file))
            {
                report.Missing.Add(cases[i].Path);
                continue;
            }

            var lines = GoldenDiff.Describe(File.ReadAllText(file), texts[i]);
            if (lines.Count > 0) report.Changed.Add(new Difference(cases[i].Path, lines));
        }

        var expected = cases.Select(c => c.Path).ToHashSet(StringComparer.Ordinal);
        if (Directory.Exists(plansDir))
        {
            report.Stale.AddRange(Directory.EnumerateFiles(plansDir, "*.json", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(plansDir, f).Replace('\\', '/'))
                .Where(p => !expected.Contains(p))
                .Order(StringComparer.Ordinal));
        }

        return report;
    }

    /// <summary>The report as text: one block per changed case (at most <paramref name="maxLinesPerCase"/> lines each), then a summary line.</summary>
    public string Render(int maxLinesPerCase = 40)
    {
        var sb = new StringBuilder();
        foreach (var d in Changed)
        {
            sb.Append("changed ").AppendLine(d.Path);
            foreach (string line in d.Lines.Take(maxLinesPerCase)) sb.Append("    ").AppendLine(line);
            if (d.Lines.Count > maxLinesPerCase) sb.Append("    ... and ").Append(d.Lines.Count - maxLinesPerCase).AppendLine(" more");
        }

        foreach (string p in Missing) sb.Append("new     ").AppendLine(p);
        foreach (string p in Stale) sb.Append("stale   ").AppendLine(p);
        sb.AppendLine(Summary);
        return sb.ToString();
    }

    /// <summary>One line: how many cases, how many differ, how many devices moved.</summary>
    public string Summary =>
        $"golden: {Cases} plans, {Cases - Changed.Count - Missing.Count} unchanged, {Changed.Count} changed " +
        $"({Changed.Sum(d => GoldenDiff.Moves(d.Lines))} devices moved), {Missing.Count} without a golden file, {Stale.Count} golden files without a case";
}
