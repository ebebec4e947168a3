using Cluster.Domain.Protocol;

namespace Cluster.Api.Http;

/// <summary>
/// A request the API refuses: the error name (Kafka's), a message for a person, and the
/// HTTP status (by default the one <see cref="ErrorMapping"/> gives the error). Thrown by
/// the parsers and handlers, turned into the JSON error body by <see cref="ErrorHandlingMiddleware"/>.
/// </summary>
public sealed class ApiException : Exception
{
    public ApiException(ErrorCode error, string message, int? status = null) : base(message)
    {
        Error = error;
        Status = status ?? ErrorMapping.StatusOf(error);
    }

    public ErrorCode Error { get; }
    public int Status { get; }

    public static ApiException BadRequest(string message) => new(ErrorCode.InvalidRequest, message);
}
