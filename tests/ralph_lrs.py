"""A real Ralph LRS (ralph-malph 5.1.0) for the integration tests and the
benchmark, run as a separate process.

Ralph lives in its own virtualenv, ``.venv-ralph`` (``make ralph``, from
``requirements/ralph.txt``): its pins clash with ours, so nothing of Kompetens
imports it. ``RalphLRS`` starts ``tests/ralph_launcher.py`` with that venv's
Python, using Ralph's file-system backend in a directory of its own:

    <directory>/auth.json          the one user (written by the launcher)
    <directory>/data/fs_lrs.jsonl  every stored statement, one JSON per line
    <directory>/history.json       Ralph's log of its writes
    <directory>/ralph.log          the server's output, across restarts

The data file survives ``stop()`` / ``start()``, as an LRS's database would;
``statements()`` and ``statement_ids()`` read it directly, which is fast and
independent of the xAPI (Ralph itself rereads it on every request).

Endpoints: ``url`` is the xAPI base, ``http://127.0.0.1:PORT/xAPI/``, the form
an xAPI client is configured with; statements are at ``url + "statements"``
(also ``statements_url``). Requests need basic auth (``username``,
``password``) and the header ``X-Experience-API-Version: 1.0.3``. Ralph
answers a POST with 200 and the ids it stored, an identical resend with 204
(from a batch, already stored identical statements are dropped silently), and
a different statement under a stored id with 409.

Never skips: a missing venv or a server that does not come up raises.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from base64 import b64encode
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
RALPH_VENV = REPO_ROOT / ".venv-ralph"
RALPH_PYTHON = RALPH_VENV / "bin" / "python"
LAUNCHER = Path(__file__).resolve().with_name("ralph_launcher.py")
BOUND_MARK = "ralph-launcher: bound to"  # as in ralph_launcher.py
DATA_FILE_NAME = "fs_lrs.jsonl"  # FSLRSBackendSettings.DEFAULT_LRS_FILE
XAPI_VERSION = "1.0.3"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class RalphLRS:
    """One Ralph LRS server process, its directory and its credentials.

    ``start()``, ``stop()``, ``restart()`` and ``running``; ``url`` and
    ``statements_url``; ``username``, ``password``, ``authority`` (the agent
    Ralph puts into each statement it stores) and ``headers()``; the stored
    data with ``statements()``, ``statement_ids()``, ``raw_lines()`` and, while
    stopped, ``clear()``; the server's output with ``log()``.
    Also a context manager: started on entry, stopped on exit.
    """

    host = "127.0.0.1"

    def __init__(
        self,
        directory: Path | str,
        port: int | None = None,
        *,
        username: str = "kompetens",
        password: str = "kompetens-test-lrs",  # noqa: S107 - a test server's
        account_name: str = "kompetens",
        account_homepage: str = "https://kompetens.test",
        start_timeout: float = START_TIMEOUT,
    ):
        self.directory = Path(directory).resolve()
        self.data_directory = self.directory / "data"
        self.data_file = self.data_directory / DATA_FILE_NAME
        self.auth_file = self.directory / "auth.json"
        self.log_file = self.directory / "ralph.log"
        self._port_chosen = port is not None
        self.port = port if port is not None else free_port(self.host)
        self.username = username
        self.password = password
        self.authority = {
            "account": {"homePage": account_homepage, "name": account_name},
            "objectType": "Agent",
        }
        self.start_timeout = start_timeout
        self.process: subprocess.Popen | None = None
        self._started_once = False
        self.last_start_seconds: float | None = None

    def __repr__(self):
        state = "running" if self.running else "stopped"
        return f"<RalphLRS {self.url} {state} in {self.directory}>"

    # --- addresses and credentials ------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The xAPI base URL, with its trailing slash."""
        return f"{self.base_url}/xAPI/"

    @property
    def statements_url(self) -> str:
        return self.url + "statements"

    @property
    def heartbeat_url(self) -> str:
        return f"{self.base_url}/__heartbeat__"

    @property
    def auth_header(self) -> str:
        token = b64encode(f"{self.username}:{self.password}".encode()).decode()
        return f"Basic {token}"

    def headers(self) -> dict[str, str]:
        """Headers for an xAPI request: basic auth and the xAPI version."""
        return {
            "Authorization": self.auth_header,
            "X-Experience-API-Version": XAPI_VERSION,
        }

    # --- the process ---------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> "RalphLRS":
        """Start the server and wait (up to `start_timeout` s) until its
        heartbeat answers; raise RuntimeError with the log's tail otherwise."""
        if self.running:
            raise RuntimeError(f"{self!r} is already running.")
        if not RALPH_PYTHON.exists():
            raise RuntimeError(
                f"Ralph's virtualenv is missing ({RALPH_PYTHON} not found): "
                "run `make ralph` (`make test` does it too)."
            )
        self.data_directory.mkdir(parents=True, exist_ok=True)
        # An automatically chosen port may have been taken since it was picked;
        # then pick another, but only before anyone may have used the URL.
        retries = 0 if self._port_chosen or self._started_once else 2
        while True:
            began = time.monotonic()
            self._spawn()
            error = self._wait_until_up()
            if error is None:
                self.last_start_seconds = time.monotonic() - began
                self._started_once = True
                return self
            self._terminate()
            if retries and "cannot bind" in self._log_since():
                retries -= 1
                self.port = free_port(self.host)
                continue
            raise RuntimeError(
                f"Ralph LRS did not come up at {self.base_url} ({error}). "
                f"Last lines of {self.log_file}:\n{self.log(tail=40)}"
            )

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL). The data file stays."""
        self._terminate()

    def restart(self) -> "RalphLRS":
        """Stop and start again on the same port, with the same data."""
        self.stop()
        return self.start()

    def __enter__(self) -> "RalphLRS":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _environment(self) -> dict[str, str]:
        # Nothing of this process's Python or of a developer's own Ralph setup.
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("RALPH_", "PYTHON", "KOMPETENS_RALPH_"))
            and key != "VIRTUAL_ENV"
        }
        data = str(self.data_directory)
        env.update(
            PYTHONUNBUFFERED="1",
            RALPH_APP_DIR=str(self.directory),
            RALPH_AUTH_FILE=str(self.auth_file),
            RALPH_RUNSERVER_BACKEND="fs",
            RALPH_RUNSERVER_AUTH_BACKENDS="basic",
            RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH=data,
            RALPH_BACKENDS__DATA__FS__DEFAULT_DIRECTORY_PATH=data,
            KOMPETENS_RALPH_USERNAME=self.username,
            KOMPETENS_RALPH_PASSWORD=self.password,
            KOMPETENS_RALPH_ACCOUNT_NAME=self.authority["account"]["name"],
            KOMPETENS_RALPH_ACCOUNT_HOMEPAGE=self.authority["account"]["homePage"],
        )
        return env

    def _spawn(self) -> None:
        with self.log_file.open("a") as log:
            log.write(f"--- starting Ralph LRS on {self.base_url} ---\n")
            self._log_offset = log.tell()
            self.process = subprocess.Popen(
                [str(RALPH_PYTHON), str(LAUNCHER), "--port", str(self.port)],
                cwd=self.directory,
                env=self._environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def _wait_until_up(self) -> str | None:
        """None once this process holds the port and its heartbeat answers
        {"database": "ok"}; otherwise why not."""
        deadline = time.monotonic() + self.start_timeout
        bound_line = f"{BOUND_MARK} {self.host}:{self.port}\n"
        bound = False
        last_error = "the launcher has not bound the port yet"
        while True:
            if self.process.poll() is not None:
                return f"the process exited with {self.process.returncode}"
            if not bound:
                bound = bound_line in self._log_since()
            if bound:
                last_error = self._heartbeat_error()
                if last_error is None:
                    return None
            if time.monotonic() >= deadline:
                return f"not up within {self.start_timeout} s; {last_error}"
            time.sleep(0.05)

    def _heartbeat_error(self) -> str | None:
        try:
            with urllib.request.urlopen(self.heartbeat_url, timeout=2) as answer:  # noqa: S310
                body = json.loads(answer.read())
        except (OSError, ValueError) as error:
            return f"heartbeat: {error}"
        if body.get("database") != "ok":
            return f"heartbeat said {body}"
        return None

    def _terminate(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)

    # --- output and stored data ---------------------------------------------

    def log(self, tail: int | None = None) -> str:
        """The server's output (all starts), or its last `tail` lines."""
        try:
            text = self.log_file.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        if tail is not None:
            text = "\n".join(text.splitlines()[-tail:])
        return text

    def _log_since(self) -> str:
        try:
            with self.log_file.open(errors="replace") as log:
                log.seek(self._log_offset)
                return log.read()
        except (FileNotFoundError, AttributeError):
            return ""

    def raw_lines(self) -> list[str]:
        """The data file's lines as stored (without their line ends)."""
        try:
            text = self.data_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        return text.splitlines()

    def statements(self) -> list[dict]:
        """Every statement stored, in the order Ralph wrote them, as Ralph
        stored them (with its `stored`, `authority`, `timestamp`, ...)."""
        return [json.loads(line) for line in self.raw_lines() if line.strip()]

    def statement_ids(self) -> list[str]:
        """The ids of the stored statements, in order (repeats would show)."""
        return [statement["id"] for statement in self.statements()]

    def clear(self) -> None:
        """Forget every stored statement. Only while stopped: Ralph might be
        writing the file."""
        if self.running:
            raise RuntimeError("Stop the Ralph LRS before clearing its data.")
        self.data_file.unlink(missing_ok=True)


if __name__ == "__main__":
    # Run one by hand: python tests/ralph_lrs.py [DIRECTORY]
    import tempfile

    directory = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp("-ralph")
    with RalphLRS(directory) as lrs:
        print(  # noqa: T201
            f"Ralph LRS at {lrs.url} (user {lrs.username}, password "
            f"{lrs.password}), data in {lrs.data_file}; Ctrl-C stops it."
        )
        try:
            while lrs.running:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
