"""xAPI: statements for every learning event, through a transactional outbox.

- `statements`: the builders, one per kind of event, as plain dicts;
- `outbox`: writes statements in the caller's transaction and schedules a flush;
- `delivery`: sends the outbox to each Learning Record Store over httpx;
- `tasks`: the Celery tasks (flush on commit, the beat sweep).

See docs/xapi.md.
"""
