using System.Buffers.Binary;
using System.Diagnostics;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Silo.DataPlane;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.DataPlane;

public sealed class FrameCodecTests
{
    private static readonly FrameHeader Reduce = new(FrameKind.Reduce, 7, true, 1L << 40, 3, 2, 128, GradientChunks.Floats, GradientChunks.Floats, 9);

    [Fact]
    public void Read_WhatWriteWrote_GivesTheSameHeader()
    {
        var bytes = new byte[FrameCodec.HeaderSize];
        FrameCodec.Write(bytes, Reduce);

        Assert.Equal(Reduce, FrameCodec.Read(bytes));
    }

    [Fact]
    public void Read_ReduceWithoutTraceContext_HasNoneAndOnlyItsKeyAfterTheHeader()
    {
        var bytes = new byte[FrameCodec.HeaderSize];
        FrameCodec.Write(bytes, Reduce);

        var frame = FrameCodec.Read(bytes);

        Assert.False(frame.HasTraceContext);
        Assert.Equal(1, bytes[7]);
        Assert.Equal(Reduce.KeyLength, FrameCodec.ExtraSize(frame));
    }

    [Theory]
    [InlineData(false, ActivityTraceFlags.Recorded)]
    [InlineData(true, ActivityTraceFlags.None)]
    public void Read_ReduceWithTraceContext_GivesTheSameHeaderAndTheSendersContext(bool nonFinite, ActivityTraceFlags traceFlags)
    {
        var traced = Reduce with { NonFinite = nonFinite, HasTraceContext = true };
        var sent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), traceFlags);
        var bytes = new byte[FrameCodec.HeaderSize + FrameCodec.TraceContextSize];
        FrameCodec.Write(bytes, traced);
        FrameCodec.WriteTraceContext(bytes.AsSpan(FrameCodec.HeaderSize), sent);

        var frame = FrameCodec.Read(bytes);
        var context = FrameCodec.ReadTraceContext(bytes.AsSpan(FrameCodec.HeaderSize));

        Assert.Equal(traced, frame);
        Assert.Equal(FrameCodec.TraceContextSize + traced.KeyLength, FrameCodec.ExtraSize(frame));
        Assert.Equal((sent.TraceId, sent.SpanId, sent.TraceFlags), (context.TraceId, context.SpanId, context.TraceFlags));
        Assert.True(context.IsRemote);
    }

    [Fact]
    public void WriteTraceContext_FlagsBeyondSampled_AreNotSent()
    {
        var bytes = new byte[FrameCodec.TraceContextSize];
        FrameCodec.WriteTraceContext(bytes, new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), (ActivityTraceFlags)0x03));

        Assert.Equal(ActivityTraceFlags.Recorded, FrameCodec.ReadTraceContext(bytes).TraceFlags);
    }

    [Fact]
    public void WriteTraceContext_InvalidContext_Throws()
    {
        Assert.Throws<ArgumentException>(() => FrameCodec.WriteTraceContext(new byte[FrameCodec.TraceContextSize], default));
        Assert.Throws<ArgumentException>(() => FrameCodec.WriteTraceContext(
            new byte[FrameCodec.TraceContextSize - 1], new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.None)));
    }

    [Theory]
    [InlineData("trace flags", "trace flags 0x02 are not valid")]
    [InlineData("all trace flags", "trace flags 0xff are not valid")]
    [InlineData("zero trace id", "trace id is zero")]
    [InlineData("zero span id", "span id is zero")]
    [InlineData("cut short", "a trace context needs 25 bytes, got 24")]
    public void ReadTraceContext_OutsideTheProtocol_RefusesNamingIt(string hostile, string expected)
    {
        var bytes = new byte[FrameCodec.TraceContextSize];
        FrameCodec.WriteTraceContext(bytes, new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded));
        switch (hostile)
        {
            case "trace flags": bytes[24] = 2; break;
            case "all trace flags": bytes[24] = 0xff; break;
            case "zero trace id": bytes.AsSpan(0, 16).Clear(); break;
            case "zero span id": bytes.AsSpan(16, 8).Clear(); break;
            case "cut short": bytes = bytes[..^1]; break;
        }

        var e = Assert.Throws<DataPlaneProtocolException>(() => FrameCodec.ReadTraceContext(bytes));

        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Write_TraceContextOrNonFiniteOnAnAnswer_Throws()
    {
        var bytes = new byte[FrameCodec.HeaderSize];

        Assert.Throws<ArgumentException>(() => FrameCodec.Write(bytes, new FrameHeader(FrameKind.Answer, 1, false, 0, 0, 0, 0, 0, 1, 0, HasTraceContext: true)));
        Assert.Throws<ArgumentException>(() => FrameCodec.Write(bytes, new FrameHeader(FrameKind.Error, 1, true, 0, 0, 0, 0, 0, 1, 0)));
    }

    [Fact]
    public void Read_AnswerAndError_RoundTrip()
    {
        var answer = new FrameHeader(FrameKind.Answer, uint.MaxValue, false, 0, 0, 0, 0, 0, 5, 0);
        var error = new FrameHeader(FrameKind.Error, 1, false, 0, 0, 0, 0, 0, FrameCodec.MaxErrorBytes, 0);
        var bytes = new byte[FrameCodec.HeaderSize];

        FrameCodec.Write(bytes, answer);
        Assert.Equal(answer, FrameCodec.Read(bytes));
        FrameCodec.Write(bytes, error);
        Assert.Equal(error, FrameCodec.Read(bytes));
    }

    [Theory]
    [InlineData(0, 0xDEADBEEFu, "bad magic")]
    [InlineData(4, 2u, "version 2")]
    [InlineData(6, 9u, "unknown frame kind 9")]
    [InlineData(7, 8u, "flags 0x08")]
    [InlineData(7, 0x83u, "flags 0x83")]
    [InlineData(36, (uint)(GradientChunks.Floats + 1), "the limit is 524288")]
    [InlineData(36, uint.MaxValue, "a Reduce frame of -1")]
    [InlineData(40, 0u, "key length 0")]
    [InlineData(40, (uint)(FrameCodec.MaxKeyBytes + 1), "key length 513")]
    [InlineData(42, 1u, "reserved")]
    public void Read_FieldOutsideTheProtocol_RefusesNamingIt(int at, uint value, string expected)
    {
        var bytes = new byte[FrameCodec.HeaderSize];
        FrameCodec.Write(bytes, Reduce);
        Poke(bytes, at, value);

        var e = Assert.Throws<DataPlaneProtocolException>(() => FrameCodec.Read(bytes));

        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Read_FlagsOrKeyOnAnAnswer_Refuses()
    {
        var bytes = new byte[FrameCodec.HeaderSize];
        FrameCodec.Write(bytes, new FrameHeader(FrameKind.Answer, 1, false, 0, 0, 0, 0, 0, 1, 0));
        Poke(bytes, 40, 3);

        Assert.Contains("key length 3 on a Answer frame", Assert.Throws<DataPlaneProtocolException>(() => FrameCodec.Read(bytes)).Message);
        Poke(bytes, 40, 0);
        bytes[7] = 1;
        Assert.Contains("not valid on a Answer frame", Assert.Throws<DataPlaneProtocolException>(() => FrameCodec.Read(bytes)).Message);
        bytes[7] = 2;
        Assert.Contains("flags 0x02 are not valid on a Answer frame", Assert.Throws<DataPlaneProtocolException>(() => FrameCodec.Read(bytes)).Message);
    }

    [Fact]
    public void Read_SharedReduceAndAnswer_RoundTripWithTheSlotAfterTheTraceContext()
    {
        var shared = Reduce with { HasTraceContext = true, Shared = true };
        var answer = new FrameHeader(FrameKind.Answer, 3, false, 0, 0, 0, 0, 0, 5, 0, Shared: true);
        var bytes = new byte[FrameCodec.HeaderSize];

        FrameCodec.Write(bytes, shared);
        Assert.Equal(shared, FrameCodec.Read(bytes));
        Assert.Equal(FrameCodec.TraceContextSize + FrameCodec.SharedOffsetSize + Reduce.KeyLength, FrameCodec.ExtraSize(shared));
        Assert.Equal(FrameCodec.TraceContextSize, FrameCodec.SharedOffsetPosition(shared));
        FrameCodec.Write(bytes, answer);
        Assert.Equal(answer, FrameCodec.Read(bytes));
        // An answer's floats are in the slot its reduce named: nothing but the header.
        Assert.Equal(0, FrameCodec.ExtraSize(answer));
    }

    [Fact]
    public void Write_SharedOnAnErrorOrRegionFrame_Throws()
    {
        var bytes = new byte[FrameCodec.HeaderSize];

        Assert.Throws<ArgumentException>(() => FrameCodec.Write(bytes, new FrameHeader(FrameKind.Error, 1, false, 0, 0, 0, 0, 0, 1, 0, Shared: true)));
        Assert.Throws<ArgumentException>(() => FrameCodec.Write(bytes, new FrameHeader(FrameKind.MapRegion, 1, false, 0, 0, 0, 0, 0, 1, 0, Shared: true)));
    }

    [Theory]
    [InlineData(0, 10, 10)]
    [InlineData(90, 10, 100)]
    public void ReadSharedOffset_SlotWithinTheRegion_IsRead(int offset, int count, int regionFloats)
    {
        var bytes = new byte[FrameCodec.SharedOffsetSize];
        FrameCodec.WriteSharedOffset(bytes, offset);

        Assert.Equal(offset, FrameCodec.ReadSharedOffset(bytes, count, regionFloats));
    }

    [Theory]
    [InlineData(91, 10, 100)]
    [InlineData(-1, 1, 100)]
    [InlineData(int.MaxValue, 1, 100)]
    public void ReadSharedOffset_SlotPastTheRegion_RefusesNamingIt(int offset, int count, int regionFloats)
    {
        var bytes = new byte[FrameCodec.SharedOffsetSize];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, offset);

        var e = Assert.Throws<DataPlaneProtocolException>(() => FrameCodec.ReadSharedOffset(bytes, count, regionFloats));

        Assert.Contains($"[{offset}, {(long)offset + count}) is not within a region of {regionFloats} floats", e.Message);
    }

    [Fact]
    public void DecodeRegion_WhatEncodeRegionWrote_GivesThePathAndSize()
    {
        var payload = FrameCodec.EncodeRegion("/dev/shm/autograd-dataplane-x", 1L << 26);
        var bytes = new byte[FrameCodec.HeaderSize];
        FrameCodec.Write(bytes, new FrameHeader(FrameKind.MapRegion, 0, false, 0, 0, 0, 0, 0, payload.Length, 0));

        Assert.Equal(FrameKind.MapRegion, FrameCodec.Read(bytes).Kind);
        Assert.Equal(("/dev/shm/autograd-dataplane-x", 1L << 26), FrameCodec.DecodeRegion(payload));
    }

    [Fact]
    public void Read_RegionFramesOutsideTheirLimits_Refuse()
    {
        var bytes = new byte[FrameCodec.HeaderSize];
        FrameCodec.Write(bytes, new FrameHeader(FrameKind.MapRegion, 0, false, 0, 0, 0, 0, 0, 8 + FrameCodec.MaxRegionPathBytes + 1, 0));
        Assert.Contains($"the limit is {8 + FrameCodec.MaxRegionPathBytes}", Assert.Throws<DataPlaneProtocolException>(() => FrameCodec.Read(bytes)).Message);
        FrameCodec.Write(bytes, new FrameHeader(FrameKind.RegionMapped, 0, false, 0, 0, 0, 0, 0, 1, 0));
        Assert.Contains("the limit is 0", Assert.Throws<DataPlaneProtocolException>(() => FrameCodec.Read(bytes)).Message);
        FrameCodec.Write(bytes, new FrameHeader(FrameKind.RegionMapped, 0, false, 0, 0, 0, 0, 0, 0, 0));
        bytes[7] = 4;
        Assert.Contains("flags 0x04 are not valid on a RegionMapped frame", Assert.Throws<DataPlaneProtocolException>(() => FrameCodec.Read(bytes)).Message);
    }

    [Fact]
    public void DecodeRegion_NoPathOrNotUtf8_Refuses()
    {
        Assert.Contains("names no path", Assert.Throws<DataPlaneProtocolException>(() => FrameCodec.DecodeRegion(new byte[8])).Message);
        Assert.Contains("not UTF-8", Assert.Throws<DataPlaneProtocolException>(() => FrameCodec.DecodeRegion([0, 0, 0, 0, 0, 0, 0, 0, 0xff])).Message);
    }

    [Fact]
    public void Read_ErrorLongerThanItsLimit_Refuses()
    {
        var bytes = new byte[FrameCodec.HeaderSize];
        FrameCodec.Write(bytes, new FrameHeader(FrameKind.Error, 1, false, 0, 0, 0, 0, 0, 1, 0));
        Poke(bytes, 36, FrameCodec.MaxErrorBytes + 1);

        Assert.Contains($"the limit is {FrameCodec.MaxErrorBytes}", Assert.Throws<DataPlaneProtocolException>(() => FrameCodec.Read(bytes)).Message);
    }

    [Fact]
    public void Read_ShortBuffer_Refuses()
    {
        Assert.Contains("needs 44 bytes", Assert.Throws<DataPlaneProtocolException>(() => FrameCodec.Read(new byte[10])).Message);
    }

    [Fact]
    public void DecodeKey_MemberKey_ComesBack()
    {
        Assert.Equal("job~2/3", FrameCodec.DecodeKey(FrameCodec.EncodeKey("job~2/3")));
    }

    [Fact]
    public void DecodeKey_InvalidUtf8OrNotAMemberKey_Refuses()
    {
        Assert.Contains("not UTF-8", Assert.Throws<DataPlaneProtocolException>(() => FrameCodec.DecodeKey([0x6a, 0xff, 0x2f, 0x31])).Message);
        Assert.Contains("'job' is not a shard key", Assert.Throws<DataPlaneProtocolException>(() => FrameCodec.DecodeKey("job"u8)).Message);
    }

    [Fact]
    public void EncodeKey_LongerThanTheLimit_Throws()
    {
        Assert.Throws<ArgumentException>(() => FrameCodec.EncodeKey(new string('j', FrameCodec.MaxKeyBytes) + "/0"));
    }

    [Fact]
    public void EncodeError_LongMessage_IsCutToTheLimit()
    {
        Assert.Equal(FrameCodec.MaxErrorBytes, FrameCodec.EncodeError(new string('x', 3 * FrameCodec.MaxErrorBytes)).Length);
    }

    private static void Poke(byte[] bytes, int at, uint value)
    {
        switch (at)
        {
            case 4 or 40 or 42: BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at), (ushort)value); break;
            case 6 or 7: bytes[at] = (byte)value; break;
            default: BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), value); break;
        }
    }
}
