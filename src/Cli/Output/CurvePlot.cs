using System.Globalization;
using System.Text;
using Autograd.Cluster.Contracts.Status;

namespace Autograd.Cluster.Cli.Output;

/// <summary>
/// Draws a job's training curves as a small standalone SVG: on the left the loss (the steps' losses as sampled while
/// watching, each epoch's mean loss, the test loss), on the right the accuracy per epoch (training and test).
/// </summary>
internal static class CurvePlot
{
    private const int PanelWidth = 420;
    private const int PanelHeight = 280;
    private const int Margin = 48;

    public static void Write(string path, IReadOnlyList<(long Step, double Loss)> stepLosses, IReadOnlyList<EpochMetrics> epochs, long stepsPerEpoch, string title)
    {
        File.WriteAllText(path, Render(stepLosses, epochs, stepsPerEpoch, title));
    }

    public static string Render(IReadOnlyList<(long Step, double Loss)> stepLosses, IReadOnlyList<EpochMetrics> epochs, long stepsPerEpoch, string title)
    {
        var svg = new StringBuilder();
        int width = (2 * PanelWidth) + (3 * Margin);
        int height = PanelHeight + (2 * Margin) + 40;
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Margin}\" y=\"20\" font-size=\"14\">{Escape(title)}</text>\n");

        var loss = new List<Series>();
        if (stepLosses.Count > 0) loss.Add(new Series("step loss", "#9db4d8", stepLosses.Select(p => ((double)p.Step, p.Loss)).ToList(), false));
        long perEpoch = Math.Max(stepsPerEpoch, 1);
        loss.Add(new Series("epoch mean loss", "#1f4e9c", epochs.Select(e => ((double)(e.Epoch + 1) * perEpoch, e.MeanLoss)).ToList(), true));
        var testLoss = epochs.Where(e => e.TestLoss is not null).Select(e => ((double)(e.Epoch + 1) * perEpoch, e.TestLoss!.Value)).ToList();
        if (testLoss.Count > 0) loss.Add(new Series("test loss", "#d2691e", testLoss, true));
        Panel(svg, Margin, 40, "loss", "step", loss, zeroBased: false);

        var accuracy = new List<Series>();
        var train = epochs.Where(e => e.Accuracy is not null).Select(e => ((double)(e.Epoch + 1), e.Accuracy!.Value * 100)).ToList();
        var test = epochs.Where(e => e.TestAccuracy is not null).Select(e => ((double)(e.Epoch + 1), e.TestAccuracy!.Value * 100)).ToList();
        if (train.Count > 0) accuracy.Add(new Series("training accuracy", "#1f4e9c", train, true));
        if (test.Count > 0) accuracy.Add(new Series("test accuracy", "#d2691e", test, true));
        Panel(svg, (2 * Margin) + PanelWidth, 40, "accuracy (%)", "epoch", accuracy, zeroBased: false);
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void Panel(StringBuilder svg, int left, int top, string yLabel, string xLabel, List<Series> series, bool zeroBased)
    {
        svg.Append(CultureInfo.InvariantCulture, $"<g transform=\"translate({left},{top})\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{PanelWidth}\" height=\"{PanelHeight}\" fill=\"none\" stroke=\"#888\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{PanelWidth / 2}\" y=\"{PanelHeight + 32}\" text-anchor=\"middle\">{xLabel}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"4\" y=\"-6\">{Escape(yLabel)}</text>\n");
        var points = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.Y)).ToList();
        if (points.Count == 0)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{PanelWidth / 2}\" y=\"{PanelHeight / 2}\" text-anchor=\"middle\" fill=\"#888\">no data</text>\n</g>\n");
            return;
        }

        double xMin = Math.Min(0, points.Min(p => p.X)), xMax = points.Max(p => p.X);
        double yMin = zeroBased ? 0 : points.Min(p => p.Y), yMax = points.Max(p => p.Y);
        if (xMax <= xMin) xMax = xMin + 1;
        if (yMax - yMin < 1e-12) { yMin -= 0.5; yMax += 0.5; }
        double pad = (yMax - yMin) * 0.05;
        yMin -= pad;
        yMax += pad;
        double X(double x) => (x - xMin) / (xMax - xMin) * PanelWidth;
        double Y(double y) => PanelHeight - ((y - yMin) / (yMax - yMin) * PanelHeight);

        for (int i = 0; i <= 4; i++)
        {
            double value = yMin + ((yMax - yMin) * i / 4);
            double y = Y(value);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"0\" y1=\"{y:0.#}\" x2=\"{PanelWidth}\" y2=\"{y:0.#}\" stroke=\"#eee\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"-4\" y=\"{y + 4:0.#}\" text-anchor=\"end\" font-size=\"10\">{Tick(value)}</text>\n");
        }

        // Steps and epochs are whole numbers: ticks at multiples of 1, 2 or 5 x 10^k, at most about six of them.
        double spacing = NiceSpacing((xMax - xMin) / 5);
        for (double xv = Math.Ceiling(xMin / spacing) * spacing; xv <= xMax + 1e-9; xv += spacing)
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(xv):0.#}\" y=\"{PanelHeight + 14}\" text-anchor=\"middle\" font-size=\"10\">{Tick(xv)}</text>\n");

        int legend = 0;
        foreach (var s in series.Where(s => s.Points.Count > 0))
        {
            var coords = string.Join(" ", s.Points.Where(p => double.IsFinite(p.Y)).Select(p => string.Create(CultureInfo.InvariantCulture, $"{X(p.X):0.##},{Y(p.Y):0.##}")));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{s.Color}\" stroke-width=\"{(s.Markers ? 2 : 1)}\" points=\"{coords}\"/>\n");
            if (s.Markers)
            {
                foreach (var p in s.Points.Where(p => double.IsFinite(p.Y)))
                    svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{X(p.X):0.##}\" cy=\"{Y(p.Y):0.##}\" r=\"3\" fill=\"{s.Color}\"/>\n");
            }

            // The legend sits in a row under the panel, clear of the curves.
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{legend * (PanelWidth / 3)}\" y=\"{PanelHeight + 52}\" fill=\"{s.Color}\">&#9632; {Escape(s.Name)}</text>\n");
            legend++;
        }

        svg.Append("</g>\n");
    }

    private static double NiceSpacing(double raw)
    {
        if (raw <= 1) return 1;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double fraction = raw / magnitude;
        return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude;
    }

    private static string Tick(double value) => Math.Abs(value) >= 1000 || value == Math.Round(value)
        ? value.ToString("0", CultureInfo.InvariantCulture)
        : value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private sealed record Series(string Name, string Color, List<(double X, double Y)> Points, bool Markers);
}
