"""Integration tests: a real Celery worker process on the real Redis, a real
SMTP server (aiosmtpd) and, later, a real LRS.

The SMTP server lives here rather than only in ``conftest.py`` so that
in-process tests elsewhere (``tests/notifications/test_sender.py``) can use the same
server without importing a conftest module.
"""

import email
import email.policy
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class ReceivedMessage:
    """One envelope as it arrived at the SMTP server."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes

    def parsed(self) -> EmailMessage:
        return email.message_from_bytes(self.content, policy=email.policy.default)


class _RecordingHandler:
    def __init__(self, server: "LocalSmtpServer"):
        self._server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self._server.rcpt_reply
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self._server._record(
            ReceivedMessage(
                mail_from=envelope.mail_from,
                rcpt_tos=tuple(envelope.rcpt_tos),
                content=envelope.original_content or envelope.content,
            )
        )
        return "250 Message accepted for delivery"


class _EphemeralPortController(Controller):
    """Binds port 0 and reads back the port the kernel chose: no free-port race."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class LocalSmtpServer:
    """An aiosmtpd server on 127.0.0.1 that keeps every message it receives.

    Set ``rcpt_reply`` to an SMTP reply such as ``"550 5.1.1 No such user"`` to
    refuse every recipient; set it back to ``None`` to accept again.
    """

    host = "127.0.0.1"

    def __init__(self):
        self._lock = threading.Lock()
        self._messages: list[ReceivedMessage] = []
        self.rcpt_reply: str | None = None
        self._running = False
        self._controller = self._new_controller(port=0)

    def _new_controller(self, port: int) -> _EphemeralPortController:
        return _EphemeralPortController(
            _RecordingHandler(self), hostname=self.host, port=port, ready_timeout=10
        )

    @property
    def port(self) -> int:
        return self._controller.port

    @property
    def messages(self) -> list[ReceivedMessage]:
        with self._lock:
            return list(self._messages)

    def _record(self, message: ReceivedMessage) -> None:
        with self._lock:
            self._messages.append(message)

    def wait_for(self, count: int, timeout: float = 30.0) -> list[ReceivedMessage]:
        """Poll until at least `count` messages have arrived; fail after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            messages = self.messages
            if len(messages) >= count:
                return messages
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"SMTP server on port {self.port} received {len(messages)} "
                    f"message(s) within {timeout} s, expected {count}"
                )
            time.sleep(0.05)

    @property
    def is_running(self) -> bool:
        return self._running

    def start(self) -> None:
        self._controller.start()
        self._running = True

    def stop(self) -> None:
        """Stop listening: connections to the port are refused until
        `start_again()`. The messages received so far are kept."""
        self._controller.stop()
        self._running = False

    def start_again(self) -> None:
        """Listen again on the same port after `stop()` (an aiosmtpd controller
        cannot be restarted, so a new one binds the old port)."""
        if self._running:
            raise AssertionError(f"SMTP server on port {self.port} is running")
        self._controller = self._new_controller(port=self.port)
        self.start()


@contextmanager
def running_smtp_server():
    server = LocalSmtpServer()
    server.start()
    try:
        yield server
    finally:
        if server.is_running:  # a test may have stopped it
            server.stop()


def short_visibility_timeout(seconds: int) -> dict:
    """Broker transport options under which a task taken by a worker that
    died is handed out again after `seconds` (checked every second)."""
    return {
        "visibility_timeout": seconds,
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
