"""Single sign-on with the city's identity provider over OpenID Connect.

mozilla-django-oidc runs the authorization code flow (state, nonce, PKCE) and
signs the person in; this module adds what its backend leaves out and what the
city needs:

- the provider's endpoints from its discovery document, fetched at first use
  and cached (``provider_config``), so nothing is fetched when SSO is off or
  a person signs in with a password;
- the ID token verified in full (``CityOIDCBackend.verify_token``): signature
  against the provider's JWKS (RS256 only), issuer, audience (our client id,
  and ``azp`` when there are several), expiry, issued-at and nonce. The
  library itself decodes with ``verify_aud`` off and never checks ``iss``;
- the person matched to their staff profile by the employee number claim
  (email only when ``OIDC_MATCH_EMAIL_FALLBACK`` is on, never the username),
  and a leaver or an unknown person refused (``find_person``);
- every failure raised as one exception, ``SignInRefused``, with a reason
  code that the callback view turns into a translated page and an audit
  event (``record_refusal``). No token ever goes into the audit log.

The backend's dotted path, ``accounts.oidc.CityOIDCBackend``, is what Django
keeps in the session (``BACKEND_SESSION_KEY``): the two-factor check reads it
to exempt SSO sign-ins (the provider does MFA). Keep it stable.
"""

import logging
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.core.cache import cache
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from core.addresses import client_address
from organisation.models import AuditEvent, StaffProfile

logger = logging.getLogger(__name__)

BACKEND_PATH = "accounts.oidc.CityOIDCBackend"
SIGNING_ALGORITHM = "RS256"
DISCOVERY_PATH = "/.well-known/openid-configuration"
# A JWKS is fetched again for an unknown key id (the provider rotated its
# keys), but not more often than this: a forged kid must not make us fetch it
# on every request.
JWKS_REFRESH_SECONDS = 60


class SignInRefused(Exception):
    """A sign-in with the city's account that is not let through.

    ``reason`` is one of REASONS; ``user`` the person when we know who it was
    (a leaver); ``detail`` a short technical note for the audit log (never a
    token)."""

    def __init__(self, reason, *, user=None, detail=""):
        super().__init__(reason)
        self.reason = reason
        self.user = user
        self.detail = str(detail)[:200]


# reason -> HTTP status of the refusal page. 403: the person is not let in;
# 400: the sign-in itself failed (and may be tried again).
REASONS = {
    "ended": 403,  # a leaver: inactive account or employment ended
    "unknown_person": 403,  # no staff profile with that employee number
    "claim_missing": 403,  # the provider sent no employee number
    "ambiguous": 403,  # the email fallback found more than one person
    "not_allowed": 403,  # another backend refused (a throttled address)
    "state": 400,  # unknown, used or missing `state` (replay, forged link)
    "provider_error": 400,  # the provider answered with an error
    "code_rejected": 400,  # the token endpoint refused the code (replayed)
    "provider_unreachable": 400,  # discovery, JWKS or token endpoint down
    "signature": 400,  # the ID token's signature does not verify
    "token_invalid": 400,  # malformed token, wrong alg, not yet valid
    "issuer": 400,
    "audience": 400,
    "expired": 400,
    "nonce": 400,
}
# Refusals of who the person is (not of how the sign-in went): "we could not
# find you" rather than "try again".
PERSON_REASONS = {"unknown_person", "claim_missing", "ambiguous"}


def sso_enabled():
    """SSO is on when an issuer and a client id are configured (the demo has
    neither)."""
    return bool(settings.OIDC_ISSUER and settings.OIDC_RP_CLIENT_ID)


# --- the provider ------------------------------------------------------------


@dataclass(frozen=True)
class ProviderConfig:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str = ""
    end_session_endpoint: str = ""


def _get_json(url):
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as error:
        logger.warning("OpenID provider: %s failed: %s", url, error)
        raise SignInRefused("provider_unreachable", detail=f"GET {url}") from error


def provider_config():
    """The provider's endpoints: its discovery document, fetched at first use
    and cached for OIDC_DISCOVERY_CACHE_SECONDS. An ``OIDC_OP_*`` setting
    overrides the discovered endpoint of that name (for a provider whose
    document is wrong). Raises SignInRefused when the provider cannot be
    reached or its document names another issuer."""
    issuer = settings.OIDC_ISSUER.rstrip("/")
    key = "accounts:oidc:discovery:" + salted_hmac("oidc", issuer).hexdigest()
    document = cache.get(key)
    if document is None:
        document = _get_json(issuer + DISCOVERY_PATH)
        if not isinstance(document, dict) or document.get("issuer") != issuer:
            # OpenID Connect Discovery 4.3: the issuer must be the one asked.
            raise SignInRefused("issuer", detail="discovery document's issuer")
        cache.set(key, document, settings.OIDC_DISCOVERY_CACHE_SECONDS)

    def endpoint(name, setting):
        return getattr(settings, setting, "") or document.get(name) or ""

    config = ProviderConfig(
        issuer=issuer,
        authorization_endpoint=endpoint(
            "authorization_endpoint", "OIDC_OP_AUTHORIZATION_ENDPOINT"
        ),
        token_endpoint=endpoint("token_endpoint", "OIDC_OP_TOKEN_ENDPOINT"),
        jwks_uri=endpoint("jwks_uri", "OIDC_OP_JWKS_ENDPOINT"),
        userinfo_endpoint=endpoint("userinfo_endpoint", "OIDC_OP_USER_ENDPOINT"),
        end_session_endpoint=endpoint(
            "end_session_endpoint", "OIDC_OP_LOGOUT_ENDPOINT"
        ),
    )
    if not (
        config.authorization_endpoint and config.token_endpoint and config.jwks_uri
    ):
        raise SignInRefused("provider_unreachable", detail="endpoints missing")
    return config


def _jwks(jwks_uri, *, refresh=False):
    key = "accounts:oidc:jwks:" + salted_hmac("oidc", jwks_uri).hexdigest()
    cached = cache.get(key)
    too_soon = cached and time.time() - cached["fetched_at"] < JWKS_REFRESH_SECONDS
    if cached is None or (refresh and not too_soon):
        document = _get_json(jwks_uri)
        keys = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(keys, list):
            raise SignInRefused("provider_unreachable", detail="JWKS without keys")
        cached = {"keys": keys, "fetched_at": time.time()}
        cache.set(key, cached, settings.OIDC_DISCOVERY_CACHE_SECONDS)
    return cached["keys"]


def signing_key(jwks_uri, kid):
    """The provider's RS256 signing key with this key id (the only one when
    the token names none)."""
    for refresh in (False, True):
        candidates = [
            jwk
            for jwk in _jwks(jwks_uri, refresh=refresh)
            if isinstance(jwk, dict)
            and jwk.get("kty") == "RSA"
            and jwk.get("use", "sig") == "sig"
            and jwk.get("alg", SIGNING_ALGORITHM) == SIGNING_ALGORITHM
            and (kid is None or jwk.get("kid") == kid)
        ]
        if len(candidates) == 1:
            try:
                return jwt.PyJWK(candidates[0], algorithm=SIGNING_ALGORITHM).key
            except jwt.PyJWTError as error:
                raise SignInRefused("signature", detail="unusable JWK") from error
    raise SignInRefused("signature", detail="no matching signing key")


def verify_id_token(token, *, nonce):
    """The ID token's claims once everything the standard asks of a client is
    checked (OpenID Connect Core 3.1.3.7); SignInRefused otherwise."""
    config = provider_config()
    client_id = settings.OIDC_RP_CLIENT_ID
    if not isinstance(token, str) or not token:
        raise SignInRefused("token_invalid", detail="no ID token")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise SignInRefused("token_invalid", detail="malformed header") from error
    if header.get("alg") != SIGNING_ALGORITHM:
        # Never "none", never HS256 with a public key as the secret.
        raise SignInRefused("token_invalid", detail=f"alg {header.get('alg')!s:.20}")
    key = signing_key(config.jwks_uri, header.get("kid"))
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[SIGNING_ALGORITHM],
            audience=client_id,
            issuer=config.issuer,
            leeway=settings.OIDC_CLOCK_SKEW_SECONDS,
            options={"require": ["iss", "aud", "exp", "iat", "sub"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise SignInRefused("expired") from error
    except jwt.InvalidAudienceError as error:
        raise SignInRefused("audience") from error
    except jwt.InvalidIssuerError as error:
        raise SignInRefused("issuer") from error
    except (jwt.InvalidSignatureError, jwt.DecodeError) as error:
        raise SignInRefused("signature") from error
    except jwt.PyJWTError as error:
        raise SignInRefused("token_invalid", detail=type(error).__name__) from error
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != client_id:
        raise SignInRefused("audience", detail="azp")
    if not nonce or not constant_time_compare(str(claims.get("nonce", "")), nonce):
        raise SignInRefused("nonce")
    return claims


# --- the person --------------------------------------------------------------


def _has_ended(profile, today):
    return not profile.user.is_active or (
        profile.end_date is not None and profile.end_date < today
    )


def _usable(value, max_length):
    """A claim as text we may look up: what no column could hold (too long, a
    NUL byte, which PostgreSQL refuses) matches nobody."""
    text = str(value or "").strip()
    return "" if len(text) > max_length or "\x00" in text else text


def find_person(claims):
    """The user whose staff profile carries the employee number the provider
    vouches for (OIDC_EMPLOYEE_NUMBER_CLAIM); by email only when
    OIDC_MATCH_EMAIL_FALLBACK is on; a new person only when
    OIDC_CREATE_UNKNOWN is on. Never by username. A leaver (an inactive
    account, or an end date that has passed) is refused."""
    number = _usable(claims.get(settings.OIDC_EMPLOYEE_NUMBER_CLAIM), 40)
    profiles = StaffProfile.objects.select_related("user")
    profile = profiles.filter(employee_number=number).first() if number else None
    email = _usable(claims.get("email"), 254)
    if (
        profile is None
        and settings.OIDC_MATCH_EMAIL_FALLBACK
        and email
        and claims.get("email_verified", True) is not False
    ):
        found = list(profiles.filter(user__email__iexact=email)[:2])
        if len(found) > 1:
            raise SignInRefused("ambiguous", detail="email")
        profile = found[0] if found else None
    if profile is None:
        if settings.OIDC_CREATE_UNKNOWN and number:
            return create_person(number, claims)
        if number:
            raise SignInRefused("unknown_person", detail=f"employee number {number}")
        raise SignInRefused("claim_missing", detail=settings.OIDC_EMPLOYEE_NUMBER_CLAIM)
    if _has_ended(profile, timezone.localdate()):
        raise SignInRefused("ended", user=profile.user)
    return profile.user


def create_person(number, claims):
    """A person the HR system has not sent yet, when HR has allowed it
    (OIDC_CREATE_UNKNOWN): an account with no usable password and a staff
    profile with the employee number only; the next HR import fills in the
    unit, the manager and the rest."""
    User = get_user_model()
    user = User(
        username=f"sso-{number}"[:150],
        email=str(claims.get("email") or "")[:254],
        first_name=str(claims.get("given_name") or "")[:150],
        last_name=str(claims.get("family_name") or "")[:150],
    )
    user.set_unusable_password()
    user.save()
    StaffProfile.objects.create(user=user, employee_number=number)
    return user


# --- the backend -------------------------------------------------------------


class CityOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend with the checks it leaves out.

    Django builds every backend for every sign-in, password ones included, so
    nothing here reads the provider until a callback needs it."""

    OIDC_RP_SIGN_ALGO = SIGNING_ALGORITHM
    OIDC_RP_IDP_SIGN_KEY = None

    def __init__(self, *args, **kwargs):
        # Not the library's __init__: it needs every endpoint as a setting.
        self.UserModel = get_user_model()

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self):
        return provider_config().token_endpoint

    @property
    def OIDC_OP_USER_ENDPOINT(self):
        return provider_config().userinfo_endpoint

    @property
    def OIDC_OP_JWKS_ENDPOINT(self):
        return provider_config().jwks_uri

    @property
    def OIDC_RP_CLIENT_ID(self):
        return settings.OIDC_RP_CLIENT_ID

    @property
    def OIDC_RP_CLIENT_SECRET(self):
        return settings.OIDC_RP_CLIENT_SECRET

    def authenticate(self, request, **kwargs):
        # Only the callback view passes a nonce; a password sign-in does not.
        if request is None or "nonce" not in kwargs or not sso_enabled():
            return None
        return super().authenticate(request, **kwargs)

    def get_token(self, payload):
        try:
            answer = super().get_token(payload)
        except (requests.RequestException, ValueError) as error:
            raise SignInRefused("provider_unreachable", detail="token") from error
        if not isinstance(answer, dict):
            raise SignInRefused("token_invalid", detail="token response")
        return answer

    def raise_token_response_error(self, response):
        if response.status_code == 200:
            return
        # A code used twice, expired or issued to another client: the
        # provider says invalid_grant. Its error code only, no body.
        try:
            error = str(response.json().get("error", ""))[:64]
        except (ValueError, AttributeError):
            error = ""
        raise SignInRefused(
            "code_rejected", detail=f"{response.status_code} {error}".strip()
        )

    def verify_token(self, token, **kwargs):
        return verify_id_token(token, nonce=kwargs.get("nonce"))

    def get_or_create_user(self, access_token, id_token, payload):
        claims = dict(payload)
        userinfo_endpoint = provider_config().userinfo_endpoint
        if userinfo_endpoint and access_token:
            # Claims the ID token lacks may come from the userinfo endpoint,
            # but only for the same subject (OpenID Connect Core 5.3.2).
            userinfo = self.get_userinfo(access_token, id_token, payload)
            if str(userinfo.get("sub")) != str(payload["sub"]):
                raise SignInRefused("token_invalid", detail="userinfo sub")
            for name, value in userinfo.items():
                claims.setdefault(name, value)
        return find_person(claims)

    def get_userinfo(self, access_token, id_token, payload):
        try:
            response = requests.get(
                provider_config().userinfo_endpoint,
                headers={"Authorization": f"Bearer {access_token}"},
                timeout=settings.OIDC_TIMEOUT,
            )
            response.raise_for_status()
            userinfo = response.json()
        except (requests.RequestException, ValueError) as error:
            raise SignInRefused("provider_unreachable", detail="userinfo") from error
        if not isinstance(userinfo, dict):
            raise SignInRefused("token_invalid", detail="userinfo")
        return userinfo

    def get_user(self, user_id):
        # A person deactivated since they signed in is anonymous at once (the
        # library's get_user does not look at is_active).
        user = super().get_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


# --- signing out and refusals ---------------------------------------------------


def signed_in_with_sso(request):
    return request.session.get(BACKEND_SESSION_KEY) == BACKEND_PATH


def provider_logout_url(request, post_logout_redirect_uri):
    """Where to send a person who signed in with the city's account after we
    end our session: the provider's end_session_endpoint (RP-initiated logout
    1.0) with the ID token as hint, or None when it has none."""
    if not (sso_enabled() and signed_in_with_sso(request)):
        return None
    try:
        endpoint = provider_config().end_session_endpoint
    except SignInRefused:
        return None
    if not endpoint:
        return None
    params = {
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": post_logout_redirect_uri,
    }
    id_token = request.session.get("oidc_id_token")
    if id_token:
        params["id_token_hint"] = id_token
    separator = "&" if "?" in endpoint else "?"
    return endpoint + separator + urlencode(params)


def record_refusal(request, refusal):
    """The audit event of a refused sign-in with the city's account: the
    reason, the address, the person when known. Never a token or a code."""
    details = {"reason": refusal.reason, "address": client_address(request)}
    if refusal.detail:
        details["detail"] = refusal.detail
    user = refusal.user
    if user is not None:
        summary_key = "sso_refused_for"
        values = {"username": user.get_username(), "reason": refusal.reason}
    else:
        summary_key, values = "sso_refused", {"reason": refusal.reason}
    return AuditEvent.objects.record(
        AuditEvent.Action.SSO_REFUSED,
        summary_key,
        values,
        actor=user,
        details=details,
    )
