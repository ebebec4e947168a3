using Akka.Actor;
using Akka.Event;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;

namespace Cluster.Domain.Replication;

/// <summary>
/// Reads served by the leader: fetches (from the tail cache, or the journal through the
/// offset index), long polls that wait for the high watermark, and offset lookups.
/// </summary>
public sealed partial class PartitionReplica
{
    private sealed record DelayedFetch(FetchRequest Request, IActorRef ReplyTo, long DeadlineMs);

    private sealed record ConsumerRead(FetchRequest Request, IActorRef ReplyTo);

    private sealed record TimestampLookup(ListOffsetsRequest Request, IActorRef ReplyTo);

    private readonly List<DelayedFetch> _delayedFetches = new();
    private IActorRef? _journalReader;

    private long ReadableEnd(IsolationLevel isolation) =>
        isolation == IsolationLevel.ReadCommitted ? _log.LastStableOffset : _log.HighWatermark;

    private void HandleFetch(FetchRequest request, IActorRef replyTo)
    {
        if (_role != Role.Leader)
        {
            replyTo.Tell(FetchResult.Failed(ErrorCode.NotLeaderOrFollower, $"Broker {_context.LocalBrokerId} does not lead {_partition}"));
            return;
        }
        if (request.Offset < _log.LogStartOffset || request.Offset > _log.HighWatermark)
        {
            replyTo.Tell(FetchResult.Failed(ErrorCode.OffsetOutOfRange,
                $"Offset {request.Offset} is outside [{_log.LogStartOffset}, {_log.HighWatermark}] of {_partition}"));
            return;
        }

        var upTo = ReadableEnd(request.Isolation);
        if (request.Offset >= upTo)
        {
            if (request.WaitMs > 0) _delayedFetches.Add(new DelayedFetch(request, replyTo, NowMs + request.WaitMs));
            else replyTo.Tell(FetchResultWith(new List<byte[]>(), request));
            return;
        }
        // Offsets are dense: the records asked for lie below Offset + MaxRecords.
        upTo = Math.Min(upTo, request.Offset + request.MaxRecords);
        if (_log.Tail.Covers(request.Offset))
        {
            replyTo.Tell(FetchResultWith(_log.Tail.Read(request.Offset, upTo, request.MaxBytes), request));
            return;
        }
        ReadFromJournal(request.Offset, upTo, request.MaxBytes, new ConsumerRead(request, replyTo));
    }

    private sealed record ReplicaRead(IActorRef ReplyTo);

    private void HandleReadReplicaLog(ReadReplicaLog read)
    {
        if (read.Offset < _log.LogStartOffset || read.Offset >= _log.LogEndOffset)
            Sender.Tell(ReplicaReadResult(new List<byte[]>()));
        else if (_log.Tail.Covers(read.Offset))
            Sender.Tell(ReplicaReadResult(_log.Tail.Read(read.Offset, _log.LogEndOffset, read.MaxBytes)));
        else
            ReadFromJournal(read.Offset, _log.LogEndOffset, read.MaxBytes, new ReplicaRead(Sender));
    }

    /// <summary>This replica's own batches, bounded by its log end (not the high watermark): what it holds, not what consumers may see.</summary>
    private FetchResult ReplicaReadResult(List<byte[]> batches) =>
        new(ErrorCode.None, batches, _log.LogEndOffset, _log.LogEndOffset, _log.LogStartOffset, _log.LogEndOffset, Array.Empty<AbortedTxn>());

    private FetchResult FetchResultWith(List<byte[]> batches, FetchRequest request)
    {
        CountFetchedRecords(batches);
        var aborted = request.Isolation == IsolationLevel.ReadCommitted && batches.Count > 0
            ? _log.Producers.AbortedIn(request.Offset, new RecordBatch(batches[^1]).NextOffset)
            : (IReadOnlyList<AbortedTxn>)Array.Empty<AbortedTxn>();
        return new FetchResult(ErrorCode.None, batches, _log.HighWatermark, _log.LastStableOffset,
            _log.LogStartOffset, _log.LogEndOffset, aborted);
    }

    private void CompleteDelayedFetches()
    {
        if (_delayedFetches.Count == 0) return;
        var ready = _delayedFetches.Where(d => d.Request.Offset < ReadableEnd(d.Request.Isolation)).ToList();
        foreach (var delayed in ready)
        {
            _delayedFetches.Remove(delayed);
            HandleFetch(delayed.Request with { WaitMs = 0 }, delayed.ReplyTo);
        }
    }

    private void ExpireDelayedFetches(long now)
    {
        // Long polls also end when the last stable offset moves without the high watermark.
        CompleteDelayedFetches();
        _delayedFetches.RemoveAll(d =>
        {
            if (d.DeadlineMs > now) return false;
            d.ReplyTo.Tell(FetchResultWith(new List<byte[]>(), d.Request));
            return true;
        });
    }

    private void FailDelayedFetches(ErrorCode error, string message)
    {
        foreach (var d in _delayedFetches) d.ReplyTo.Tell(FetchResult.Failed(error, message));
        _delayedFetches.Clear();
    }

    /// <summary>
    /// Ask the journal for batches from <paramref name="offset"/>: the offset index gives the
    /// sequence number of the span that holds it, so no read scans from the start.
    /// </summary>
    private void ReadFromJournal(long offset, long upTo, int maxBytes, object tag)
    {
        var entry = _log.Index.FloorIndex(offset);
        var fromSeqNr = entry < 0 ? 1 : _log.Index.Entries[entry].SeqNr;
        // Enough events to fill maxBytes after skipping the start of the span, but none past
        // the span that starts at upTo: every event the journal replays is read and
        // deserialized (a batch of 1000 records is a 100 KB array on the large object heap),
        // whether the reader keeps it or not.
        var byBytes = (maxBytes + _log.Settings.IndexIntervalBytes) / _log.AverageBatchBytes + 8;
        var next = _log.Index.CeilingIndex(upTo);
        var bySpans = next < 0 ? long.MaxValue : _log.Index.Entries[next].SeqNr - fromSeqNr;
        var maxEvents = (int)Math.Clamp(Math.Min(byBytes, bySpans), 1, 10_000);
        _journalReader ??= Context.ActorOf(JournalReader.Props(PersistenceId), "journal-reader");
        _journalReader.Tell(new ReadRange(fromSeqNr, offset, upTo, maxBytes, maxEvents, _log.Truncations.ToArray(), tag));
    }

    private void HandleRangeRead(RangeRead read)
    {
        if (read.Failure is not null)
            _logger.Warning("Reading the journal failed: {Failure}", read.Failure);
        switch (read.Tag)
        {
            case ConsumerRead consumer when read.Failure is not null:
                consumer.ReplyTo.Tell(FetchResult.Failed(ErrorCode.KafkaStorageError, "Reading the log failed: " + read.Failure));
                break;
            case ConsumerRead consumer:
                consumer.ReplyTo.Tell(FetchResultWith(read.Batches, consumer.Request));
                break;
            case ReplicaRead replica:
                replica.ReplyTo.Tell(read.Failure is null
                    ? ReplicaReadResult(read.Batches)
                    : FetchResult.Failed(ErrorCode.KafkaStorageError, "Reading the log failed: " + read.Failure));
                break;
            case FollowerRead follower:
                OnFollowerRead(follower, read.Failure is null ? read.Batches : new List<byte[]>());
                break;
            case RetentionRead:
                OnRetentionRead(read.Failure is null ? read.SeqNrs.Zip(read.Batches).ToList() : new());
                break;
            case TimestampLookup lookup:
                lookup.ReplyTo.Tell(read.Failure is not null
                    ? new ListOffsetsResult(ErrorCode.KafkaStorageError, -1, -1, read.Failure)
                    : FirstAtOrAfter(read.Batches, lookup.Request.Timestamp, ReadableEnd(lookup.Request.Isolation)));
                break;
        }
    }

    private void HandleListOffsets(ListOffsetsRequest request)
    {
        if (_role != Role.Leader)
        {
            Sender.Tell(new ListOffsetsResult(ErrorCode.NotLeaderOrFollower, -1, -1, $"Broker {_context.LocalBrokerId} does not lead {_partition}"));
            return;
        }
        var upTo = ReadableEnd(request.Isolation);
        switch (request.Timestamp)
        {
            case ListOffsetsRequest.Earliest:
                Sender.Tell(new ListOffsetsResult(ErrorCode.None, _log.LogStartOffset, -1));
                return;
            case ListOffsetsRequest.Latest:
                Sender.Tell(new ListOffsetsResult(ErrorCode.None, upTo, -1));
                return;
        }

        var span = _log.Index.FirstIndexWithMaxTimestampAtLeast(request.Timestamp);
        if (span < 0 || _log.Index.Entries[span].BaseOffset >= upTo)
        {
            Sender.Tell(new ListOffsetsResult(ErrorCode.None, -1, -1));
            return;
        }
        var from = Math.Max(_log.Index.Entries[span].BaseOffset, _log.LogStartOffset);
        // The first record at or after the time is in this span; read it (and a little more,
        // since timestamps inside a span need not be ordered).
        var spanBytes = (int)Math.Min(int.MaxValue / 2, _log.Index.SpanBytes(span));
        if (_log.Tail.Covers(from))
            Sender.Tell(FirstAtOrAfter(_log.Tail.Read(from, upTo, spanBytes), request.Timestamp, upTo));
        else
            ReadFromJournal(from, upTo, spanBytes, new TimestampLookup(request, Sender));
    }

    private static ListOffsetsResult FirstAtOrAfter(List<byte[]> batches, long timestamp, long upTo)
    {
        foreach (var bytes in batches)
        {
            var batch = new RecordBatch(bytes);
            if (batch.IsControl || batch.MaxTimestamp < timestamp) continue;
            foreach (var record in batch.Records)
                if (record.Offset < upTo && record.Timestamp >= timestamp)
                    return new ListOffsetsResult(ErrorCode.None, record.Offset, record.Timestamp);
        }
        return new ListOffsetsResult(ErrorCode.None, -1, -1);
    }
}
