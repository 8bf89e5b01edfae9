using KvDb.Cluster.Membership;
using KvDb.Cluster.Replication;

namespace KvDb.Cluster.Tests.Replication;

public sealed class MembershipTests
{
    [Fact]
    public void RequestsWithAStaleEpoch_AreRejected_AndEveryNodeLearnsNewEpochs()
    {
        var c = new SimCluster(seed: 41, nodes: 3);
        c.Run(async () =>
        {
            await c.On("n1", s => s.CreateTableAsync(SimCluster.KvSchema()).AsTask());
            await c.WaitUntilAsync(() => c.Ids.All(id => c.Node(id).Config.Epoch == 2), 10, "every node learning epoch 2");

            var stale = await c.OnNode("n2", n => n.HandleAsync("n1", new PrepareRequest(1, "kv", new ItemKey("a", 0), new Ballot(1, 0, 1)), CancellationToken.None));
            Assert.Equal(ReplyStatus.StaleEpoch, ((PrepareReply)stale).Status);
            Assert.Equal(2, ((PrepareReply)stale).Epoch);

            var current = await c.OnNode("n2", n => n.HandleAsync("n1", new PrepareRequest(2, "kv", new ItemKey("a", 0), new Ballot(1, 0, 1)), CancellationToken.None));
            Assert.Equal(ReplyStatus.Ok, ((PrepareReply)current).Status);

            var unknown = await c.OnNode("n2", n => n.HandleAsync("n1", new ReadRequest(2, "nope", [new ItemKey("a")]), CancellationToken.None));
            Assert.Equal(ReplyStatus.UnknownTable, ((ReadReply)unknown).Status);

            var status = c.Node("n3").GetStatus();
            Assert.Equal(2, status.Epoch);
            Assert.False(status.Rebalancing);
            Assert.Equal(3, status.Members.Count);
            Assert.Equal(1.0, status.Members.Sum(m => m.OwnershipShare), 6);
        });
    }

    [Fact]
    public void ARemovedNode_LearnsItWasRemoved_AndRefusesRequests()
    {
        var c = new SimCluster(seed: 42, nodes: 4, o => o.DeadAfter = TimeSpan.FromSeconds(3));
        c.Run(async () =>
        {
            await c.On("n1", s => s.CreateTableAsync(SimCluster.KvSchema()).AsTask());
            c.Sim.Network.Isolate("n4");
            await c.WaitUntilAsync(() => c.Node("n1").Config.Find("n4") is null && !c.Node("n1").Config.InTransition, 60, "the removal of n4");
            c.Sim.Network.Heal();
            await c.WaitUntilAsync(() => !c.Node("n4").IsMember, 30, "n4 learning that it was removed");
            var reply = await c.OnNode("n4", n => n.HandleAsync("n1", new ReadRequest(c.Node("n1").Config.Epoch, "kv", [new ItemKey("a", 0)]), CancellationToken.None));
            Assert.Equal(ReplyStatus.NotMember, ((ReadReply)reply).Status);
            await c.On("n2", s => s.PutItemAsync(new PutItemRequest("kv", Item.Create().Set("pk", "a").Set("sk", 0).Build())).AsTask());
        });
    }

    [Fact]
    public void ARestartedNode_CatchesUpWithConfigurationChangesItMissed()
    {
        var c = new SimCluster(seed: 43, nodes: 3);
        c.Run(async () =>
        {
            c.Crash("n3");
            await c.On("n1", s => s.CreateTableAsync(SimCluster.KvSchema()).AsTask());
            await c.On("n2", s => s.CreateTableAsync(new TableSchema("other", new KeyAttribute("id", ScalarType.String))).AsTask());
            await c.RestartAsync("n3");
            await c.WaitUntilAsync(() => c.Node("n3").Config.Epoch == c.Node("n1").Config.Epoch, 10, "n3 catching up");
            Assert.Equal(["kv", "other"], c.Node("n3").Config.Tables.Select(t => t.Name));
            var item = await c.On("n3", async s =>
            {
                await s.PutItemAsync(new PutItemRequest("other", Item.Create().Set("id", "x").Build()));
                return await s.GetItemAsync(new GetItemRequest("other", new ItemKey("x")));
            });
            Assert.NotNull(item);
        });
    }
}
