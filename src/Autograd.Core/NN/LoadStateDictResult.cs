namespace Autograd.NN;

/// <summary>
/// What <see cref="Module.LoadStateDict"/> could not match (PyTorch's <c>_IncompatibleKeys</c>): keys the module
/// has that the dictionary lacked, and keys of the dictionary the module does not have. Both are empty after a
/// strict load, which throws instead.
/// </summary>
public sealed record LoadStateDictResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys)
{
    public override string ToString() =>
        $"<All keys matched: {MissingKeys.Count == 0 && UnexpectedKeys.Count == 0}> missing=[{string.Join(", ", MissingKeys)}] unexpected=[{string.Join(", ", UnexpectedKeys)}]";
}
