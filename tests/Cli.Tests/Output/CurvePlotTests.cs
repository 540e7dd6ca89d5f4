using System.Xml.Linq;
using Autograd.Cluster.Cli.Output;
using Autograd.Cluster.Contracts.Status;
using Xunit;

namespace Autograd.Cluster.Cli.Tests.Output;

public sealed class CurvePlotTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void Render_StepsAndEpochs_DrawsEachSeriesWithItsLegend()
    {
        EpochMetrics[] epochs =
        [
            new(0, 1.2, 0.55, 600, 1.0, 600, TestLoss: 1.1, TestAccuracy: 0.6),
            new(1, 0.8, 0.70, 600, 1.0, 600, TestLoss: 0.9, TestAccuracy: 0.68),
        ];

        var svg = XDocument.Parse(CurvePlot.Render([(1, 1.5), (5, 1.1), (10, 0.9)], epochs, 5, "job <x> & co"));

        var legends = svg.Descendants(Svg + "text").Select(t => t.Value.TrimStart('\u25A0', ' ')).ToList();
        Assert.Equal(5, svg.Descendants(Svg + "polyline").Count());
        Assert.Contains("step loss", legends);
        Assert.Contains("epoch mean loss", legends);
        Assert.Contains("test loss", legends);
        Assert.Contains("training accuracy", legends);
        Assert.Contains("test accuracy", legends);
        Assert.Contains("job <x> & co", legends);
        // The step-loss line has one vertex per sample.
        Assert.Equal(3, svg.Descendants(Svg + "polyline").First().Attribute("points")!.Value.Split(' ').Length);
    }

    [Fact]
    public void Render_RegressionWithoutAccuracy_SaysNoDataInTheAccuracyPanel()
    {
        var svg = XDocument.Parse(CurvePlot.Render([(1, 0.5)], [new EpochMetrics(0, 0.4, null, 32, 0.1, 320)], 2, "regression"));

        Assert.Contains("no data", svg.Descendants(Svg + "text").Select(t => t.Value));
        Assert.Equal(2, svg.Descendants(Svg + "polyline").Count());
    }
}
