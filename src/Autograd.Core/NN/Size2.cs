using System.Globalization;

namespace Autograd.NN;

/// <summary>
/// A height and width for the 2-D layers' kernel size, stride, padding and dilation. Converts implicitly from one
/// int (used for both, as PyTorch's <c>_pair</c>) or a tuple: <c>kernelSize: 3</c> and <c>kernelSize: (3, 5)</c>
/// both work. Remembers which form it came from, so reprs print it as PyTorch would; equality compares H and W only.
/// </summary>
public readonly struct Size2 : IEquatable<Size2>
{
    public Size2(int h, int w)
    {
        H = h;
        W = w;
    }

    private Size2(int value)
        : this(value, value) => IsScalar = true;

    public int H { get; }

    public int W { get; }

    /// <summary>True when made from a single int.</summary>
    public bool IsScalar { get; }

    public static implicit operator Size2(int value) => new(value);

    public static implicit operator Size2((int H, int W) value) => new(value.H, value.W);

    public static bool operator ==(Size2 left, Size2 right) => left.Equals(right);

    public static bool operator !=(Size2 left, Size2 right) => !left.Equals(right);

    /// <summary>The tuple form the functional ops take.</summary>
    public (int H, int W) ToTuple() => (H, W);

    public bool Equals(Size2 other) => H == other.H && W == other.W;

    public override bool Equals(object? obj) => obj is Size2 other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(H, W);

    /// <summary>Python's spelling: <c>3</c> for a scalar, <c>(3, 5)</c> for a pair.</summary>
    public override string ToString() => IsScalar ? H.ToString(CultureInfo.InvariantCulture) : PyFormat.Pair((H, W));
}
