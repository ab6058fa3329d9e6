"""A real OpenID provider for the sign-in tests: node-oidc-provider (npm
``oidc-provider``, pinned in package.json, installed by ``make test`` with
``npm ci``) run by ``tests/oidc_provider/provider.mjs`` as its own process.

``OpenIDProvider`` starts it on a free port and waits for its ready line (the
pattern of ``tests/ralph_lrs.py``); ``sign_in_at_provider`` plays the person
at the provider's login form over HTTP (httpx), for tests that drive our
views with Django's test client; the browser test types into the same form.

The fixtures (imported by the tests that use them):

- ``oidc_provider``: one provider for the whole run (session scope);
- ``sso``: the provider plus our settings pointing at it, for one test.

Never skips: a missing ``node`` or ``node_modules`` fails the run loudly.
"""

import copy
import re
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
LAUNCHER = REPO_ROOT / "tests" / "oidc_provider" / "provider.mjs"
NODE_MODULES = REPO_ROOT / "node_modules" / "oidc-provider"
READY = re.compile(r"oidc-provider: ready at (http://\S+)")
START_TIMEOUT = 20.0

# The provider's clients (tests/oidc_provider/provider.mjs): test secrets.
CLIENTS = {
    "kompetens": "kompetens-test-secret",
    "other": "other-test-secret",
    "short": "short-test-secret",  # ID tokens that live one second
}
# Its accounts: login name -> employee number.
ANNA = "anna.sso"
ANNA_NUMBER = "E1001"
LEAVER = "lena.leaver"
LEAVER_NUMBER = "E1002"
UNKNOWN = "okand"
UNKNOWN_NUMBER = "E9999"
NO_NUMBER = "utan.nummer"


class OpenIDProvider:
    """One node-oidc-provider process: ``start()``, ``stop()``, ``issuer``,
    ``log()``."""

    def __init__(self, log_file: Path):
        self.log_file = Path(log_file)
        self.process: subprocess.Popen | None = None
        self.issuer = ""

    def start(self) -> "OpenIDProvider":
        node = shutil.which("node")
        if node is None:
            raise RuntimeError(
                "The sign-in tests need Node.js (`node` not found): install "
                "Debian's nodejs and npm (`make test` runs `npm ci`)."
            )
        if not NODE_MODULES.exists():
            raise RuntimeError(
                f"{NODE_MODULES} is missing: run `npm ci` in {REPO_ROOT} "
                "(`make test` does it when package-lock.json changes)."
            )
        with self.log_file.open("a") as log:
            offset = log.tell()
            self.process = subprocess.Popen(
                [node, str(LAUNCHER), "--host", "127.0.0.1", "--port", "0"],
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            match = READY.search(self._log_since(offset))
            if match:
                self.issuer = match.group(1)
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(
            f"The OpenID provider did not start within {START_TIMEOUT} s. "
            f"Its output ({self.log_file}):\n{self.log()[-3000:]}"
        )

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)

    def _log_since(self, offset):
        with self.log_file.open(errors="replace") as log:
            log.seek(offset)
            return log.read()

    def log(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")
        except FileNotFoundError:
            return ""


def sign_in_at_provider(authorize_url, login, *, client=None):
    """Follow the provider's pages from the authorization request as a person
    signing in as ``login`` would, and return the URL it sends them back to
    (our callback with ``code`` and ``state``), without requesting it.
    ``client``: an httpx.Client keeping the person's cookies at the provider
    (a second sign-in in it reuses the provider's session)."""
    http = client or httpx.Client(timeout=10)
    url = authorize_url
    for _step in range(10):
        response = http.get(url)
        if response.status_code in (302, 303):
            location = urljoin(url, response.headers["location"])
            if "/konto/oidc/callback/" in location:
                return location
            url = location
            continue
        if response.status_code == 200 and 'name="login"' in response.text:
            action = re.search(r'<form[^>]*action="([^"]+)"', response.text).group(1)
            response = http.post(
                urljoin(url, action),
                data={"prompt": "login", "login": login, "password": "any"},
            )
            assert response.status_code in (302, 303), response.text[:500]
            url = urljoin(url, response.headers["location"])
            continue
        raise AssertionError(
            f"Unexpected answer from the provider at {url}: "
            f"{response.status_code} {response.text[:500]}"
        )
    raise AssertionError("The provider never sent the person back.")


def query_of(url):
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    provider = OpenIDProvider(tmp_path_factory.mktemp("oidc") / "provider.log")
    try:
        provider.start()
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    yield provider
    provider.stop()


@pytest.fixture
def sso(settings, oidc_provider):
    """Our settings pointed at the test provider, as production's environment
    would (OIDC_ISSUER, client id and secret, the claim), for one test."""
    settings.OIDC_ISSUER = oidc_provider.issuer
    settings.OIDC_RP_CLIENT_ID = "kompetens"
    settings.OIDC_RP_CLIENT_SECRET = CLIENTS["kompetens"]
    settings.OIDC_RP_SCOPES = "openid email profile employee"
    settings.OIDC_EMPLOYEE_NUMBER_CLAIM = "employee_number"
    settings.OIDC_MATCH_EMAIL_FALLBACK = False
    settings.OIDC_CREATE_UNKNOWN = False
    # As cms.settings.base does with OIDC_ISSUER: the logout form's redirect
    # to the provider's end-session endpoint is allowed by form-action.
    policy = copy.deepcopy(getattr(settings, "CONTENT_SECURITY_POLICY", None))
    if policy:
        directives = policy["DIRECTIVES"]
        directives["form-action"] = [
            *directives.get("form-action", []),
            oidc_provider.issuer,
        ]
        settings.CONTENT_SECURITY_POLICY = policy
    return oidc_provider
