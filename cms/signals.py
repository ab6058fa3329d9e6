"""Keep the header's cached links (cms.context_processors) true: any change to
a page or a site drops them, and the next page reads them again. A login
stamps the session's start for cms.middleware's time limits."""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from .context_processors import forget_site_links
from .middleware import session_started


def _page_changed(sender, instance, **kwargs):
    if isinstance(instance, Page | Site):
        forget_site_links()


def _session_deleted(sender, instance, **kwargs):
    """A session row deleted in the database (by HR's tools, a script, the
    ORM) is ended at once: sessions are read through the cache."""
    caches[settings.SESSION_CACHE_ALIAS].delete(KEY_PREFIX + instance.session_key)


def connect():
    post_delete.connect(_session_deleted, sender=Session, dispatch_uid="session-ended")
    user_logged_in.connect(session_started, dispatch_uid="session-started")
    # Sent for every model (a page's signals come with its specific class as
    # sender); the isinstance check above is all they cost elsewhere.
    post_save.connect(_page_changed, dispatch_uid="site-links-save")
    post_delete.connect(_page_changed, dispatch_uid="site-links-delete")
    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(forget_site_links, dispatch_uid=f"site-links-{id(signal)}")
