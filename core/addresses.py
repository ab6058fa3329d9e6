"""The client's address, for throttling and the audit log.

X-Forwarded-For is anyone's to send: it is read only when TRUSTED_PROXY_COUNT
says how many proxies of ours stand in front of Django, and then only the
entry the outermost of them wrote (the n-th from the right; whatever the
client put before it is ignored). Anything that is not an IP address falls
back to REMOTE_ADDR, so no header text ever reaches a database column of IP
addresses.
"""

import ipaddress

from django.conf import settings


def _valid(value):
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request):
    """The address the request came from, as a normalised IP string (None if
    even REMOTE_ADDR is not one)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            address = _valid(hops[-proxies])
            if address:
                return address
    return _valid(request.META.get("REMOTE_ADDR", ""))
