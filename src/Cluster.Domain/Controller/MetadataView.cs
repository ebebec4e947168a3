namespace Cluster.Domain.Controller;

/// <summary>
/// The node's latest cluster metadata for code outside actors (the HTTP and Kafka front
/// doors): an immutable value, replaced only by the node's <see cref="MetadataCache"/>.
/// </summary>
public sealed class MetadataView
{
    private volatile ClusterMetadata _current = ClusterMetadata.Empty;
    private volatile TaskCompletionSource _changed = NewSignal();

    public ClusterMetadata Current => _current;

    /// <summary>The controller has spoken to this node since it started: <see cref="Current"/> is not just an old local copy.</summary>
    public bool IsConfirmed { get; private set; }

    internal void Confirm() => IsConfirmed = true;

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal void Publish(ClusterMetadata metadata)
    {
        _current = metadata;
        var signal = _changed;
        _changed = NewSignal();
        signal.TrySetResult();
    }

    /// <summary>Completes when a newer metadata than <paramref name="version"/> is known, or after the timeout.</summary>
    public async Task<ClusterMetadata> WaitForNewerThanAsync(long version, TimeSpan timeout, CancellationToken cancellation = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var signal = _changed;
            var current = _current;
            if (current.Version > version) return current;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return current;
            try
            {
                await signal.Task.WaitAsync(left, cancellation).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return _current;
            }
        }
    }
}
