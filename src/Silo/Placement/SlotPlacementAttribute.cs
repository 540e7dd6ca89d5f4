using Orleans.Placement;

namespace Autograd.Cluster.Silo.Placement;

/// <summary>Marks a grain class (the worker) for <see cref="SlotPlacementStrategy"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SlotPlacementAttribute : PlacementAttribute
{
    public SlotPlacementAttribute()
        : base(SlotPlacementStrategy.Instance)
    {
    }
}
