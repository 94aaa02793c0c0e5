using System.Globalization;
using System.Text.Json;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using DevAddr.FleetGen;
using DevAddr.Solver;

// fleetgen generate -o FLEET.jsonl [--guests 10000] [--unique 0.2] [--seed 1]
// fleetgen verify FLEET.jsonl OUT.jsonl   (plans every guest alone, in order, and compares with devaddr fleet's output)
const string Usage = "usage: fleetgen generate -o FLEET.jsonl [--guests N] [--unique FRACTION] [--seed S]\n"
                   + "       fleetgen verify FLEET.jsonl OUT.jsonl";

if (args.Length == 0)
{
    Console.Error.WriteLine(Usage);
    return 1;
}
if (args[0] == "generate")
{
    string? output = null;
    int guests = 10_000;
    double unique = 0.2;
    ulong seed = 1;
    for (int i = 1; i + 1 < args.Length; i += 2)
    {
        switch (args[i])
        {
            case "-o" or "--output": output = args[i + 1]; break;
            case "--guests": guests = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
            case "--unique": unique = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
            case "--seed": seed = ulong.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
            default: Console.Error.WriteLine(Usage); return 1;
        }
    }
    if (output is null || (args.Length - 1) % 2 != 0)
    {
        Console.Error.WriteLine(Usage);
        return 1;
    }
    int n = FleetGenerator.Write(output, seed, guests, unique);
    Console.Error.WriteLine($"fleetgen: wrote {n} guests ({Math.Clamp((int)Math.Round(guests * unique), 1, Math.Max(guests, 1))} distinct shapes) to {output}");
    return 0;
}
if (args[0] == "verify" && args.Length == 3)
{
    var compact = new JsonSerializerOptions(PlanJson.Options) { WriteIndented = false };
    using var fleet = new StreamReader(args[1]);
    using var results = new StreamReader(args[2]);
    long lines = 0, mismatches = 0;
    while (fleet.ReadLine() is string inLine)
    {
        if (string.IsNullOrWhiteSpace(inLine)) continue;
        lines++;
        using var inDoc = JsonDocument.Parse(inLine);
        string id = inDoc.RootElement.GetProperty("id").GetString()!;
        string? outLine = results.ReadLine();
        if (outLine is null)
        {
            Console.Error.WriteLine($"fleetgen: {args[2]} ends before guest '{id}' (line {lines})");
            return 1;
        }
        using var outDoc = JsonDocument.Parse(outLine);
        string outId = outDoc.RootElement.GetProperty("id").GetString()!;
        var (request, readError) = PlanJson.ReadRequest(inDoc.RootElement.GetProperty("request").GetRawText(), yaml: false);
        string expected = readError is not null ? "error:" + JsonSerializer.Serialize(readError, compact)
            : OptimizingPlanner.Plan(request!) switch
            {
                PlanResult.Success s => "plan:" + JsonSerializer.Serialize(s.Plan, compact),
                PlanResult.Failure f => "error:" + JsonSerializer.Serialize(f.Error, compact),
                _ => throw new InvalidOperationException(),
            };
        string actual = outDoc.RootElement.TryGetProperty("plan", out var p) ? "plan:" + p.GetRawText()
            : "error:" + outDoc.RootElement.GetProperty("error").GetRawText();
        if (outId != id || actual != expected)
        {
            if (++mismatches <= 10)
                Console.Error.WriteLine($"fleetgen: line {lines}: guest '{id}' (output has '{outId}') differs from planning it alone");
        }
    }
    if (results.ReadLine() is not null)
    {
        Console.Error.WriteLine($"fleetgen: {args[2]} has more lines than {args[1]}");
        return 1;
    }
    Console.Error.WriteLine(mismatches == 0
        ? $"fleetgen: all {lines} result lines are identical to planning each guest alone, in input order"
        : $"fleetgen: {mismatches} of {lines} result lines differ");
    return mismatches == 0 ? 0 : 1;
}
Console.Error.WriteLine(Usage);
return 1;
