namespace Autograd.Serialization;

/// <summary>
/// Reads byte counts that an untrusted header declared. A hostile header can claim gigabytes in a
/// few bytes; allocating the claim up front would let a tiny file exhaust memory. So the claim is
/// checked against the stream's real remaining length where the stream can tell it, and otherwise
/// (gzip, network) the buffer grows geometrically only as bytes actually arrive: memory used is
/// at most about twice what the stream really held.
/// </summary>
internal static class BoundedStreamReader
{
    // First chunk for streams of unknown length: large enough that real files need few resizes.
    private const int FirstChunk = 1 << 20;

    /// <summary>Reads exactly <paramref name="count"/> bytes or throws <see cref="InvalidDataException"/>
    /// naming <paramref name="source"/> and <paramref name="what"/>.</summary>
    public static byte[] ReadExactly(Stream stream, long count, string source, string what)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count > Array.MaxLength)
            throw new InvalidDataException(
                $"{source}: {what} declares {count} bytes, more than one array can hold ({Array.MaxLength}).");
        if (count == 0)
            return [];

        long? remaining = RemainingLength(stream);
        if (remaining is { } r)
        {
            if (r < count)
                throw Truncated(source, what, count, r);
            var exact = new byte[count];
            int got = stream.ReadAtLeast(exact, exact.Length, throwOnEndOfStream: false);
            if (got < count)
                throw Truncated(source, what, count, got);
            return exact;
        }

        var buffer = new byte[Math.Min(count, FirstChunk)];
        int filled = 0;
        while (true)
        {
            int n = stream.Read(buffer, filled, buffer.Length - filled);
            if (n == 0)
                throw Truncated(source, what, count, filled);
            filled += n;
            if (filled == count)
                return buffer;
            if (filled == buffer.Length)
                Array.Resize(ref buffer, (int)Math.Min(count, (long)buffer.Length * 2));
        }
    }

    /// <summary>Bytes left in a seekable stream, or null when the stream cannot say.</summary>
    public static long? RemainingLength(Stream stream)
    {
        if (!stream.CanSeek)
            return null;
        return Math.Max(0, stream.Length - stream.Position);
    }

    /// <summary>Throws when the stream still has bytes: formats whose header describes the whole
    /// file must not carry unexplained trailing data (a polyglot file hides a second payload there).</summary>
    public static void ExpectEnd(Stream stream, string source, string what)
    {
        if (RemainingLength(stream) is { } r)
        {
            if (r > 0)
                throw new InvalidDataException($"{source}: {r} unexpected trailing bytes after {what}.");
            return;
        }
        if (stream.ReadByte() != -1)
            throw new InvalidDataException($"{source}: unexpected trailing bytes after {what}.");
    }

    private static InvalidDataException Truncated(string source, string what, long wanted, long got) =>
        new($"{source}: truncated: {what} needs {wanted} bytes but only {got} remain.");
}
