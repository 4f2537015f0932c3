"""Handing a message over: to an SMTP server, or to the console (development).

``HAVEN_SMTP_URL`` is ``smtp://user:password@host:587?starttls=true`` (STARTTLS),
``smtps://...@host:465`` (TLS from the start) or ``smtp://host:25`` (neither).
"""

import smtplib
import ssl
import sys
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol, TextIO
from urllib.parse import parse_qs, unquote, urlsplit

SMTP_TIMEOUT_SECONDS = 30


class Permanent(Exception):
    """The server refused the message for good (a 5xx answer): never retry it."""


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Deliver one message; raise Permanent for a refusal that retrying
        can't change, any other exception for one that it might."""


@dataclass(frozen=True)
class SmtpTransport:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    implicit_tls: bool = False
    starttls: bool = False

    @classmethod
    def from_url(cls, url: str) -> "SmtpTransport":
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(
                "HAVEN_SMTP_URL must look like smtp://user:password@host:587?starttls=true"
            )
        options = parse_qs(parts.query)
        implicit = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if implicit else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            implicit_tls=implicit,
            starttls=options.get("starttls", ["false"])[0].lower()
            in ("1", "true", "yes"),
        )

    def send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if self.implicit_tls:
            client = smtplib.SMTP_SSL(
                self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS, context=context
            )
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS)
        with client:
            if self.starttls:
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password or "")
            try:
                refused = client.send_message(message)
            except smtplib.SMTPRecipientsRefused as exc:
                codes = [code for code, _ in exc.recipients.values()]
                if codes and all(500 <= code < 600 for code in codes):
                    raise Permanent(_describe(exc.recipients)) from exc
                raise
            except smtplib.SMTPResponseException as exc:
                if 500 <= exc.smtp_code < 600 and exc.smtp_code not in (530, 535):
                    raise Permanent(f"{exc.smtp_code} {_text(exc.smtp_error)}") from exc
                raise
            if refused:
                raise Permanent(_describe(refused))


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def _describe(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{address}: {code} {_text(text)}" for address, (code, text) in refused.items()
    )


class ConsoleTransport:
    """Prints each message instead of sending it: the demo shows its mail."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def send(self, message: EmailMessage) -> None:
        text = message.get_body(preferencelist=("plain",))
        body = text.get_content() if isinstance(text, EmailMessage) else ""
        rule = "-" * 72
        headers = "\n".join(
            f"{name}: {message[name]}"
            for name in ("To", "Subject", "List-Unsubscribe")
            if message[name]
        )
        with self._lock:
            self.stream.write(f"\n{rule}\nMail (not sent: HAVEN_SMTP_URL is not set)\n")
            self.stream.write(f"{headers}\n\n{body.rstrip()}\n{rule}\n")
            self.stream.flush()


def make_transport(smtp_url: str) -> Transport:
    return SmtpTransport.from_url(smtp_url) if smtp_url else ConsoleTransport()
