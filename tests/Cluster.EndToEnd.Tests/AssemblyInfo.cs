// Each test collection starts its own node process(es); on a 2-core machine more than two
// collections at once only makes every node slower to start.
[assembly: CollectionBehavior(MaxParallelThreads = 2)]
