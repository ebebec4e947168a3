using System.Runtime.Serialization;
using System.Text;
using Cluster.Domain.Log;

namespace Cluster.Domain.Groups;

/// <summary>
/// Folds the batches of a <c>__consumer_offsets</c> partition, in offset order, into the
/// events of one group (records of other groups are skipped by comparing key bytes).
///
/// Transactional offset commits (Kafka's TxnOffsetCommit, issue 8) are read the Kafka way
/// already: records in a transactional batch are held per producer id and take effect only
/// when that producer's COMMIT marker follows; an ABORT marker drops them. Writing them is
/// the transaction coordinator's part (see <see cref="IGroupLog.AppendAsync"/>).
/// </summary>
public sealed class GroupLogReplay
{
    private readonly string _groupId;
    private readonly byte[] _groupUtf8;
    private readonly List<GroupEvent> _events = new();
    private readonly Dictionary<long, List<GroupEvent>> _openTransactions = new();

    public GroupLogReplay(string groupId)
    {
        _groupId = groupId;
        _groupUtf8 = Encoding.UTF8.GetBytes(groupId);
    }

    public IReadOnlyList<GroupEvent> Events => _events;

    /// <summary>Records of this group that could not be decoded (skipped, so one bad record cannot make a group unloadable).</summary>
    public int UnreadableRecords { get; private set; }

    public long RecordsRead { get; private set; }

    /// <summary>Takes the records of <paramref name="batch"/> at or after <paramref name="fromOffset"/>.</summary>
    public void Add(RecordBatch batch, long fromOffset)
    {
        if (batch.NextOffset <= fromOffset) return;
        if (batch.IsControl)
        {
            if (batch.IsTransactional && ControlRecord.TryRead(batch, out var control) && control.IsTransactionMarker &&
                _openTransactions.Remove(batch.ProducerId, out var pending) && control.Type == ControlRecordType.Commit)
                _events.AddRange(pending);
            return;
        }

        foreach (var record in batch)
        {
            if (record.Offset < fromOffset) continue;
            RecordsRead++;
            if (record.Key is not { } key || !OffsetsTopic.BelongsTo(key.Span, _groupUtf8)) continue;
            GroupEvent? e;
            try
            {
                e = OffsetsTopic.EventOf(_groupId, key.Span, record.Value, record.Timestamp);
            }
            catch (SerializationException)
            {
                UnreadableRecords++;
                continue;
            }
            if (e is null) continue;
            if (batch.IsTransactional)
            {
                if (!_openTransactions.TryGetValue(batch.ProducerId, out var open)) _openTransactions[batch.ProducerId] = open = new List<GroupEvent>();
                open.Add(e);
            }
            else
            {
                _events.Add(e);
            }
        }
    }
}
