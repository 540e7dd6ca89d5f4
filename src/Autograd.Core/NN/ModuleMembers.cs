using System.Collections.Concurrent;
using System.Reflection;

namespace Autograd.NN;

/// <summary>What a field of a module holds, as far as the module tree is concerned.</summary>
internal enum MemberKind
{
    /// <summary>A <see cref="Module"/>: a child.</summary>
    Module,

    /// <summary>A <see cref="Tensor"/>: a parameter when it requires grad (read at the time of asking).</summary>
    Tensor,

    /// <summary>A <see cref="Tensor"/> marked <see cref="BufferAttribute"/>.</summary>
    Buffer,
}

/// <summary>One instance field of a module type that holds a child, a parameter or a buffer.</summary>
internal sealed record MemberSlot(string Name, FieldInfo Field, MemberKind Kind, bool Persistent)
{
    public object? Get(Module owner) => Field.GetValue(owner);

    /// <summary>Replaces the value (readonly instance fields included: reflection may write them after construction).</summary>
    public void Set(Module owner, object? value) => Field.SetValue(owner, value);
}

/// <summary>
/// Finds, once per module type, the fields that hold children, parameters and buffers: instance fields of any
/// visibility (readonly and auto-property backing fields included), base classes first, each class's fields in
/// declaration order (metadata token order). Names follow PyTorch: <c>fc1</c>, <c>_fc1</c> and an auto-property
/// <c>Fc1</c> all become <c>fc1</c>; <see cref="BufferAttribute.Name"/> overrides a buffer's name.
/// </summary>
internal static class ModuleMembers
{
    private static readonly ConcurrentDictionary<Type, MemberSlot[]> Cache = new();

    public static MemberSlot[] For(Type type) => Cache.GetOrAdd(type, Discover);

    /// <summary>The PyTorch-style name of a field: backing-field and leading-underscore decoration removed, first letter lowered.</summary>
    internal static string NameOf(string fieldName)
    {
        string name = fieldName;
        if (name.StartsWith('<'))
        {
            int close = name.IndexOf('>');
            if (close > 1) name = name[1..close];
        }

        string trimmed = name.TrimStart('_');
        if (trimmed.Length == 0) return name;
        return char.ToLowerInvariant(trimmed[0]) + trimmed[1..];
    }

    private static MemberSlot[] Discover(Type type)
    {
        var chain = new List<Type>();
        for (var t = type; t is not null && t != typeof(Module); t = t.BaseType) chain.Add(t);
        chain.Reverse();

        var slots = new List<MemberSlot>();
        var byName = new Dictionary<string, FieldInfo>(StringComparer.Ordinal);
        foreach (var declaring in chain)
        {
            var fields = declaring.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly);
            Array.Sort(fields, (a, b) => a.MetadataToken.CompareTo(b.MetadataToken));
            foreach (var field in fields)
            {
                MemberKind kind;
                if (typeof(Module).IsAssignableFrom(field.FieldType))
                {
                    kind = MemberKind.Module;
                }
                else if (field.FieldType == typeof(Tensor))
                {
                    kind = MemberKind.Tensor;
                }
                else
                {
                    continue;
                }

                var buffer = BufferAttributeOf(field, declaring);
                if (buffer is not null && kind != MemberKind.Tensor)
                    throw new InvalidOperationException($"{type.Name}.{field.Name}: [Buffer] applies to Tensor fields only, not {field.FieldType.Name}");
                if (buffer is not null) kind = MemberKind.Buffer;
                string name = buffer?.Name ?? NameOf(field.Name);
                if (byName.TryGetValue(name, out var clash))
                    throw new InvalidOperationException($"{type.Name}: fields '{clash.Name}' and '{field.Name}' both map to the name '{name}'; rename one or give the buffer an explicit [Buffer(\"name\")]");
                byName.Add(name, field);
                slots.Add(new MemberSlot(name, field, kind, buffer?.Persistent ?? true));
            }
        }

        return slots.ToArray();
    }

    /// <summary>The [Buffer] on the field or, for an auto-property's backing field, on the property.</summary>
    private static BufferAttribute? BufferAttributeOf(FieldInfo field, Type declaring)
    {
        var onField = field.GetCustomAttribute<BufferAttribute>();
        if (onField is not null || !field.Name.StartsWith('<')) return onField;
        int close = field.Name.IndexOf('>');
        if (close <= 1) return null;
        var property = declaring.GetProperty(field.Name[1..close], BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly);
        return property?.GetCustomAttribute<BufferAttribute>();
    }
}
