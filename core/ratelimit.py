"""A rate limit shared by every worker: a counter per minute in Redis.

Fixed one-minute windows keyed by the minute, so all workers count against the
same number; the key expires by itself. Without Redis (the demo on the
filesystem broker, one worker) a counter in the process does the same job.
"""

import threading
import time

from django.conf import settings

_local = {}
_lock = threading.Lock()
_client = None


def _redis():
    global _client
    if _client is None and settings.REDIS_URL:
        import redis

        _client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5
        )
    return _client


def take(name, per_minute, now=None):
    """Take one from this minute's budget; False if it is spent."""
    minute = int((now or time.time()) // 60)
    key = f"kompetens:rate:{name}:{minute}"
    client = _redis()
    if client is not None:
        pipe = client.pipeline()
        pipe.incr(key)
        pipe.expire(key, 120)
        count, _ok = pipe.execute()
    else:
        with _lock:
            count = _local[key] = _local.get(key, 0) + 1
            for old in [k for k in _local if k != key]:
                del _local[old]
    return count <= per_minute
