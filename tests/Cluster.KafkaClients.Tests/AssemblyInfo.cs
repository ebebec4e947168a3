// Every collection starts its own node processes; on a 2-core machine one at a time keeps
// them from slowing each other down (and the figures of the throughput spec honest).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
