"""Django's Redis cache with one client per connection pool, made once.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` object for
every cache call (the connection pool is shared; the client object around it
is not), and building one costs more than the round trip to Redis on a page
that asks the cache several times (the session, the content generation,
Wagtail's site root paths, the header's links). A `redis.Redis` client is
safe to share: it takes a connection from its pool for each command.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(
                    self._servers[index], **self._pool_options
                )
            client = self._clients[index] = self._client(
                connection_pool=self._pools[index]
            )
        return client


class ReusedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
