using Orleans.Placement;

namespace Autograd.Cluster.Silo.Placement;

/// <summary>Marks a grain class for <see cref="SpreadPlacementStrategy"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SpreadPlacementAttribute : PlacementAttribute
{
    public SpreadPlacementAttribute()
        : base(SpreadPlacementStrategy.Instance)
    {
    }
}
