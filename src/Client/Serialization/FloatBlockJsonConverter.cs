using System.Text.Json;
using System.Text.Json.Serialization;
using Autograd.Cluster.Contracts.Buffers;

namespace Autograd.Cluster.Client.Serialization;

/// <summary>Reads and writes a <see cref="FloatBlock"/> as a JSON list of numbers (an in-memory dataset written inline in a job file).</summary>
public sealed class FloatBlockJsonConverter : JsonConverter<FloatBlock>
{
    public override FloatBlock Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected a list of numbers");
        var values = new List<float>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number) throw new JsonException("expected a list of numbers");
            values.Add(reader.GetSingle());
        }

        return FloatBlock.From(values.ToArray());
    }

    public override void Write(Utf8JsonWriter writer, FloatBlock value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (float v in value.ToArray()) writer.WriteNumberValue(v);
        writer.WriteEndArray();
    }
}
