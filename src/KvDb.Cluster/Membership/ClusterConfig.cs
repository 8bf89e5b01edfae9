using System.Buffers;
using System.Collections.Immutable;
using KvDb.Cluster.Placement;
using KvDb.Storage;
using KvDb.Wal;

namespace KvDb.Cluster.Membership;

/// <summary>Where a node stands in the cluster.</summary>
public enum MemberState : byte
{
    /// <summary>Owns its ranges.</summary>
    Normal = 1,

    /// <summary>Added: receives writes for the ranges it will own and streams them in; owns them once every gaining node has synced.</summary>
    Joining = 2,

    /// <summary>Being decommissioned: still serves until its ranges have been streamed to their new owners.</summary>
    Leaving = 3,

    /// <summary>Declared dead: its replicas are being restored on the remaining nodes.</summary>
    Dead = 4,
}

/// <summary>One member of the cluster: its id, the unique number used in its ballots, and its state.</summary>
public sealed record MemberInfo(NodeId Id, int Number, MemberState State);

/// <summary>
/// The cluster configuration, itself replicated with Paxos on every member: the numbered epoch, the members
/// and their states, the tables, and (during a transition) which gaining nodes have finished streaming.
/// Every change increments <see cref="Epoch"/>; a change is decided by a majority of the members of the
/// configuration it replaces.
/// </summary>
public sealed record ClusterConfig
{
    /// <summary>The configuration's number; every change increments it.</summary>
    public required long Epoch { get; init; }

    /// <summary>Members in id order.</summary>
    public required ImmutableArray<MemberInfo> Members { get; init; }

    /// <summary>Table schemas in name order.</summary>
    public required ImmutableArray<TableSchema> Tables { get; init; }

    /// <summary>Gaining nodes that have finished streaming during the current transition.</summary>
    public ImmutableArray<NodeId> Synced { get; init; } = [];

    /// <summary>When each table was created (Unix ms, coordinator clock), by name.</summary>
    public ImmutableDictionary<string, long> CreatedAt { get; init; } = ImmutableDictionary<string, long>.Empty;

    /// <summary>The first configuration of a cluster started from a fixed member list (epoch 1, no tables).</summary>
    public static ClusterConfig Genesis(IEnumerable<NodeId> members)
    {
        var ids = members.Distinct().Order().ToArray();
        if (ids.Length == 0)
        {
            throw new ArgumentException("A cluster needs at least one node.", nameof(members));
        }

        return new ClusterConfig
        {
            Epoch = 1,
            Members = [.. ids.Select((id, i) => new MemberInfo(id, i + 1, MemberState.Normal))],
            Tables = [],
        };
    }

    /// <summary>The member with this id, or null.</summary>
    public MemberInfo? Find(NodeId id) => Members.FirstOrDefault(m => m.Id == id);

    /// <summary>True while members join, leave or are replaced (ranges are being streamed).</summary>
    public bool InTransition => Members.Any(m => m.State != MemberState.Normal);

    /// <summary>Nodes that take part in the ring before the transition (everyone but joiners).</summary>
    public IEnumerable<NodeId> OldRingMembers => Members.Where(m => m.State != MemberState.Joining).Select(m => m.Id);

    /// <summary>Nodes that take part in the ring after the transition (normal members and joiners).</summary>
    public IEnumerable<NodeId> NewRingMembers => Members.Where(m => m.State is MemberState.Normal or MemberState.Joining).Select(m => m.Id);

    /// <summary>The schema of a table, or null.</summary>
    public TableSchema? FindTable(string name) => Tables.FirstOrDefault(t => t.Name == name);

    /// <summary>Encodes the configuration (stored as the value of the configuration cell).</summary>
    public byte[] Encode()
    {
        var w = new ArrayBufferWriter<byte>();
        w.Write([(byte)1]);
        WriteLong(w, Epoch);
        ItemCodec.WriteVarUInt(w, (uint)Members.Length);
        foreach (var m in Members)
        {
            WriteString(w, m.Id.Value);
            ItemCodec.WriteVarUInt(w, (uint)m.Number);
            w.Write([(byte)m.State]);
        }

        ItemCodec.WriteVarUInt(w, (uint)Tables.Length);
        foreach (var t in Tables)
        {
            SchemaCodec.Write(w, t);
            WriteLong(w, CreatedAt.GetValueOrDefault(t.Name));
        }

        ItemCodec.WriteVarUInt(w, (uint)Synced.Length);
        foreach (var s in Synced)
        {
            WriteString(w, s.Value);
        }

        return w.WrittenSpan.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output.</summary>
    public static ClusterConfig Decode(ReadOnlySpan<byte> data)
    {
        var r = new ItemReader(data, 0);
        if (r.ReadByte() != 1)
        {
            throw new KvDbException(KvErrorCode.UnsupportedFormat, "Unknown cluster configuration format.");
        }

        var epoch = ReadLong(ref r);
        var members = ImmutableArray.CreateBuilder<MemberInfo>();
        for (var i = r.ReadCount(); i > 0; i--)
        {
            var id = new NodeId(r.ReadString());
            var number = (int)r.ReadVarUInt();
            members.Add(new MemberInfo(id, number, (MemberState)r.ReadByte()));
        }

        var tables = ImmutableArray.CreateBuilder<TableSchema>();
        var created = ImmutableDictionary.CreateBuilder<string, long>();
        for (var i = r.ReadCount(); i > 0; i--)
        {
            var schema = SchemaCodec.Read(ref r);
            tables.Add(schema);
            created[schema.Name] = ReadLong(ref r);
        }

        var synced = ImmutableArray.CreateBuilder<NodeId>();
        for (var i = r.ReadCount(); i > 0; i--)
        {
            synced.Add(new NodeId(r.ReadString()));
        }

        return new ClusterConfig { Epoch = epoch, Members = members.ToImmutable(), Tables = tables.ToImmutable(), CreatedAt = created.ToImmutable(), Synced = synced.ToImmutable() };
    }

    private static void WriteString(ArrayBufferWriter<byte> w, string s)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(s);
        ItemCodec.WriteVarUInt(w, (uint)bytes.Length);
        w.Write(bytes);
    }

    private static void WriteLong(ArrayBufferWriter<byte> w, long v)
    {
        Span<byte> b = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(b, v);
        w.Write(b);
    }

    private static long ReadLong(ref ItemReader r)
    {
        Span<byte> b = stackalloc byte[8];
        for (var i = 0; i < 8; i++)
        {
            b[i] = r.ReadByte();
        }

        return System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(b);
    }
}

/// <summary>
/// The placement a configuration implies: one ring, or during a transition the ring before and the ring
/// after. While both exist, every replicated operation needs a quorum in each replica set (joint consensus),
/// so that a value chosen in either is seen by the other.
/// </summary>
internal sealed class ClusterPlacement
{
    private readonly HashRing _old;
    private readonly HashRing? _new;

    /// <summary>Builds the rings of a configuration.</summary>
    public ClusterPlacement(ClusterConfig config, int replicationFactor, int virtualNodesPerNode)
    {
        Config = config;
        // A node that has not joined yet knows no members: it gets a placeholder ring (it coordinates nothing).
        var oldMembers = config.OldRingMembers.ToArray();
        _old = Ring(oldMembers.Length > 0 ? oldMembers : [new NodeId("unassigned")], virtualNodesPerNode, replicationFactor);
        _new = config.InTransition ? Ring(config.NewRingMembers.ToArray(), virtualNodesPerNode, replicationFactor) : null;
    }

    // Rings are immutable and every node of a process (the simulation, in-process clusters) builds the same ones
    // for each epoch; building one costs tens of milliseconds at 100 nodes, so recent ones are shared.
    private static readonly Lock s_cacheLock = new();
    private static readonly LinkedList<(string Key, HashRing Ring)> s_cache = new();

    private static HashRing Ring(NodeId[] members, int virtualNodesPerNode, int replicationFactor)
    {
        var key = $"{virtualNodesPerNode}/{replicationFactor}/{string.Join(",", members.Select(m => m.Value).Order(StringComparer.Ordinal))}";
        lock (s_cacheLock)
        {
            for (var n = s_cache.First; n is not null; n = n.Next)
            {
                if (n.Value.Key == key)
                {
                    s_cache.Remove(n);
                    s_cache.AddFirst(n);
                    return n.Value.Ring;
                }
            }
        }

        var ring = HashRing.Create(members, virtualNodesPerNode, replicationFactor);
        lock (s_cacheLock)
        {
            s_cache.AddFirst((key, ring));
            while (s_cache.Count > 16)
            {
                s_cache.RemoveLast();
            }
        }

        return ring;
    }

    /// <summary>The configuration.</summary>
    public ClusterConfig Config { get; }

    /// <summary>The ring now (before the transition).</summary>
    public HashRing Current => _old;

    /// <summary>The ring after the transition, or null outside one.</summary>
    public HashRing? Next => _new;

    /// <summary>The replica sets that must each give a quorum for a token: one outside a transition, two during one.</summary>
    public IReadOnlyList<IReadOnlyList<NodeId>> ReplicaSets(ulong token)
    {
        var old = _old.ReplicasFor(token);
        if (_new is null)
        {
            return [old];
        }

        var next = _new.ReplicasFor(token);
        return old.SequenceEqual(next) ? [old] : [old, next];
    }

    /// <summary>The ring that decides ownership once the transition completes (or the only ring).</summary>
    public HashRing Final => _new ?? _old;
}
