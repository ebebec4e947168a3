using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol.Messages;

/// <summary>ApiVersions (18): what a client sends first to learn our version ranges.</summary>
public sealed class ApiVersionsRequest : IKafkaRequest, IKafkaStruct<ApiVersionsRequest>
{
    public const short FirstFlexibleVersion = 3;
    public ApiKey ApiKey => ApiKey.ApiVersions;

    /// <summary>v3+ (KIP-511): e.g. "confluent-kafka-dotnet"/"librdkafka".</summary>
    public string ClientSoftwareName { get; set; } = "";
    public string ClientSoftwareVersion { get; set; } = "";

    public static ApiVersionsRequest Read(ref KafkaReader r, short version)
    {
        var m = new ApiVersionsRequest();
        if (version >= 3)
        {
            m.ClientSoftwareName = r.ReadCompactString();
            m.ClientSoftwareVersion = r.ReadCompactString();
            r.SkipTaggedFields();
        }
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        if (version >= 3)
        {
            w.WriteCompactString(ClientSoftwareName);
            w.WriteCompactString(ClientSoftwareVersion);
            w.WriteEmptyTaggedFields();
        }
    }
}

public sealed class ApiVersionsResponse : IKafkaResponse, IKafkaStruct<ApiVersionsResponse>
{
    public ApiKey ApiKey => ApiKey.ApiVersions;

    public ErrorCode ErrorCode { get; set; }
    public List<ApiVersion> ApiKeys { get; set; } = [];
    public int ThrottleTimeMs { get; set; }

    /// <summary>The truthful answer: every row of <see cref="ApiVersionsTable"/>.</summary>
    public static ApiVersionsResponse FromTable() => new()
    {
        ApiKeys = ApiVersionsTable.All
            .Select(r => new ApiVersion { ApiKey = (short)r.ApiKey, MinVersion = r.MinVersion, MaxVersion = r.MaxVersion })
            .ToList(),
    };

    /// <summary>
    /// Kafka's answer to an ApiVersions request of a version we do not know: UNSUPPORTED_VERSION
    /// with only our ApiVersions range, written at v0 with header v0, so the client retries
    /// with the highest version we speak (KIP-511).
    /// </summary>
    public static ApiVersionsResponse UnsupportedVersion()
    {
        var r = ApiVersionsTable.Get(ApiKey.ApiVersions);
        return new ApiVersionsResponse
        {
            ErrorCode = ErrorCode.UnsupportedVersion,
            ApiKeys = [new ApiVersion { ApiKey = (short)r.ApiKey, MinVersion = r.MinVersion, MaxVersion = r.MaxVersion }],
        };
    }

    public static ApiVersionsResponse Read(ref KafkaReader r, short version)
    {
        bool flex = version >= ApiVersionsRequest.FirstFlexibleVersion;
        var m = new ApiVersionsResponse
        {
            ErrorCode = r.ReadErrorCode(),
            ApiKeys = r.ReadArray<ApiVersion>(version, flex),
        };
        if (version >= 1) m.ThrottleTimeMs = r.ReadInt32();
        // SupportedFeatures, FinalizedFeatures... (tags 0-3) are not reported by us and skipped.
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= ApiVersionsRequest.FirstFlexibleVersion;
        w.WriteErrorCode(ErrorCode);
        w.WriteArray(ApiKeys, version, flex);
        if (version >= 1) w.WriteInt32(ThrottleTimeMs);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class ApiVersion : IKafkaStruct<ApiVersion>
{
    public short ApiKey { get; set; }
    public short MinVersion { get; set; }
    public short MaxVersion { get; set; }

    public static ApiVersion Read(ref KafkaReader r, short version)
    {
        var m = new ApiVersion { ApiKey = r.ReadInt16(), MinVersion = r.ReadInt16(), MaxVersion = r.ReadInt16() };
        if (version >= ApiVersionsRequest.FirstFlexibleVersion) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        w.WriteInt16(ApiKey);
        w.WriteInt16(MinVersion);
        w.WriteInt16(MaxVersion);
        if (version >= ApiVersionsRequest.FirstFlexibleVersion) w.WriteEmptyTaggedFields();
    }
}
