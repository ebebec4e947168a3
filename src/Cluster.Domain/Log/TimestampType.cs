namespace Cluster.Domain.Log;

// Bit 3 of a batch's attributes.
public enum TimestampType : byte
{
    CreateTime = 0,
    LogAppendTime = 1,
}
