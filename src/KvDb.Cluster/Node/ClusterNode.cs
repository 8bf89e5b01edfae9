using KvDb.Cluster.Membership;
using KvDb.Cluster.Placement;
using KvDb.Cluster.Replication;
using KvDb.Cluster.Runtime;
using KvDb.Cluster.Transport;

namespace KvDb.Cluster.Node;

/// <summary>
/// One node of a cluster: it stores replicas in a local KvDb database, serves other nodes' requests (the
/// acceptor side), coordinates client requests (<see cref="Store"/>), exchanges heartbeats, detects dead
/// nodes, streams ranges when the membership changes, delivers hints and runs anti-entropy. Every node is
/// equal: any node coordinates any request, and the configuration is itself replicated by Paxos.
/// </summary>
public sealed partial class ClusterNode : IMessageHandler, IAsyncDisposable
{
    internal static readonly ItemKey ConfigKey = new("config");
    private readonly IClusterTransport _transport;
    private readonly ClusterConfig? _genesis;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<NodeId, long> _lastHeard = [];
    private readonly Dictionary<NodeId, long> _peerEpoch = [];
    private readonly Lock _peers = new();
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private readonly SemaphoreSlim _adopt = new(1, 1);
    private ClusterPlacement _placement;
    private ITimer? _heartbeatTimer;
    private ITimer? _antiEntropyTimer;
    private int _ticking;
    private int _antiEntropyRunning;
    private int _streaming;
    private long _startedAt;

    /// <summary>
    /// Creates a node. <paramref name="initialMembers"/> is the member list of a new cluster (the same on every
    /// initial node); a node that will be added to a running cluster later passes an empty list and learns the
    /// configuration from the members once it has been added (<see cref="AddNodeAsync"/>).
    /// </summary>
    public ClusterNode(NodeId id, KvDatabase local, IClusterTransport transport, IEnumerable<NodeId> initialMembers, ClusterOptions? options = null, ClusterRuntime? runtime = null)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(initialMembers);
        Id = id;
        _transport = transport ?? throw new ArgumentNullException(nameof(transport));
        Options = options ?? new ClusterOptions();
        Options.Validate();
        Runtime = runtime ?? ClusterRuntime.System;
        Replicas = new ReplicaStore(local);
        Clock = new HybridClock(() => Runtime.NowMilliseconds);
        Hints = new HintStore(Options.MaxHintsPerNode);
        Coordinator = new Coordinator(this);
        var members = initialMembers.ToArray();
        _genesis = members.Length == 0 ? null : ClusterConfig.Genesis(members);
        _placement = MakePlacement(_genesis ?? new ClusterConfig { Epoch = 0, Members = [], Tables = [] });
        Store = new ClusteredKvStore(this);
    }

    /// <summary>This node's id.</summary>
    public NodeId Id { get; }

    /// <summary>When true, disposing the node also disposes its local database (set by <c>AddCluster</c>).</summary>
    public bool DisposeLocalDatabase { get; set; }

    /// <summary>The options.</summary>
    public ClusterOptions Options { get; }

    /// <summary>Time, timers and randomness.</summary>
    public ClusterRuntime Runtime { get; }

    /// <summary>The cluster as a key-value store, coordinated by this node.</summary>
    public ClusteredKvStore Store { get; }

    /// <summary>The configuration this node currently knows.</summary>
    public ClusterConfig Config => _placement.Config;

    /// <summary>What this node knows about rebalancing (its own streaming).</summary>
    public RebalanceProgress Progress { get; private set; } = RebalanceProgress.Idle;

    internal ClusterPlacement Placement => Volatile.Read(ref _placement);

    internal ReplicaStore Replicas { get; }

    internal HybridClock Clock { get; }

    internal HintStore Hints { get; }

    internal Coordinator Coordinator { get; }

    /// <summary>True once the node is a member of the configuration it knows (and not declared dead or removed).</summary>
    public bool IsMember => Config.Find(Id) is { State: not MemberState.Dead };

    private ClusterPlacement MakePlacement(ClusterConfig config) => new(config, Options.ReplicationFactor, Options.VirtualNodesPerNode);

    /// <summary>Opens the local replicas, loads the last configuration this node accepted, and starts serving and the background work.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await Replicas.OpenAsync(cancellationToken);
        var stored = await Replicas.ReadAsync(ReplicaStore.SystemTable, [ConfigKey], cancellationToken);
        var restarted = stored[0].State.Item is not null;
        if (restarted)
        {
            // The configuration this node last accepted: a starting point. It may not have been chosen (a change
            // that reached too few members), so once serving, the node reads the chosen one through Paxos.
            var config = ConfigOf(stored[0].State);
            if (config.Epoch > Config.Epoch)
            {
                await AdoptConfigAsync(config, cancellationToken);
            }
        }
        else if (_genesis is not null)
        {
            await Replicas.ApplyCatalogAsync(_genesis, cancellationToken);
            Clock.NodeNumber = _genesis.Find(Id)?.Number ?? 0;
        }

        _startedAt = Runtime.NowMilliseconds;
        _transport.Listen(this);
        _heartbeatTimer = Runtime.Time.CreateTimer(_ => _ = TickAsync(), null, Options.HeartbeatInterval, Options.HeartbeatInterval);
        if (Options.AntiEntropyInterval > TimeSpan.Zero)
        {
            _antiEntropyTimer = Runtime.Time.CreateTimer(_ => _ = AntiEntropyTickAsync(), null, Options.AntiEntropyInterval, Options.AntiEntropyInterval);
        }

        Runtime.Trace($"{Id} started at epoch {Config.Epoch}");
        if (restarted)
        {
            _ = RefreshConfigInBackgroundAsync();
        }
    }

    /// <summary>Stops the timers and background work (the local database is the caller's).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync();
        if (_heartbeatTimer is not null)
        {
            await _heartbeatTimer.DisposeAsync();
        }

        if (_antiEntropyTimer is not null)
        {
            await _antiEntropyTimer.DisposeAsync();
        }

        await _transport.DisposeAsync();
        if (DisposeLocalDatabase)
        {
            await Replicas.Local.DisposeAsync();
        }
    }

    internal CancellationToken Stopping => _stop.Token;

    // ------------------------------------------------------------------ messaging

    internal async Task<ClusterMessage> SendAsync(NodeId target, ClusterMessage request, CancellationToken ct)
    {
        if (_stop.IsCancellationRequested)
        {
            throw new NodeUnreachableException(target, $"node {Id} is stopped");
        }

        if (target == Id)
        {
            return await HandleAsync(Id, request, ct);
        }

        var reply = await _transport.SendAsync(target, request, Options.RequestTimeout, ct);
        if (reply is ErrorReply error)
        {
            throw new KvDbException(KvErrorCode.ClusterUnavailable, $"Node {target} failed a {request.GetType().Name}: {error.Message}");
        }

        return reply;
    }

    /// <inheritdoc />
    public async Task<ClusterMessage> HandleAsync(NodeId sender, ClusterMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_stop.IsCancellationRequested)
        {
            return new ErrorReply($"node {Id} is stopping");
        }

        try
        {
            return await ServeAsync(sender, request, cancellationToken);
        }
        catch (KvDbException e)
        {
            return new ErrorReply(e.Message);
        }
        catch (ArgumentException e)
        {
            return new ErrorReply(e.Message);
        }
    }

    private async Task<ClusterMessage> ServeAsync(NodeId sender, ClusterMessage request, CancellationToken ct)
    {
        var epoch = Config.Epoch;
        if (request is HeartbeatRequest hb)
        {
            NotePeer(sender, hb.Epoch);
            return new HeartbeatReply(epoch);
        }

        if (request is not EpochRequest er)
        {
            return new ErrorReply($"Unexpected request {request.GetType().Name}.");
        }

        var table = TableOf(request);
        if (table != ReplicaStore.SystemTable)
        {
            if (!IsMember)
            {
                return Reject(request, ReplyStatus.NotMember, epoch);
            }

            if (er.Epoch < epoch)
            {
                return Reject(request, ReplyStatus.StaleEpoch, epoch);
            }

            if (er.Epoch > epoch)
            {
                _ = RefreshConfigInBackgroundAsync();
            }

            if (!Replicas.HasTable(table))
            {
                return Reject(request, ReplyStatus.UnknownTable, epoch);
            }
        }

        switch (request)
        {
            case PrepareRequest p:
                Clock.Observe(p.Ballot);
                return await Replicas.PrepareAsync(p.Table, p.Key, p.Ballot, epoch, ct);
            case AcceptRequest a:
            {
                Clock.Observe(a.Ballot);
                var (ok, promised) = await Replicas.AcceptAsync(a.Table, a.Key, a.Ballot, a.State, isStore: false, ct);
                if (ok && a.Table == ReplicaStore.SystemTable)
                {
                    // Accepting a configuration does not make it chosen; it is adopted when learned through a quorum.
                }

                return new AcceptReply(ok ? ReplyStatus.Ok : ReplyStatus.Rejected, epoch, promised);
            }

            case StoreRequest s:
            {
                var stored = 0;
                foreach (var cell in s.Cells)
                {
                    Clock.Observe(cell.Accepted);
                    if ((await Replicas.AcceptAsync(s.Table, cell.Key, cell.Accepted, cell.State, isStore: true, ct)).Ok)
                    {
                        stored++;
                    }
                }

                return new StoreReply(ReplyStatus.Ok, epoch, stored);
            }

            case ReadRequest r:
                return new ReadReply(ReplyStatus.Ok, epoch, await Replicas.ReadAsync(r.Table, r.Keys, ct));
            case KeyQueryRequest q:
            {
                var (cells, last) = await Replicas.QueryAsync(q.Query, ct);
                return new KeyQueryReply(ReplyStatus.Ok, epoch, cells, last);
            }

            case RangeFetchRequest f:
            {
                var (cells, more) = await Replicas.FetchRangeAsync(f.Table, f.FromToken, f.ToToken, f.After, Math.Clamp(f.Limit, 1, 10_000), ct);
                return new RangeFetchReply(ReplyStatus.Ok, epoch, cells, more);
            }

            case RangeDigestRequest d:
                return new RangeDigestReply(ReplyStatus.Ok, epoch, await Replicas.DigestAsync(d.Table, d.FromToken, d.ToToken, Math.Clamp(d.Buckets, 1, 1024), ct));
            case TombstoneCheckRequest c:
                return new TombstoneCheckReply(ReplyStatus.Ok, epoch, await Replicas.CheckTombstonesAsync(c.Table, c.Cells, ct));
            case TableStatsRequest t:
            {
                var local = await Replicas.Local.Store.DescribeTableAsync(t.Table, ct);
                return new TableStatsReply(ReplyStatus.Ok, epoch, local?.ItemCount ?? 0, local?.PartitionCount ?? 0, local?.SizeBytes ?? 0);
            }

            default:
                return new ErrorReply($"Unexpected request {request.GetType().Name}.");
        }
    }

    private static string TableOf(ClusterMessage request) => request switch
    {
        PrepareRequest p => p.Table,
        AcceptRequest a => a.Table,
        StoreRequest s => s.Table,
        ReadRequest r => r.Table,
        KeyQueryRequest q => q.Query.TableName,
        RangeFetchRequest f => f.Table,
        RangeDigestRequest d => d.Table,
        TableStatsRequest t => t.Table,
        TombstoneCheckRequest c => c.Table,
        _ => "",
    };

    private static ClusterMessage Reject(ClusterMessage request, ReplyStatus status, long epoch) => request switch
    {
        PrepareRequest => new PrepareReply(status, epoch, Ballot.Zero, Ballot.Zero, CellState.Empty),
        AcceptRequest => new AcceptReply(status, epoch, Ballot.Zero),
        StoreRequest => new StoreReply(status, epoch, 0),
        ReadRequest => new ReadReply(status, epoch, []),
        KeyQueryRequest => new KeyQueryReply(status, epoch, [], null),
        RangeFetchRequest => new RangeFetchReply(status, epoch, [], false),
        RangeDigestRequest => new RangeDigestReply(status, epoch, []),
        TableStatsRequest => new TableStatsReply(status, epoch, 0, 0, 0),
        TombstoneCheckRequest c => new TombstoneCheckReply(status, epoch, new bool[c.Cells.Count]),
        _ => new ErrorReply(status.ToString()),
    };

    // ------------------------------------------------------------------ configuration

    internal ClusterConfig ConfigOf(CellState state)
    {
        if (state.Item is not null && state.Item.TryGetValue("cfg", out var cfg))
        {
            return ClusterConfig.Decode(cfg.AsBinary().Span);
        }

        return _genesis ?? Config;
    }

    internal static Item ConfigItem(ClusterConfig config) =>
        Item.Create().Set("k", "config").Set("cfg", config.Encode()).Build();

    /// <summary>Adopts a configuration learned through a quorum (never goes back to an older one).</summary>
    internal async Task AdoptConfigAsync(ClusterConfig config, CancellationToken ct, bool chosen = false)
    {
        await _adopt.WaitAsync(); // no token: a cancellable wait resumes on the thread pool, which breaks the deterministic simulation
        ct.ThrowIfCancellationRequested();
        try
        {
            // Never go back. A configuration learned through a quorum (chosen) replaces one of the same epoch
            // that this node had only accepted (a change that was not chosen).
            var same = config.Epoch == Config.Epoch && (!chosen || config.Encode().AsSpan().SequenceEqual(Config.Encode()));
            if ((config.Epoch < Config.Epoch || same) && Config.Epoch != 0)
            {
                return;
            }

            await Replicas.ApplyCatalogAsync(config, ct);
            if (config.Find(Id) is { } me)
            {
                Clock.NodeNumber = me.Number;
            }

            Volatile.Write(ref _placement, MakePlacement(config));
            Runtime.Trace($"{Id} adopted epoch {config.Epoch}");
        }
        finally
        {
            _adopt.Release();
        }
    }

    /// <summary>
    /// Learns the newest chosen configuration: a Paxos read among the members of the configuration this node
    /// knows gives the next one (it was decided by a majority of them), and so on until nothing newer appears.
    /// </summary>
    internal async Task RefreshConfigAsync(CancellationToken ct)
    {
        await _refresh.WaitAsync(); // no token: a cancellable wait resumes on the thread pool, which breaks the deterministic simulation
        ct.ThrowIfCancellationRequested();
        try
        {
            for (var step = 0; step < 64; step++)
            {
                var known = Config;
                if (known.Members.IsEmpty)
                {
                    return;
                }

                var latest = await Coordinator.ReadConfigAsync(known, ct);
                if (latest is null || latest.Epoch < known.Epoch ||
                    (latest.Epoch == known.Epoch && latest.Encode().AsSpan().SequenceEqual(known.Encode())))
                {
                    return;
                }

                await AdoptConfigAsync(latest, ct, chosen: true);
            }
        }
        finally
        {
            _refresh.Release();
        }
    }

    private async Task RefreshConfigInBackgroundAsync()
    {
        if (_refresh.CurrentCount == 0)
        {
            return;
        }

        try
        {
            await RefreshConfigAsync(_stop.Token);
        }
        catch (Exception e) when (e is KvDbException or OperationCanceledException or NodeUnreachableException)
        {
            Runtime.Trace($"{Id} config refresh failed: {e.Message}");
        }
    }

    /// <summary>
    /// A node that is not a member yet (it will be added to a running cluster) learns the configuration from
    /// a member: it reads that member's configuration and then follows the chain of configurations.
    /// </summary>
    public async Task JoinAsync(NodeId viaMember, CancellationToken cancellationToken = default)
    {
        var reply = await SendAsync(viaMember, new ReadRequest(0, ReplicaStore.SystemTable, [ConfigKey]), cancellationToken);
        if (reply is ReadReply { Status: ReplyStatus.Ok } r && r.Cells.Count == 1)
        {
            var seen = r.Cells[0].State.Item is null ? null : ConfigOf(r.Cells[0].State);
            if (seen is not null && Config.Epoch == 0)
            {
                // Not yet adopted: it is only a starting point for the Paxos reads of the chain.
                Volatile.Write(ref _placement, MakePlacement(seen with { Epoch = seen.Epoch - 1 }));
            }
        }

        await RefreshConfigAsync(cancellationToken);
    }

    private void NotePeer(NodeId peer, long epoch)
    {
        lock (_peers)
        {
            _lastHeard[peer] = Runtime.NowMilliseconds;
            _peerEpoch[peer] = Math.Max(_peerEpoch.GetValueOrDefault(peer), epoch);
        }

        if (Config.Members.IsEmpty)
        {
            _ = JoinInBackgroundAsync(peer);
        }
        else if (epoch > Config.Epoch)
        {
            _ = RefreshConfigInBackgroundAsync();
        }
    }

    private async Task JoinInBackgroundAsync(NodeId peer)
    {
        if (_refresh.CurrentCount == 0)
        {
            return;
        }

        try
        {
            await JoinAsync(peer, _stop.Token);
        }
        catch (Exception e) when (e is KvDbException or OperationCanceledException or NodeUnreachableException)
        {
            Runtime.Trace($"{Id} join via {peer} failed: {e.Message}");
        }
    }

    // ------------------------------------------------------------------ membership changes

    /// <summary>Adds a node to the cluster: it joins, streams the ranges it will own, and then owns them.</summary>
    public async Task<ClusterConfig> AddNodeAsync(NodeId node, CancellationToken cancellationToken = default)
    {
        var (config, _) = await Coordinator.ChangeConfigAsync(c =>
        {
            if (c.Find(node) is not null)
            {
                throw new KvDbException(KvErrorCode.InvalidQuery, $"Node {node} is already a member of the cluster.");
            }

            var number = c.Members.IsEmpty ? 1 : c.Members.Max(m => m.Number) + 1;
            return c with { Members = [.. c.Members.Add(new MemberInfo(node, number, MemberState.Joining)).OrderBy(m => m.Id)], Synced = [] };
        }, cancellationToken);
        return config;
    }

    /// <summary>Decommissions a node: its ranges are streamed to their new owners, then it leaves the configuration.</summary>
    public async Task<ClusterConfig> DecommissionAsync(NodeId node, CancellationToken cancellationToken = default)
    {
        var (config, _) = await Coordinator.ChangeConfigAsync(c =>
        {
            var member = c.Find(node) ?? throw new KvDbException(KvErrorCode.InvalidQuery, $"Node {node} is not a member of the cluster.");
            if (c.Members.Count(m => m.State is MemberState.Normal or MemberState.Joining) <= 1)
            {
                throw new KvDbException(KvErrorCode.InvalidQuery, $"Node {node} is the last member; a cluster cannot decommission its last node.");
            }

            return member.State switch
            {
                MemberState.Joining => c with { Members = c.Members.Remove(member), Synced = [] },
                MemberState.Normal => c with { Members = c.Members.Replace(member, member with { State = MemberState.Leaving }), Synced = [] },
                _ => null,
            };
        }, cancellationToken);
        return config;
    }

    /// <summary>Declares a node dead (as the failure detector does after <see cref="ClusterOptions.DeadAfter"/>): its replicas are restored on the others.</summary>
    public async Task<ClusterConfig> DeclareDeadAsync(NodeId node, CancellationToken cancellationToken = default)
    {
        var (config, _) = await Coordinator.ChangeConfigAsync(c =>
        {
            var member = c.Find(node);
            return member?.State switch
            {
                MemberState.Joining => c with { Members = c.Members.Remove(member), Synced = [] },
                MemberState.Normal or MemberState.Leaving => c with { Members = c.Members.Replace(member, member with { State = MemberState.Dead }), Synced = [] },
                _ => null,
            };
        }, cancellationToken);
        return config;
    }

    /// <summary>
    /// What this node knows about the cluster: the epoch, each member's state and share of the ring (the share it
    /// will own once the current transition completes), and this node's own streaming progress.
    /// </summary>
    public ClusterStatus GetStatus()
    {
        var placement = Placement;
        var ring = placement.Final;
        var members = placement.Config.Members
            .Select(m => new MemberStatus(m.Id, m.State, ring.Nodes.Contains(m.Id) ? ring.OwnershipShare(m.Id) : 0, SilenceOf(m.Id)))
            .ToArray();
        return new ClusterStatus(Id, placement.Config.Epoch, placement.Config.InTransition, members, Progress, Hints.Total);
    }

    /// <summary>Nodes that gain ranges in the current transition.</summary>
    internal static IReadOnlyList<NodeId> GainingNodes(ClusterPlacement placement) =>
        placement.Next is null ? [] : HashRing.Diff(placement.Current, placement.Next).SelectMany(m => m.Gained).Distinct().Order().ToArray();
}

/// <summary>The cluster as one node sees it (see <see cref="ClusterNode.GetStatus"/>).</summary>
/// <param name="Node">The node that answers.</param>
/// <param name="Epoch">Its configuration epoch.</param>
/// <param name="Rebalancing">True while ranges are being streamed to new owners.</param>
/// <param name="Members">Every member with its state and ring share.</param>
/// <param name="Progress">This node's own streaming progress.</param>
/// <param name="PendingHints">Hints this node holds for unreachable replicas.</param>
public sealed record ClusterStatus(NodeId Node, long Epoch, bool Rebalancing, IReadOnlyList<MemberStatus> Members, RebalanceProgress Progress, int PendingHints);

/// <summary>One member as a node sees it.</summary>
/// <param name="Id">The member.</param>
/// <param name="State">Normal, joining, leaving or dead.</param>
/// <param name="OwnershipShare">Fraction of the token space it is primary for (after the current transition).</param>
/// <param name="SilenceMilliseconds">How long ago it last answered a heartbeat (0 for the node itself).</param>
public sealed record MemberStatus(NodeId Id, MemberState State, double OwnershipShare, long SilenceMilliseconds);

/// <summary>Rebalancing as one node sees it: what it has streamed in for the current transition.</summary>
/// <param name="Epoch">The configuration epoch of the transition (0 when idle).</param>
/// <param name="RangesTotal">Ranges this node gains.</param>
/// <param name="RangesDone">Ranges fully copied.</param>
/// <param name="ItemsMoved">Cells copied (items and tombstones).</param>
/// <param name="BytesMoved">Approximate bytes copied.</param>
public sealed record RebalanceProgress(long Epoch, int RangesTotal, int RangesDone, long ItemsMoved, long BytesMoved)
{
    /// <summary>Nothing to stream.</summary>
    public static RebalanceProgress Idle { get; } = new(0, 0, 0, 0, 0);

    /// <summary>Ranges still to copy.</summary>
    public int RangesLeft => RangesTotal - RangesDone;
}
