using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace KvDb.Cluster.Transport;

/// <summary>
/// The request signature of the HTTP transport: lowercase hex of HMAC-SHA256(secret, sender + "\n" + timestamp +
/// "\n" + body), where timestamp is the decimal Unix time in milliseconds exactly as sent in the header.
/// </summary>
internal static class ClusterHttpSignature
{
    public const int MinSecretBytes = 16;

    public static byte[] CheckSecret(byte[] secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return secret.Length < MinSecretBytes
            ? throw new ArgumentException($"The cluster secret must be at least {MinSecretBytes} bytes long.", nameof(secret))
            : (byte[])secret.Clone();
    }

    public static string FormatTimestamp(long unixMilliseconds) => unixMilliseconds.ToString(CultureInfo.InvariantCulture);

    public static byte[] Compute(byte[] secret, string sender, string timestamp, ReadOnlySpan<byte> body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secret);
        hmac.AppendData(Encoding.UTF8.GetBytes(sender + "\n" + timestamp + "\n"));
        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }

    public static string ComputeHex(byte[] secret, string sender, string timestamp, ReadOnlySpan<byte> body) =>
        Convert.ToHexStringLower(Compute(secret, sender, timestamp, body));
}
