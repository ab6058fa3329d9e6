"""Wagtail's site and page lookups, remembered by each process for as long as
the content does not change.

Every Wagtail page (and every page with a link to one) asks which site the
request is for: a query with a CASE over the sites. Routing a lesson's URL
asks once per level of the URL, twice (the child by its slug, then its
specific page): eight queries for /catalogue/course/lesson/. Both answers
change only when a page or a site does, and any such change bumps the content
generation (`courses.rendering`, shared by every process through the cache):
each process keeps its answers for the generation it read, and reads them
again when it has moved on.

What is kept is which site and which page a path is; the page itself is read
fresh on every request (one query, and one for its parent), so whether it is
live, its content and its view restrictions are always current.
"""

from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.http.request import split_domain_port
from wagtail.models import Page, Site
from wagtail.url_routing import RouteResult

from courses.rendering import content_generation, remembered

# Paths remembered per process (a city's catalogue has a few thousand pages).
MAX_ROUTES = 20_000


def _remembered(space, request):
    return remembered(space, content_generation(request))


def site_for_request(request):
    """What `Site.find_for_request` answers, from the process's memory while
    no page or site has changed."""
    hostname = split_domain_port(request._get_raw_host())[0]
    port = request.get_port()
    sites = _remembered("sites", request)
    key = (hostname, port)
    if key not in sites:
        sites[key] = Site._find_for_request(request)
    return sites[key]


def _page(content_type_id, pk):
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    return model.objects.get(pk=pk)


def route(root, request, path_components):
    """Wagtail's `Page.route` from the site's root page, for a path of one or
    more slugs: the page whose URL path it is (as walking the tree slug by
    slug finds it, through unpublished pages too), live, or a 404. Two
    queries: the page and its parent (which the page's own code asks for).
    None when Wagtail's own walk must answer: no page has this URL path (a
    404, unless a page's own `route` takes the rest of the path), or the
    page routes further itself."""
    url_path = root.url_path + "/".join(path_components) + "/"
    routes = _remembered("routes", request)
    found = routes.get(url_path)
    if found is None:
        row = (
            Page.objects.filter(url_path=url_path, path__startswith=root.path)
            .values_list("pk", "content_type_id", "path", "depth")
            .first()
        )
        if row is None:
            return None
        pk, content_type_id, path, depth = row
        parent = (
            Page.objects.filter(path=path[: -Page.steplen])
            .values_list("pk", "content_type_id")
            .first()
            if depth > root.depth + 1
            else None
        )
        found = (pk, content_type_id, parent)
        if len(routes) >= MAX_ROUTES:
            routes.clear()
        routes[url_path] = found
    pk, content_type_id, parent = found
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    if model is None or model.route is not Page.route:
        return None
    try:
        page = _page(content_type_id, pk)
        page._cached_parent_obj = (
            _page(parent[1], parent[0]) if parent is not None else root
        )
    except Page.DoesNotExist as error:  # deleted since: the generation moves on
        raise Http404 from error
    if not page.live:
        raise Http404
    return RouteResult(page)
