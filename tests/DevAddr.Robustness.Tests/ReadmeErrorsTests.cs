using System.Globalization;
using DevAddr.Core.Validation;

namespace DevAddr.Robustness.Tests;

/// <summary>The README's "Errors" section documents every validator rule and every limit, with the values in the code.</summary>
public sealed class ReadmeErrorsTests
{
    private static string ErrorsSection()
    {
        string readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        int start = readme.IndexOf("\n## Errors\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no '## Errors' section");
        int end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return end < 0 ? readme[start..] : readme[start..end];
    }

    [Fact]
    public void ErrorsSection_ListsEveryValidatorRule()
    {
        string section = ErrorsSection();
        var missing = ValidationRules.All.Where(r => !section.Contains($"| `{r.Rule}` | {r.Description} |", StringComparison.Ordinal)).Select(r => r.Rule).ToList();
        Assert.True(missing.Count == 0, "README 'Errors' lacks (or words differently) the rules: " + string.Join(", ", missing));
    }

    [Fact]
    public void ErrorsSection_StatesTheLimits()
    {
        string section = ErrorsSection();
        Assert.Contains(PlanLimits.MaxInputChars.ToString("N0", CultureInfo.InvariantCulture) + " characters", section, StringComparison.Ordinal);
        Assert.Contains(PlanLimits.MaxDevices.ToString("N0", CultureInfo.InvariantCulture) + " devices", section, StringComparison.Ordinal);
        Assert.Contains($"deeper than {PlanLimits.MaxNestingDepth} levels", section, StringComparison.Ordinal);
        Assert.Contains($"{Libvirt.DomainXml.MaxDepth} levels of nesting", section, StringComparison.Ordinal);
        Assert.Contains("`" + ValidationRules.ErrorCode + "`", section, StringComparison.Ordinal);
    }
}
