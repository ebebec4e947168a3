namespace Cluster.Cli.Http;

/// <summary>The server answered with the contract's error body <c>{"error":"NAME","message":"..."}</c>.</summary>
public sealed class ClusterApiException(int status, string error, string message, Uri server, System.Text.Json.JsonElement? body = null)
    : Exception(message)
{
    /// <summary>The whole error body, for the fields some errors add (a join's REBALANCE_IN_PROGRESS carries the memberId).</summary>
    public System.Text.Json.JsonElement? Body { get; } = body;

    public int Status { get; } = status;

    /// <summary>Kafka's error name, e.g. TOPIC_ALREADY_EXISTS.</summary>
    public string Error { get; } = error;

    public Uri Server { get; } = server;

    /// <summary>5xx: the contract says the same request may be sent again.</summary>
    public bool IsRetriable => Status >= 500;
}

/// <summary>No server of the list could be reached (connection refused, no answer in time).</summary>
public sealed class ServerUnreachableException(string message) : Exception(message);
