using Cluster.Domain.Hosting;
using Cluster.Domain.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Api.Http;

public static class NodeAccess
{
    /// <summary>
    /// The broker incarnation serving this request. While the node is starting or rejoining
    /// the cluster there is none: 503 LEADER_NOT_AVAILABLE, which clients retry.
    /// </summary>
    public static BrokerNode Ready(HttpContext context)
    {
        var node = context.RequestServices.GetRequiredService<IBrokerNodeAccessor>().Current;
        if (node is null || !node.IsReady)
            throw new ApiException(ErrorCode.LeaderNotAvailable,
                "This node is not serving requests yet: it is joining the cluster; retry shortly",
                StatusCodes.Status503ServiceUnavailable);
        return node;
    }
}
