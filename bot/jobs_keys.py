"""Where the job queue (arq) keeps its jobs: the queue's name and the hash tag of every job id.

arq keeps a job in `arq:job:<id>`, `arq:in-progress:<id>`, `arq:retry:<id>` and `arq:result:<id>`,
and touches them in one transaction with the queue (`<queue>`, `<queue>:health-check`) and with
its abort set, whose name (`arq:abort`) arq fixes. In a Redis Cluster every key of a transaction
must be in one hash slot, so the queue and every job id carry the abort set's own name as their
hash tag: all of arq's keys then live in the slot of `arq:abort` (`bot.jobs_redis` connects arq
to the node that owns it). On a single Redis the tag changes nothing but the names.
"""

from __future__ import annotations

from arq.constants import abort_jobs_ss, default_queue_name

TAG = "{" + abort_jobs_ss + "}"  # hashes like "arq:abort" itself
QUEUE = f"{default_queue_name}:{TAG}"
OLD_QUEUE = default_queue_name  # before the tag (see `bot.jobs_redis.migrate_untagged`)


def tagged(name: str) -> str:
    """The arq job id of a job named `name` (a reminder's, a delivery's, a notice's...)."""
    return name if name.startswith(TAG) else TAG + name


def untagged(job_id: str) -> str:
    """The name inside an arq job id (a job queued before the tag keeps its id as it was)."""
    return job_id.removeprefix(TAG)
