namespace Cluster.Kafka.Protocol;

/// <summary>
/// A structure of Kafka's protocol (a whole message or an element of one of its arrays) that
/// reads and writes itself at a given API version. The static <c>Read</c> lets
/// <see cref="KafkaReader.ReadArray{T}"/> decode arrays without delegates.
/// </summary>
public interface IKafkaStruct<TSelf> where TSelf : IKafkaStruct<TSelf>
{
    static abstract TSelf Read(ref KafkaReader reader, short version);
    void Write(KafkaWriter writer, short version);
}

/// <summary>A request or response body of one API.</summary>
public interface IKafkaMessage
{
    ApiKey ApiKey { get; }
    void Write(KafkaWriter writer, short version);
}

/// <summary>A request body, as <see cref="KafkaRequestParser"/> returns it.</summary>
public interface IKafkaRequest : IKafkaMessage;

/// <summary>A response body, as <see cref="KafkaResponseWriter"/> frames it.</summary>
public interface IKafkaResponse : IKafkaMessage;
