using System.Globalization;
using ScottPlot;

namespace DevAddr.Cli.Whatif;

/// <summary>Draws a sweep as a PNG (ScottPlot): x the swept value; y controllers added, spare places, bus numbers (left axis) and the objective (right axis).</summary>
internal static class SweepPlot
{
    public const int Width = 1000;
    public const int Height = 600;

    /// <summary>The PNG bytes. Values whose plan failed are left out of the lines and named in the title.</summary>
    public static byte[] Png(SweepSpec sweep, IReadOnlyList<WhatifOutcome> outcomes, string title)
    {
        var planned = outcomes.Where(o => o.Metrics is not null && o.Scenario.Value is not null).ToList();
        double[] xs = planned.Select(o => (double)o.Scenario.Value!.Value).ToArray();
        var plot = new Plot();

        if (xs.Length > 0)
        {
            Series(plot, xs, planned.Select(o => (double)o.Metrics!.ControllersAdded), "PCI controllers added", LinePattern.Solid, MarkerShape.FilledCircle);
            Series(plot, xs, planned.Select(o => (double)o.Metrics!.SparePlaces), "spare hot-pluggable places", LinePattern.Solid, MarkerShape.FilledSquare);
            Series(plot, xs, planned.Select(o => (double)o.Metrics!.BusNumbers), "bus numbers used", LinePattern.Solid, MarkerShape.FilledTriangleUp);
            if (sweep.Node is int node)
                Series(plot, xs, planned.Select(o => (double)o.Metrics!.SpareByNode.GetValueOrDefault(node)), $"spare places on NUMA node {node}", LinePattern.Dotted, MarkerShape.FilledDiamond);
            var objective = Series(plot, xs, planned.Select(o => (double)(o.Metrics!.Objective ?? 0)), "objective (right axis)", LinePattern.Dashed, MarkerShape.OpenCircle);
            objective.Axes.YAxis = plot.Axes.Right;
        }

        int failed = outcomes.Count - planned.Count;
        plot.Title(failed == 0 ? title : string.Create(CultureInfo.InvariantCulture, $"{title} ({failed} value(s) not planned: see the table)"));
        plot.Axes.Bottom.Label.Text = sweep.Tunable;
        plot.Axes.Left.Label.Text = "count";
        plot.Axes.Right.Label.Text = "objective";
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Axes.Right.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Legend.Alignment = Alignment.UpperLeft;
        plot.ShowLegend();
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    private static ScottPlot.Plottables.Scatter Series(Plot plot, double[] xs, IEnumerable<double> ys, string label, LinePattern pattern, MarkerShape marker)
    {
        var s = plot.Add.Scatter(xs, ys.ToArray());
        s.LegendText = label;
        s.LinePattern = pattern;
        s.LineWidth = 2;
        s.MarkerShape = marker;
        s.MarkerSize = 7;
        return s;
    }
}
