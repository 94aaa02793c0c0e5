using System.Text;
using DevAddr.Golden;

// devaddr-golden check|update|requests [--root DIR]
//   check     plans every golden case and compares with fixtures/golden/plans; exit 1 on any difference
//   update    rewrites the golden files (and removes those without a case); prints what moved
//   requests  draws the generated golden requests again (fixtures/golden/requests); then run update
const string Usage = "usage: devaddr-golden check|update|requests [--root DIR]\n"
                   + "  check     plan every golden case and compare with fixtures/golden/plans (exit 1 on a difference)\n"
                   + "  update    rewrite the golden plans and print what moved (review the diff before committing)\n"
                   + "  requests  draw the generated golden requests again from the guest generator's fixed seeds";

string? verb = args.Length > 0 ? args[0] : null;
string? root = null;
for (int i = 1; i < args.Length; i++)
{
    if (args[i] == "--root" && i + 1 < args.Length) root = args[++i];
    else verb = null;
}

if (verb is not ("check" or "update" or "requests"))
{
    Console.Error.WriteLine(Usage);
    return 2;
}

root ??= FindRoot(Directory.GetCurrentDirectory());
if (root is null || !File.Exists(Path.Combine(root, "DevAddr.Solver.sln")))
{
    Console.Error.WriteLine("devaddr-golden: run it inside the repository or give --root DIR (the directory holding DevAddr.Solver.sln)");
    return 2;
}

if (verb == "requests")
{
    foreach (var (set, count) in GeneratedRequests.Write(root))
        Console.WriteLine($"fixtures/golden/requests/{set}: {count} requests");
    return 0;
}

var cases = GoldenSet.Cases(root);
var texts = GoldenSet.RunAll(cases);
string plansDir = GoldenSet.PlansDir(root);
var report = GoldenReport.Compare(plansDir, cases, texts);
Console.Write(report.Render());
if (verb == "check") return report.Clean ? 0 : 1;

for (int i = 0; i < cases.Count; i++)
{
    string file = Path.Combine(plansDir, cases[i].Path);
    Directory.CreateDirectory(Path.GetDirectoryName(file)!);
    if (!File.Exists(file) || File.ReadAllText(file) != texts[i]) File.WriteAllBytes(file, Encoding.UTF8.GetBytes(texts[i]));
}

foreach (string stale in report.Stale) File.Delete(Path.Combine(plansDir, stale));
foreach (string dir in Directory.EnumerateDirectories(plansDir, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length))
    if (!Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir);
Console.WriteLine($"devaddr-golden: wrote {report.Changed.Count + report.Missing.Count} golden plans, removed {report.Stale.Count}");
return 0;

static string? FindRoot(string start)
{
    for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "DevAddr.Solver.sln"))) return dir.FullName;
    return null;
}
