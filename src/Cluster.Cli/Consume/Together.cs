namespace Cluster.Cli.Consume;

/// <summary>Partition readers run side by side; the first that fails stops the others, and its error is the one reported.</summary>
public static class Together
{
    public static async Task RunAsync<T>(IEnumerable<T> items, Func<T, CancellationToken, Task> run, CancellationToken cancellation)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        Exception? first = null;
        var tasks = items.Select(async item =>
        {
            try
            {
                await run(item, failed.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException || !failed.IsCancellationRequested)
            {
                Interlocked.CompareExchange(ref first, e, null);
                await failed.CancelAsync();
            }
        }).ToList();
        await Task.WhenAll(tasks);
        if (first is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        cancellation.ThrowIfCancellationRequested();
    }
}
