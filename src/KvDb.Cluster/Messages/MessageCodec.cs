using System.Buffers;
using static KvDb.Cluster.MessageWriter;

namespace KvDb.Cluster;

/// <summary>
/// The binary encoding of every <see cref="ClusterMessage"/>, used by transports that cross a process boundary.
/// </summary>
/// <remarks>
/// <code>
/// message := magic 0xCB, version 0x01, type tag (MessageType), fields of that type, end of data
/// fields, in declaration order of each record:
///   long, int        zigzag varint            ulong token, digest   8 bytes little-endian
///   bool, presence   one byte, 0 or 1         enum (status, kind)   one byte, checked against the defined values
///   string           varint length, UTF-8     list                  varint count, elements
///   key value        Core's value encoding (ItemCodec: tag byte then payload), S, N or B only
///   ItemKey          partition key value, presence byte, sort key value
///   Item             varint length, Core's attribute section (ItemCodec.EncodeAttributes)
///   Ballot           physical, logical, node (zigzag varints)
///   CellState        presence + Item, version Ballot, presence + TxnIntent (txn id, kind, presence + Item, started ms)
///   CellEntry        ItemKey, accepted Ballot, CellState
///   QueryRequest     table name, flags byte, then the parts the flags announce (see MessageWriter)
/// </code>
/// <see cref="QueryRequest.Filter"/> and <see cref="QueryRequest.Projection"/> are deliberately not encoded: a replica
/// returns whole items with their ballots and the coordinator filters and projects after merging replicas, so a
/// decoded query always has both null. Decoding validates everything (including every attribute of every item)
/// and throws only <see cref="ClusterProtocolException"/>; encoding a message with null or undefined field values
/// throws <see cref="ArgumentException"/>.
/// </remarks>
public static class MessageCodec
{
    /// <summary>The first byte of every encoded message.</summary>
    public const byte Magic = 0xCB;

    /// <summary>The format version this codec writes and reads (the second byte).</summary>
    public const byte Version = 1;

    /// <summary>Encodes a message into a new array.</summary>
    /// <exception cref="ArgumentException">A field is null or holds an undefined value, or the message type is unknown.</exception>
    public static byte[] Encode(ClusterMessage message)
    {
        var writer = new ArrayBufferWriter<byte>(256);
        Encode(message, writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Encodes a message into <paramref name="writer"/>.</summary>
    /// <exception cref="ArgumentException">A field is null or holds an undefined value, or the message type is unknown.</exception>
    public static void Encode(ClusterMessage message, IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(writer);
        var header = writer.GetSpan(3);
        header[0] = Magic;
        header[1] = Version;
        header[2] = (byte)TypeOf(message);
        writer.Advance(3);
        switch (message)
        {
            case PrepareRequest m:
                WriteVarInt64(writer, m.Epoch);
                WriteString(writer, m.Table, "Table");
                WriteKey(writer, m.Key, "Key");
                WriteBallot(writer, m.Ballot);
                break;
            case PrepareReply m:
                WriteStatus(writer, m.Status);
                WriteVarInt64(writer, m.Epoch);
                WriteBallot(writer, m.Promised);
                WriteBallot(writer, m.Accepted);
                WriteCellState(writer, m.State, "State");
                break;
            case AcceptRequest m:
                WriteVarInt64(writer, m.Epoch);
                WriteString(writer, m.Table, "Table");
                WriteKey(writer, m.Key, "Key");
                WriteBallot(writer, m.Ballot);
                WriteCellState(writer, m.State, "State");
                break;
            case AcceptReply m:
                WriteStatus(writer, m.Status);
                WriteVarInt64(writer, m.Epoch);
                WriteBallot(writer, m.Promised);
                break;
            case ReadRequest m:
                WriteVarInt64(writer, m.Epoch);
                WriteString(writer, m.Table, "Table");
                WriteKeys(writer, m.Keys, "Keys");
                break;
            case ReadReply m:
                WriteStatus(writer, m.Status);
                WriteVarInt64(writer, m.Epoch);
                WriteCells(writer, m.Cells, "Cells");
                break;
            case KeyQueryRequest m:
                WriteVarInt64(writer, m.Epoch);
                WriteQuery(writer, m.Query, "Query");
                break;
            case KeyQueryReply m:
                WriteStatus(writer, m.Status);
                WriteVarInt64(writer, m.Epoch);
                WriteCells(writer, m.Cells, "Cells");
                WriteOptionalKey(writer, m.LastEvaluatedKey, "LastEvaluatedKey");
                break;
            case RangeFetchRequest m:
                WriteVarInt64(writer, m.Epoch);
                WriteString(writer, m.Table, "Table");
                WriteFixed64(writer, m.FromToken);
                WriteFixed64(writer, m.ToToken);
                WriteOptionalKey(writer, m.After, "After");
                WriteVarInt32(writer, m.Limit);
                break;
            case RangeFetchReply m:
                WriteStatus(writer, m.Status);
                WriteVarInt64(writer, m.Epoch);
                WriteCells(writer, m.Cells, "Cells");
                WriteBool(writer, m.More);
                break;
            case RangeDigestRequest m:
                WriteVarInt64(writer, m.Epoch);
                WriteString(writer, m.Table, "Table");
                WriteFixed64(writer, m.FromToken);
                WriteFixed64(writer, m.ToToken);
                WriteVarInt32(writer, m.Buckets);
                break;
            case RangeDigestReply m:
                WriteStatus(writer, m.Status);
                WriteVarInt64(writer, m.Epoch);
                if (m.Digests is null)
                {
                    throw new ArgumentException("The message field Digests is null.", nameof(message));
                }

                WriteCount(writer, m.Digests.Count);
                for (var i = 0; i < m.Digests.Count; i++)
                {
                    WriteFixed64(writer, m.Digests[i]);
                }

                break;
            case StoreRequest m:
                WriteVarInt64(writer, m.Epoch);
                WriteString(writer, m.Table, "Table");
                WriteCells(writer, m.Cells, "Cells");
                break;
            case StoreReply m:
                WriteStatus(writer, m.Status);
                WriteVarInt64(writer, m.Epoch);
                WriteVarInt32(writer, m.Stored);
                break;
            case HeartbeatRequest m:
                WriteVarInt64(writer, m.Epoch);
                break;
            case HeartbeatReply m:
                WriteVarInt64(writer, m.Epoch);
                break;
            case ErrorReply m:
                WriteString(writer, m.Message, "Message");
                break;
            case TableStatsRequest m:
                WriteVarInt64(writer, m.Epoch);
                WriteString(writer, m.Table, "Table");
                break;
            case TombstoneCheckRequest m:
                WriteVarInt64(writer, m.Epoch);
                WriteString(writer, m.Table, "Table");
                WriteCells(writer, m.Cells, "Cells");
                break;
            case TombstoneCheckReply m:
                WriteStatus(writer, m.Status);
                WriteVarInt64(writer, m.Epoch);
                if (m.Safe is null)
                {
                    throw new ArgumentException("The message field Safe is null.", nameof(message));
                }

                WriteCount(writer, m.Safe.Count);
                foreach (var safe in m.Safe)
                {
                    WriteBool(writer, safe);
                }

                break;
            case TableStatsReply m:
                WriteStatus(writer, m.Status);
                WriteVarInt64(writer, m.Epoch);
                WriteVarInt64(writer, m.ItemCount);
                WriteVarInt64(writer, m.PartitionCount);
                WriteVarInt64(writer, m.SizeBytes);
                break;
        }
    }

    /// <summary>Decodes one message; the span must hold exactly one encoding.</summary>
    /// <exception cref="ClusterProtocolException">The bytes are truncated, corrupt, of another version or of an unknown type.</exception>
    public static ClusterMessage Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length < 3)
        {
            throw MessageReader.Malformed($"a message needs at least 3 header bytes, got {data.Length}", data.Length);
        }

        if (data[0] != Magic)
        {
            throw MessageReader.Malformed($"magic byte is 0x{data[0]:X2}, expected 0x{Magic:X2}", 0);
        }

        if (data[1] != Version)
        {
            throw MessageReader.Malformed($"format version {data[1]} is not supported (this node reads version {Version})", 1);
        }

        var reader = new MessageReader(data, 3);
        ClusterMessage message = (MessageType)data[2] switch
        {
            MessageType.PrepareRequest => new PrepareRequest(
                reader.ReadVarInt64("epoch"), reader.ReadString("table name"), reader.ReadKey("key"), reader.ReadBallot("ballot")),
            MessageType.PrepareReply => new PrepareReply(
                reader.ReadStatus(), reader.ReadVarInt64("epoch"), reader.ReadBallot("promised ballot"), reader.ReadBallot("accepted ballot"),
                reader.ReadCellState("state")),
            MessageType.AcceptRequest => new AcceptRequest(
                reader.ReadVarInt64("epoch"), reader.ReadString("table name"), reader.ReadKey("key"), reader.ReadBallot("ballot"),
                reader.ReadCellState("state")),
            MessageType.AcceptReply => new AcceptReply(reader.ReadStatus(), reader.ReadVarInt64("epoch"), reader.ReadBallot("promised ballot")),
            MessageType.ReadRequest => new ReadRequest(reader.ReadVarInt64("epoch"), reader.ReadString("table name"), reader.ReadKeys("keys")),
            MessageType.ReadReply => new ReadReply(reader.ReadStatus(), reader.ReadVarInt64("epoch"), reader.ReadCells("cells")),
            MessageType.KeyQueryRequest => new KeyQueryRequest(reader.ReadVarInt64("epoch"), reader.ReadQuery("query")),
            MessageType.KeyQueryReply => new KeyQueryReply(
                reader.ReadStatus(), reader.ReadVarInt64("epoch"), reader.ReadCells("cells"), reader.ReadOptionalKey("last evaluated key")),
            MessageType.RangeFetchRequest => new RangeFetchRequest(
                reader.ReadVarInt64("epoch"), reader.ReadString("table name"), reader.ReadFixed64("from token"), reader.ReadFixed64("to token"),
                reader.ReadOptionalKey("after key"), reader.ReadVarInt32("limit")),
            MessageType.RangeFetchReply => new RangeFetchReply(
                reader.ReadStatus(), reader.ReadVarInt64("epoch"), reader.ReadCells("cells"), reader.ReadBool("more")),
            MessageType.RangeDigestRequest => new RangeDigestRequest(
                reader.ReadVarInt64("epoch"), reader.ReadString("table name"), reader.ReadFixed64("from token"), reader.ReadFixed64("to token"),
                reader.ReadVarInt32("bucket count")),
            MessageType.RangeDigestReply => new RangeDigestReply(reader.ReadStatus(), reader.ReadVarInt64("epoch"), reader.ReadFixed64List("digests")),
            MessageType.StoreRequest => new StoreRequest(reader.ReadVarInt64("epoch"), reader.ReadString("table name"), reader.ReadCells("cells")),
            MessageType.StoreReply => new StoreReply(reader.ReadStatus(), reader.ReadVarInt64("epoch"), reader.ReadVarInt32("stored count")),
            MessageType.HeartbeatRequest => new HeartbeatRequest(reader.ReadVarInt64("epoch")),
            MessageType.HeartbeatReply => new HeartbeatReply(reader.ReadVarInt64("epoch")),
            MessageType.ErrorReply => new ErrorReply(reader.ReadString("error message")),
            MessageType.TombstoneCheckRequest => new TombstoneCheckRequest(reader.ReadVarInt64("epoch"), reader.ReadString("table name"), reader.ReadCells("cells")),
            MessageType.TombstoneCheckReply => new TombstoneCheckReply(reader.ReadStatus(), reader.ReadVarInt64("epoch"), reader.ReadBoolList("safe flags")),
            MessageType.TableStatsRequest => new TableStatsRequest(reader.ReadVarInt64("epoch"), reader.ReadString("table name")),
            MessageType.TableStatsReply => new TableStatsReply(
                reader.ReadStatus(), reader.ReadVarInt64("epoch"), reader.ReadVarInt64("item count"), reader.ReadVarInt64("partition count"), reader.ReadVarInt64("size in bytes")),
            _ => throw MessageReader.Malformed($"message type {data[2]} is unknown", 2),
        };

        if (reader.Remaining != 0)
        {
            throw MessageReader.Malformed($"{reader.Remaining} unexpected bytes after the {message.GetType().Name}", reader.Position);
        }

        return message;
    }

    private static MessageType TypeOf(ClusterMessage message) => message switch
    {
        PrepareRequest => MessageType.PrepareRequest,
        PrepareReply => MessageType.PrepareReply,
        AcceptRequest => MessageType.AcceptRequest,
        AcceptReply => MessageType.AcceptReply,
        ReadRequest => MessageType.ReadRequest,
        ReadReply => MessageType.ReadReply,
        KeyQueryRequest => MessageType.KeyQueryRequest,
        KeyQueryReply => MessageType.KeyQueryReply,
        RangeFetchRequest => MessageType.RangeFetchRequest,
        RangeFetchReply => MessageType.RangeFetchReply,
        RangeDigestRequest => MessageType.RangeDigestRequest,
        RangeDigestReply => MessageType.RangeDigestReply,
        StoreRequest => MessageType.StoreRequest,
        StoreReply => MessageType.StoreReply,
        HeartbeatRequest => MessageType.HeartbeatRequest,
        HeartbeatReply => MessageType.HeartbeatReply,
        ErrorReply => MessageType.ErrorReply,
        TableStatsRequest => MessageType.TableStatsRequest,
        TombstoneCheckRequest => MessageType.TombstoneCheckRequest,
        TombstoneCheckReply => MessageType.TombstoneCheckReply,
        TableStatsReply => MessageType.TableStatsReply,
        _ => throw new ArgumentException($"Message type {message.GetType().Name} has no binary encoding.", nameof(message)),
    };
}
