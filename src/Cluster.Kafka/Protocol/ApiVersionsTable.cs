using Cluster.Kafka.Protocol.Messages;

namespace Cluster.Kafka.Protocol;

/// <summary>One API's supported version range, and where Kafka's flexible versions start for it.</summary>
public readonly record struct ApiVersionRange(ApiKey ApiKey, short MinVersion, short MaxVersion, short FirstFlexibleVersion)
{
    public bool IsSupported(short version) => version >= MinVersion && version <= MaxVersion;

    /// <summary>Flexible (KIP-482: compact strings/arrays, tagged fields, header v2/v1) at this version.</summary>
    public bool IsFlexible(short version) => version >= FirstFlexibleVersion;
}

/// <summary>
/// The single table of what this broker speaks: every (api key, min, max) here is decoded and
/// encoded in full by <c>Messages/*</c>, and the ApiVersions response reports exactly this
/// table. Clients (librdkafka, kafkajs, the Java client) each use
/// min(their max, our max) per API, so a range must contain every version they would pick:
/// our min may not exceed what the oldest of them sends, our max caps the newest.
/// <para>
/// Limits on the max, all deliberate: no topic-id versions (Fetch 13+, DeleteTopics 6+),
/// nothing of KIP-890 part 2 (Produce 12, EndTxn 5: epoch bump per transaction), no broker-only
/// batched AddPartitionsToTxn (4+), nothing of KIP-932 share groups (FindCoordinator 6).
/// Versions that differ only in an extra error the broker *may* return
/// (e.g. TRANSACTION_ABORTABLE) are included: the wire format is identical.
/// </para>
/// <para>
/// The first flexible version of each API comes from Kafka's JSON message definitions
/// (clients/src/main/resources/common/message/*.json, "flexibleVersions").
/// </para>
/// </summary>
public static class ApiVersionsTable
{
    private static readonly ApiVersionRange[] Rows =
    [
        // librdkafka 2.x sends v3 (v0 on fallback), kafkajs 2.2.4 v0–2, newer Java clients v4
        // (identical to v3 on the wire).
        new(ApiKey.ApiVersions, 0, 4, ApiVersionsRequest.FirstFlexibleVersion),
        // librdkafka up to 13 (so 12 here), kafkajs up to 6. v0's "empty = all topics" is
        // normalised to null by the reader. v10+ carry topic ids we answer with zero.
        new(ApiKey.Metadata, 0, 12, MetadataRequest.FirstFlexibleVersion),
        // Only record batch v2 (magic 2), which starts at Produce v3; librdkafka picks 3..10,
        // kafkajs up to 7, zstd needs 7+. v10/v11 differ only in tagged fields/error codes.
        new(ApiKey.Produce, 3, 11, ProduceRequest.FirstFlexibleVersion),
        // v4 is the first with isolation level and aborted transactions (read_committed) and
        // record batch v2 only. v13+ address topics by id, so we stop at 12, where librdkafka
        // falls back by itself; kafkajs uses up to 11.
        new(ApiKey.Fetch, 4, 12, FetchRequest.FirstFlexibleVersion),
        // v0 returns an array of offsets (different shape); kafkajs uses up to 3. v7 only adds
        // the max-timestamp query (-3, KIP-734), which the replicas cannot answer without a
        // time index, so we stop at 6 (librdkafka then asks v6); v8+ add tiered storage.
        new(ApiKey.ListOffsets, 1, 6, ListOffsetsRequest.FirstFlexibleVersion),
        // librdkafka and kafkajs use up to 2; the Java client batches keys from v4 (KIP-699).
        new(ApiKey.FindCoordinator, 0, 5, FindCoordinatorRequest.FirstFlexibleVersion),
        // librdkafka and kafkajs use up to 5; Java up to 9.
        new(ApiKey.JoinGroup, 0, 9, JoinGroupRequest.FirstFlexibleVersion),
        new(ApiKey.Heartbeat, 0, 4, HeartbeatRequest.FirstFlexibleVersion),
        // v3+ is the batched form (Members); librdkafka sends up to 1, kafkajs up to 3.
        new(ApiKey.LeaveGroup, 0, 5, LeaveGroupRequest.FirstFlexibleVersion),
        new(ApiKey.SyncGroup, 0, 5, SyncGroupRequest.FirstFlexibleVersion),
        new(ApiKey.DescribeGroups, 0, 5, DescribeGroupsRequest.FirstFlexibleVersion),
        new(ApiKey.ListGroups, 0, 5, ListGroupsRequest.FirstFlexibleVersion),
        // librdkafka up to 9, kafkajs up to 5.
        new(ApiKey.OffsetCommit, 0, 9, OffsetCommitRequest.FirstFlexibleVersion),
        // kafkajs sends 1..4 (v0 read ZooKeeper), librdkafka up to 9 (v8+: batched groups).
        new(ApiKey.OffsetFetch, 1, 9, OffsetFetchRequest.FirstFlexibleVersion),
        // librdkafka up to 4 (v3+ carries the current producer id/epoch for KIP-360 bumps), kafkajs 0..1.
        new(ApiKey.InitProducerId, 0, 5, InitProducerIdRequest.FirstFlexibleVersion),
        // Clients use 0..3; v4+ is the broker-to-broker batched verification form.
        new(ApiKey.AddPartitionsToTxn, 0, 3, AddPartitionsToTxnRequest.FirstFlexibleVersion),
        new(ApiKey.AddOffsetsToTxn, 0, 4, AddOffsetsToTxnRequest.FirstFlexibleVersion),
        // v5 is KIP-890 part 2 (epoch bumped on every commit): not supported.
        new(ApiKey.EndTxn, 0, 4, EndTxnRequest.FirstFlexibleVersion),
        new(ApiKey.TxnOffsetCommit, 0, 4, TxnOffsetCommitRequest.FirstFlexibleVersion),
        // librdkafka admin up to 4, kafkajs up to 3.
        new(ApiKey.CreateTopics, 0, 7, CreateTopicsRequest.FirstFlexibleVersion),
        // v6 names topics by id: stop at 5.
        new(ApiKey.DeleteTopics, 0, 5, DeleteTopicsRequest.FirstFlexibleVersion),
        // librdkafka up to 1, kafkajs up to 2.
        new(ApiKey.DescribeConfigs, 0, 4, DescribeConfigsRequest.FirstFlexibleVersion),
    ];

    private static readonly ApiVersionRange?[] ByKey = BuildIndex();

    private static ApiVersionRange?[] BuildIndex()
    {
        var index = new ApiVersionRange?[Rows.Max(r => (int)r.ApiKey) + 1];
        foreach (var r in Rows) index[(int)r.ApiKey] = r;
        return index;
    }

    /// <summary>Every API we serve, ordered by api key.</summary>
    public static IReadOnlyList<ApiVersionRange> All { get; } = Rows.OrderBy(r => (short)r.ApiKey).ToArray();

    public static bool TryGet(ApiKey apiKey, out ApiVersionRange range)
    {
        int k = (short)apiKey;
        if (k >= 0 && k < ByKey.Length && ByKey[k] is { } r)
        {
            range = r;
            return true;
        }
        range = default;
        return false;
    }

    public static ApiVersionRange Get(ApiKey apiKey) =>
        TryGet(apiKey, out var r) ? r : throw new ArgumentOutOfRangeException(nameof(apiKey), apiKey, "Not served");

    public static bool IsSupported(ApiKey apiKey, short version) =>
        TryGet(apiKey, out var r) && r.IsSupported(version);

    public static bool IsFlexible(ApiKey apiKey, short version) => Get(apiKey).IsFlexible(version);

    /// <summary>Request header version: 2 at flexible versions, 1 otherwise.</summary>
    public static short RequestHeaderVersion(ApiKey apiKey, short version) =>
        IsFlexible(apiKey, version) ? (short)2 : (short)1;

    /// <summary>
    /// Response header version: 1 at flexible versions, 0 otherwise, except ApiVersions which
    /// always answers with header v0 so a client that does not yet know our versions can
    /// read the answer (KIP-511).
    /// </summary>
    public static short ResponseHeaderVersion(ApiKey apiKey, short version) =>
        apiKey == ApiKey.ApiVersions ? (short)0 : IsFlexible(apiKey, version) ? (short)1 : (short)0;
}
