using Akka.Cluster;
using Cluster.Api.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Cluster.Api.Endpoints;

/// <summary>GET /v1/cluster: the cluster id, the controller, and every registered broker with its status.</summary>
public static class ClusterEndpoints
{
    public const string BrokerRole = "broker";
    private const string BrokerRolePrefix = "broker-";

    public static void Map(WebApplication app) => app.MapGet("/v1/cluster", (RequestDelegate)Describe);

    private static Task Describe(HttpContext context)
    {
        var node = NodeAccess.Ready(context);
        var metadata = node.Gateway.Metadata;
        var state = node.Cluster.State;

        // The controller singleton runs on the oldest Up member with the broker role.
        Member? oldest = null;
        foreach (var member in state.Members)
            if (member.Status == MemberStatus.Up && member.HasRole(BrokerRole) && (oldest is null || member.IsOlderThan(oldest)))
                oldest = member;
        var controller = oldest is null ? -1 : BrokerIdOf(oldest) ?? -1;

        return ApiJson.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("clusterId", metadata.ClusterId);
            w.WriteNumber("controller", controller);
            w.WriteStartArray("brokers");
            foreach (var broker in metadata.Brokers.Values)
            {
                w.WriteStartObject();
                w.WriteNumber("id", broker.BrokerId);
                w.WriteString("host", broker.Host);
                w.WriteNumber("port", broker.Port);
                w.WriteNumber("httpPort", broker.HttpPort);
                w.WriteString("status", StatusOf(broker.BrokerId, state));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>"unreachable" when its member is in the unreachable set, "up" when it is Up, else "down".</summary>
    private static string StatusOf(int brokerId, ClusterEvent.CurrentClusterState state)
    {
        var role = BrokerRolePrefix + brokerId;
        foreach (var member in state.Unreachable)
            if (member.HasRole(role)) return "unreachable";
        foreach (var member in state.Members)
            if (member.HasRole(role) && member.Status == MemberStatus.Up) return "up";
        return "down";
    }

    private static int? BrokerIdOf(Member member)
    {
        foreach (var role in member.Roles)
            if (role.StartsWith(BrokerRolePrefix, StringComparison.Ordinal) &&
                int.TryParse(role.AsSpan(BrokerRolePrefix.Length), System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture, out var id))
                return id;
        return null;
    }
}
