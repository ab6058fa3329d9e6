"""Run Ralph's LRS API (ralph-malph 5.1.0) for the tests: ``tests/ralph_lrs.py``
starts this script with ``.venv-ralph/bin/python``.

It runs under Ralph's own virtualenv, so it imports only the standard library,
Ralph and what Ralph depends on: never Django or anything of Kompetens.

    .venv-ralph/bin/python tests/ralph_launcher.py --port PORT

Ralph reads its configuration from the RALPH_* variables the caller sets
(RALPH_APP_DIR, RALPH_AUTH_FILE, RALPH_RUNSERVER_BACKEND=fs and the file-system
backends' directory). If RALPH_AUTH_FILE does not exist yet, it is written for
the one user named by KOMPETENS_RALPH_USERNAME, KOMPETENS_RALPH_PASSWORD,
KOMPETENS_RALPH_ACCOUNT_NAME and KOMPETENS_RALPH_ACCOUNT_HOMEPAGE, in the format
``ralph auth`` writes (without starting a second Python for ``ralph auth``).

Workaround for a Ralph bug: the file-system LRS backend stores every statement
in one file, ``fs_lrs.jsonl``, but writes it with the backend's default
operation type CREATE, which refuses to write to an existing file. So the first
POST /xAPI/statements succeeds and every later one fails with 500 ("... already
exists and overwrite is not allowed"); seen in Ralph 4.2.0, 5.0.1 and 5.1.0.
This script makes APPEND the backend's default before the API is imported, so
each write adds its statements to the file, as the backend's reads expect.

It binds the port before anything else and then prints
"ralph-launcher: bound to HOST:PORT"; ``RalphLRS`` asks for the heartbeat only
after that line, so it cannot take another process's server on a reused port
for this one. The process exits on its own within a second or two of its
parent (the test run) ending, so a killed pytest leaves no LRS behind.
"""

import argparse
import json
import os
import socket
import sys
import threading
import time
from pathlib import Path

# tests/ralph_lrs.py waits for this line (with HOST:PORT) in the output.
BOUND_MARK = "ralph-launcher: bound to"


def write_auth_file(path: Path) -> None:
    """Write Ralph's credentials file for one user with every scope."""
    import bcrypt

    password = os.environ["KOMPETENS_RALPH_PASSWORD"].encode()
    # A cheap work factor: the password only guards a test server. (Ralph
    # caches a successful check; a wrong password costs a bcrypt each time.)
    hashed = bcrypt.hashpw(password, bcrypt.gensalt(rounds=4)).decode()
    users = [
        {
            "agent": {
                "account": {
                    "homePage": os.environ["KOMPETENS_RALPH_ACCOUNT_HOMEPAGE"],
                    "name": os.environ["KOMPETENS_RALPH_ACCOUNT_NAME"],
                },
                "objectType": "Agent",
            },
            "scopes": ["all"],
            "hash": hashed,
            "username": os.environ["KOMPETENS_RALPH_USERNAME"],
        }
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(users, indent=2))


def exit_with_parent() -> None:
    """End this process once the process that started it has ended."""
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    arguments = parser.parse_args()

    # The port first, before the slow imports: the caller waits for the line
    # below before it asks for the heartbeat, so a server that some other
    # process runs on this port cannot be taken for this one.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((arguments.host, arguments.port))
    except OSError as error:
        address = f"{arguments.host}:{arguments.port}"
        sys.stderr.write(f"ralph-launcher: cannot bind {address}: {error}\n")
        return 3
    sys.stdout.write(f"{BOUND_MARK} {arguments.host}:{arguments.port}\n")
    sys.stdout.flush()

    auth_file = Path(os.environ["RALPH_AUTH_FILE"])
    if not auth_file.exists():
        write_auth_file(auth_file)

    # The workaround described above; must come before ralph.api is imported.
    from ralph.backends.data.base import BaseOperationType
    from ralph.backends.lrs.fs import FSLRSBackend

    FSLRSBackend.default_operation_type = BaseOperationType.APPEND

    import uvicorn

    exit_with_parent()
    # uvicorn.run("ralph.api:app", ...), on the socket bound above.
    server = uvicorn.Server(uvicorn.Config("ralph.api:app", log_level="warning"))
    server.run(sockets=[listener])
    return 0


if __name__ == "__main__":
    sys.exit(main())
