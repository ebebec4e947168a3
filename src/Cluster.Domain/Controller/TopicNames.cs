namespace Cluster.Domain.Controller;

/// <summary>Kafka's rule for topic names.</summary>
public static class TopicNames
{
    public const int MaxLength = 249;

    public static string? Validate(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "Topic name must not be empty";
        if (name is "." or "..") return $"Topic name cannot be '{name}'";
        if (name.Length > MaxLength) return $"Topic name is {name.Length} characters; at most {MaxLength} are allowed";
        foreach (var c in name)
            if (!(c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '.' or '_' or '-'))
                return $"Topic name '{name}' has the character '{c}'; only ASCII letters, digits, '.', '_' and '-' are allowed";
        return null;
    }
}
