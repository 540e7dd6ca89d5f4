using Autograd.NN;
using Xunit;

namespace Autograd.Tests.NN;

public sealed class PyFormatTests
{
    // repr(v) in Python 3.11 for each value.
    [Theory]
    [InlineData(1e-5, "1e-05")]
    [InlineData(0.1, "0.1")]
    [InlineData(0.01, "0.01")]
    [InlineData(1.0, "1.0")]
    [InlineData(100.0, "100.0")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(123456.789, "123456.789")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00012, "0.00012")]
    [InlineData(1.5e-7, "1.5e-07")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(3e20, "3e+20")]
    [InlineData(0.0, "0.0")]
    [InlineData(double.NaN, "nan")]
    [InlineData(double.NegativeInfinity, "-inf")]
    public void Float_MatchesPythonRepr(double value, string expected)
    {
        Assert.Equal(expected, PyFormat.Float(value));
    }

    [Fact]
    public void Size2_FromIntOrTuple_PrintsAsPythonAndComparesByValue()
    {
        Size2 scalar = 3;
        Size2 pair = (3, 5);

        Assert.Equal("3", scalar.ToString());
        Assert.Equal("(3, 5)", pair.ToString());
        Assert.Equal(new Size2(3, 3), scalar);
        Assert.Equal((3, 5), pair.ToTuple());
    }
}
