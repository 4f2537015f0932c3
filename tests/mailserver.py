"""A real SMTP server for tests: aiosmtpd on a free local port, keeping what it
receives in an ``Inbox`` (tests/notifications and the browser tests use it)."""

import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

_LINK = re.compile(r"https?://[^/\s\"<>]+(/[^\s\"<>]+)")


@dataclass
class Inbox:
    """What the SMTP server received; addresses in ``refuse`` get a 550."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def only(self, address: str) -> EmailMessage:
        """The one message to ``address`` (the test fails on none or several)."""
        received = self.to(address)
        assert len(received) == 1, [m["Subject"] for m in received]
        return received[0]


class _Handler:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    # aiosmtpd's hook signatures, named as it calls them.
    async def handle_RCPT(
        self,
        server: Any,  # noqa: ARG002
        session: Any,  # noqa: ARG002
        envelope: Any,
        address: str,
        options: Any,  # noqa: ARG002
    ) -> str:
        if address.casefold() in self.inbox.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(
        self,
        server: Any,  # noqa: ARG002
        session: Any,  # noqa: ARG002
        envelope: Any,
    ) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.inbox.messages.append(message)
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    inbox = Inbox()
    controller = Controller(_Handler(inbox), hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller.port, inbox
    controller.stop()


def link_in(message: EmailMessage, start: str) -> str:
    """The path of the first link in a mail's text that starts with ``start``."""
    text = text_of(message)
    for path in _LINK.findall(text):
        if path.startswith(start):
            return str(path)
    raise AssertionError(f"no {start} link in {text!r}")


def text_of(message: EmailMessage) -> str:
    """The plain-text part of a mail."""
    body = message.get_body(preferencelist=("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content())
