using Akka.Actor;
using Akka.Persistence;
using Cluster.Domain.Log;

namespace Cluster.Domain.Replication;

/// <summary>Read batches from the journal: from <see cref="FromSeqNr"/> (an index entry), keeping those that hold offsets in [FromOffset, UpToOffset).</summary>
internal sealed record ReadRange(long FromSeqNr, long FromOffset, long UpToOffset, int MaxBytes, int MaxEvents, Truncation[] Truncations, object Tag);

internal sealed record RangeRead(object Tag, List<byte[]> Batches, List<long> SeqNrs, string? Failure);

/// <summary>
/// Reads old batches of one partition back from the journal (the store's own replay, by
/// sequence number), one request at a time, so replay of old data costs memory in
/// proportion to the read, not to the log.
/// </summary>
internal sealed class JournalReader : ReceiveActor
{
    private readonly string _persistenceId;
    private readonly IActorRef _journal;
    private readonly Queue<(ReadRange Request, IActorRef ReplyTo)> _queue = new();
    private ReadRange? _current;
    private IActorRef _replyTo = ActorRefs.Nobody;
    private List<byte[]> _batches = new();
    private List<long> _seqNrs = new();
    private long _bytes;
    private bool _full;

    public JournalReader(string persistenceId)
    {
        _persistenceId = persistenceId;
        _journal = Persistence.Instance.Apply(Context.System).JournalFor(null);

        Receive<ReadRange>(r =>
        {
            _queue.Enqueue((r, Sender));
            if (_current is null) StartNext();
        });
        Receive<ReplayedMessage>(m => Collect(m.Persistent));
        Receive<RecoverySuccess>(_ => Finish(null));
        Receive<ReplayMessagesFailure>(f => Finish(f.Cause.Message));
    }

    public static Props Props(string persistenceId) => Akka.Actor.Props.Create(() => new JournalReader(persistenceId));

    private void StartNext()
    {
        if (!_queue.TryDequeue(out var next)) return;
        (_current, _replyTo) = next;
        _batches = new List<byte[]>();
        _seqNrs = new List<long>();
        _bytes = 0;
        _full = false;
        // The bound on sequence numbers, not only the count: Akka.Persistence.Sql reads
        // replay-batch-size rows per query into memory before it takes the first `max`, so a
        // read of 10 batches of 100 KB pulled 500 of them (50 MB) through SQLite and the
        // serializer when that setting was 500.
        // Sequence numbers are dense, so the two bounds select the same events.
        var toSeqNr = _current.FromSeqNr + _current.MaxEvents - 1;
        _journal.Tell(new ReplayMessages(_current.FromSeqNr, toSeqNr, _current.MaxEvents, _persistenceId, Self));
    }

    private void Collect(IPersistentRepresentation persistent)
    {
        if (_current is null || _full || persistent.Payload is not BatchAppended appended) return;
        var batch = new RecordBatch(appended.Batch);
        if (PartitionLog.IsDead(_current.Truncations, persistent.SequenceNr, batch.BaseOffset)) return;
        if (batch.NextOffset <= _current.FromOffset) return;
        if (batch.BaseOffset >= _current.UpToOffset ||
            (_batches.Count > 0 && _bytes + appended.Batch.Length > _current.MaxBytes))
        {
            _full = true;
            return;
        }
        _batches.Add(appended.Batch);
        _seqNrs.Add(persistent.SequenceNr);
        _bytes += appended.Batch.Length;
    }

    private void Finish(string? failure)
    {
        if (_current is null) return;
        _replyTo.Tell(new RangeRead(_current.Tag, _batches, _seqNrs, failure));
        _current = null;
        StartNext();
    }
}
