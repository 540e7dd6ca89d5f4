using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Autograd.Cluster.Contracts.Specs;

namespace Autograd.Cluster.Client.Serialization;

/// <summary>
/// Reads and writes a <see cref="LayerSpec"/> flat, as a job file gives it: <c>"type"</c> plus the constructor's
/// arguments as their own properties (<c>{ "type": "Conv2d", "inChannels": 1, "outChannels": 32, "kernelSize": 3 }</c>).
/// Numbers and booleans become the spec's argument text; a list of numbers (<c>[3, 3]</c>) becomes <c>"3,3"</c>.
/// </summary>
public sealed class LayerSpecJsonConverter : JsonConverter<LayerSpec>
{
    public override LayerSpec Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new JsonException("a layer is an object such as { \"type\": \"Linear\", \"inFeatures\": 4, \"outFeatures\": 2 }");
        string? type = null;
        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            string name = reader.GetString()!;
            reader.Read();
            if (name == "type")
            {
                if (reader.TokenType != JsonTokenType.String)
                    throw new JsonException("a layer's \"type\" is the module's name as a string (\"Linear\", \"Conv2d\", ...)");
                type = reader.GetString();
                continue;
            }

            args[name] = ReadArgument(ref reader, name);
        }

        if (string.IsNullOrWhiteSpace(type))
            throw new JsonException("a layer needs \"type\": the module's name (\"Linear\", \"Conv2d\", \"ReLU\", ...)");
        return new LayerSpec { Type = type, Args = args };
    }

    public override void Write(Utf8JsonWriter writer, LayerSpec value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("type", value.Type);
        foreach (var (name, text) in value.Args)
        {
            writer.WritePropertyName(name);
            WriteArgument(writer, text);
        }

        writer.WriteEndObject();
    }

    private static string ReadArgument(ref Utf8JsonReader reader, string name)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
            case JsonTokenType.String:
                return Text(ref reader);
            case JsonTokenType.True:
                return "true";
            case JsonTokenType.False:
                return "false";
            case JsonTokenType.StartArray:
            {
                var parts = new List<string>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.Number)
                        throw new JsonException($"layer argument '{name}': a list holds numbers only, e.g. [3, 3]");
                    parts.Add(Text(ref reader));
                }

                return string.Join(",", parts);
            }

            default:
                throw new JsonException($"layer argument '{name}' must be a number, true/false, a string or a list of numbers, not {reader.TokenType}");
        }
    }

    // The number as written in the file (so 0.5 stays "0.5" and 1e-3 keeps its value), or the string's text.
    private static string Text(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.String
        ? reader.GetString()!
        : reader.GetDouble().ToString("R", CultureInfo.InvariantCulture);

    private static void WriteArgument(Utf8JsonWriter writer, string text)
    {
        if (text is "true" or "false")
        {
            writer.WriteBooleanValue(text == "true");
        }
        else if (IsNumber(text))
        {
            writer.WriteRawValue(text);
        }
        else if (text.Contains(',') && text.Split(',').All(IsNumber))
        {
            writer.WriteStartArray();
            foreach (var part in text.Split(',')) writer.WriteRawValue(part.Trim());
            writer.WriteEndArray();
        }
        else
        {
            writer.WriteStringValue(text);
        }
    }

    // Only the forms JSON itself allows for a number, so that the raw value written is valid JSON.
    private static bool IsNumber(string text)
    {
        string t = text.Trim();
        if (t.Length == 0 || t.StartsWith('+') || t.StartsWith('.') || t.EndsWith('.')) return false;
        if (t.Length > 1 && t[0] == '0' && char.IsDigit(t[1])) return false;
        return double.TryParse(t, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out double d)
            && double.IsFinite(d);
    }
}
