"""The security headers Django has no setting for: the Content-Security-Policy
chosen by path (the Wagtail admin's, CONTENT_SECURITY_POLICY_ADMIN, differs
from the learners' and managers' pages) and the Permissions-Policy; and the
nonce on the Wagtail admin's own inline scripts.

The rest (HSTS, nosniff, Referrer-Policy, Cross-Origin-Opener-Policy,
X-Frame-Options) are Django's own settings, in cms/settings."""

from contextvars import ContextVar

from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import default_config
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import mark_safe

# The admin is mounted here (cms.urls): Wagtail's login, editors, choosers,
# previews and our own admin views are all below it.
ADMIN_PREFIX = "/admin/"

# The request being answered, for the code that renders Wagtail's inline
# scripts without a request at hand (form widgets; see wagtail_chooser_render).
_current_request = ContextVar("kompetens_csp_request", default=None)


def current_csp_nonce():
    """The nonce of the response being rendered ("" outside a request). Asking
    for it puts it in the response's script-src."""
    request = _current_request.get()
    if request is None or not hasattr(request, "csp_nonce"):
        return ""
    return str(request.csp_nonce)


def nonce_attribute():
    """` nonce="…"` for a `<script>` tag written by trusted code, or ""."""
    nonce = current_csp_nonce()
    return format_html(' nonce="{}"', nonce) if nonce else ""


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin's policy for every path under
    /admin/ (CONTENT_SECURITY_POLICY's directives, CONTENT_SECURITY_POLICY_ADMIN's
    replacing theirs). A view's own @csp_replace/@csp_update applies on top,
    and a header a view set itself stays (Wagtail's `default-src 'none'` on
    documents)."""

    def process_request(self, request):
        super().process_request(request)
        _current_request.set(request)

    def process_response(self, request, response):
        try:
            return super().process_response(request, response)
        finally:
            _current_request.set(None)

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if report_only or parts.config is not None:
            return parts
        if request.path_info.startswith(ADMIN_PREFIX):
            directives = {
                **settings.CONTENT_SECURITY_POLICY["DIRECTIVES"],
                **getattr(settings, "CONTENT_SECURITY_POLICY_ADMIN", {}),
            }
            parts = PolicyParts(
                config=default_config(directives),
                update=parts.update,
                replace=parts.replace,
                nonce=parts.nonce,
            )
        return parts


def wagtail_chooser_render(original):
    """Wagtail's chooser widgets (image, document, page, media, task) write
    their initialisation as `<widget html><script>new …Chooser(…)</script>`
    (wagtail.admin.widgets.BaseChooser.render); this gives that one script,
    the last of the output, the request's nonce. The widget's own HTML before
    it is escaped by Wagtail, so the script is Wagtail's code, never a value
    an editor typed."""

    def render(self, name, value, attrs=None, renderer=None):
        html = original(self, name, value, attrs=attrs, renderer=renderer)
        nonce = current_csp_nonce()
        start = html.rfind("<script>")
        if not nonce or start == -1 or not html.endswith("</script>"):
            return html
        opening = format_html('<script nonce="{}">', nonce)
        return mark_safe(html[:start] + opening + html[start + len("<script>") :])  # noqa: S308 - Wagtail's own safe output with an attribute added

    render.__wrapped__ = original
    return render


def permissions_policy_header(policy):
    """`{"camera": [], "fullscreen": ["self"]}` as `camera=(), fullscreen=(self)`."""
    return ", ".join(
        f"{feature}=({' '.join(allowlist)})" for feature, allowlist in policy.items()
    )


class PermissionsPolicyMiddleware:
    """The Permissions-Policy header from PERMISSIONS_POLICY: the browser
    features no page of ours uses are off, for us and for anything we frame."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response
