"""arq's Redis client: on one Redis, that Redis; on a Redis Cluster (REDIS_CLUSTER), a plain
client to the node that owns the jobs' hash slot (`bot.jobs_keys`: every key arq touches is in
that one slot). arq has no cluster client, and needs none while its keys share a slot.

The owner is looked up (CLUSTER SLOTS, through redis-py's cluster client) each time a connection
is opened: at start, and after a connection error — a fail-over that promotes a replica breaks the
old primary's connections, and the new ones reach the new owner. A slot moved by resharding while
the old node lives is not followed (its commands answer MOVED until the worker restarts)."""

from __future__ import annotations

from typing import Any

from arq.connections import ArqRedis
from redis.asyncio.connection import Connection

from bot.jobs_keys import OLD_QUEUE, QUEUE, tagged


class SlotOwnerConnection(Connection):
    """A connection to whichever cluster node owns the jobs' slot when it connects."""

    def __init__(self, *, host: str = "localhost", port: int | str = 6379, **kwargs: Any) -> None:
        super().__init__(host=host, port=port, **kwargs)
        self.seeds = [(host, int(port))]  # where to ask; the last owner is asked too

    async def _connect(self) -> None:
        self.host, self.port = await owner_of_jobs_slot(
            self.seeds, username=self.username, password=self.password
        )
        if (self.host, self.port) not in self.seeds:
            self.seeds.append((self.host, self.port))
        await super()._connect()


async def owner_of_jobs_slot(
    nodes: list[tuple[str, int]], *, username: str | None = None, password: str | None = None
) -> tuple[str, int]:
    """(host, port) of the primary that owns the jobs' slot, asked of the first node of `nodes`
    that answers."""
    from redis.asyncio.cluster import ClusterNode, RedisCluster

    cluster = RedisCluster(startup_nodes=[ClusterNode(h, p) for h, p in nodes],
                           username=username, password=password)  # fmt: skip
    try:
        await cluster.initialize()
        owner = cluster.get_node_from_key(QUEUE)
        return owner.host, int(owner.port)
    finally:
        await cluster.aclose()


def arq_pool(redis_url: str, *, cluster: bool = False) -> ArqRedis:
    """arq's client, connecting lazily: a service started while Redis is down still starts
    (and reports itself degraded on /healthz) instead of failing."""
    if cluster:
        if redis_url.startswith("rediss:"):
            raise ValueError("the job queue on a cluster speaks plain TCP only (no rediss://)")
        arq = ArqRedis.from_url(redis_url, connection_class=SlotOwnerConnection)
    else:
        arq = ArqRedis.from_url(redis_url)
    arq.default_queue_name = QUEUE  # from_url passes its keywords on to the connections
    return arq


# Moves one job from the untagged queue: its data, retry count and in-progress mark under the
# tagged id, its score into the tagged queue. KEYS: old queue, new queue. ARGV: old id, new id.
_MOVE = """
local old, new = ARGV[1], ARGV[2]
for _, prefix in ipairs({'arq:job:', 'arq:retry:', 'arq:in-progress:'}) do
  if redis.call('EXISTS', prefix .. old) == 1 then
    redis.call('RENAME', prefix .. old, prefix .. new)
  end
end
local score = redis.call('ZSCORE', KEYS[1], old)
if score then
  redis.call('ZADD', KEYS[2], score, new)
  redis.call('ZREM', KEYS[1], old)
end
return 1
"""


async def migrate_untagged(arq: ArqRedis) -> int:
    """One Redis only: move the jobs queued before the tag (under `arq:queue`) to the tagged
    queue, keeping their due times; returns how many. Safe to run again (and while jobs run:
    each move is one script)."""
    moved = 0
    for raw in await arq.zrange(OLD_QUEUE, 0, -1):
        old = raw.decode() if isinstance(raw, bytes) else raw
        await arq.eval(_MOVE, 2, OLD_QUEUE, QUEUE, old, tagged(old))
        moved += 1
    return moved
