"""`email`: the digest as a multipart/alternative message (plain text and HTML) over SMTP.

STARTTLS (`starttls: true`, the usual port 587) or implicit TLS (`tls: true`,
port 465), and login when `username` is given. The password comes from the
environment through `${VAR}`; it is never logged. A message over
`MAX_EMAIL_BYTES`, or one the server refuses for its size (552, or a 5xx saying
so), raises `MessageTooLarge`: the outbox splits it rather than retrying it.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TYPE_CHECKING

from watcher.notify import ChannelType, DeliveryError, MessageTooLarge
from watcher.notify.limits import MAX_EMAIL_BYTES
from watcher.sources import Key

if TYPE_CHECKING:
    from watcher.config import ChannelConfig
    from watcher.notify.digest import Digest

SMTP_KEYS = {"host", "port", "starttls", "tls", "username", "password", "timeout"}


def _smtp(value: dict) -> str | None:
    unknown = set(value) - SMTP_KEYS
    if unknown:
        return f"unknown smtp key(s) {sorted(map(str, unknown))}; allowed: {sorted(SMTP_KEYS)}"
    if not value.get("host"):
        return "smtp needs a 'host'"
    if "port" in value and not isinstance(value["port"], int):
        return "smtp 'port' must be a number"
    if value.get("starttls") and value.get("tls"):
        return "use either 'starttls: true' (port 587) or 'tls: true' (port 465), not both"
    if value.get("username") and not value.get("password"):
        return "smtp 'username' needs a 'password' (write password: \"${SMTP_PASSWORD}\")"
    return None


def _addresses(value: str | list) -> str | None:
    addresses = [value] if isinstance(value, str) else value
    bad = [a for a in addresses if not isinstance(a, str) or "@" not in a]
    return f"not e-mail addresses: {bad}" if bad or not addresses else None


class EmailChannel(ChannelType, name="email"):
    keys = {
        "to": Key((list, str), "recipient address or list of addresses", required=True, check=_addresses),
        "from": Key(str, "sender address", required=True, check=_addresses),
        "smtp": Key(dict, "{host, port, starttls|tls, username, password, timeout}", required=True, check=_smtp),
        "templates": Key(str, "directory of templates overriding the bundled ones"),
    }

    @classmethod
    def send(cls, channel: ChannelConfig, digest: Digest) -> None:
        message = build_message(channel, digest)
        smtp = channel.options["smtp"]
        host, timeout = smtp["host"], float(smtp.get("timeout", 30))
        port = int(smtp.get("port") or (465 if smtp.get("tls") else 587 if smtp.get("starttls") else 25))
        size = len(message.as_bytes())
        if size > MAX_EMAIL_BYTES:
            raise MessageTooLarge(f"the message is {size:,} bytes, over the {MAX_EMAIL_BYTES:,} an e-mail may be")
        try:
            if smtp.get("tls"):
                client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(host, port, timeout=timeout)
            with client:
                if smtp.get("starttls"):
                    client.starttls(context=ssl.create_default_context())
                if smtp.get("username"):
                    client.login(smtp["username"], smtp.get("password", ""))
                client.send_message(message)
        except smtplib.SMTPResponseException as exc:
            # 4xx is the server asking to come back later; 5xx is a refusal. Both keep
            # the changes pending: the outbox retries with backoff and reports it. A
            # refusal for size is different: the same message can never pass.
            reason = f"SMTP {host}:{port} answered {exc.smtp_code}: {_text(exc.smtp_error)}"[:500]
            if _size_refusal(exc.smtp_code, _text(exc.smtp_error)):
                raise MessageTooLarge(f"{reason} (message of {size:,} bytes)") from None
            raise DeliveryError(reason) from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"SMTP {host}:{port} refused the recipients {sorted(exc.recipients)}") from None
        except (TimeoutError, smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise DeliveryError(f"SMTP {host}:{port}: {type(exc).__name__}: {exc}") from None


def build_message(channel: ChannelConfig, digest: Digest) -> EmailMessage:
    from watcher.notify.render import render_digest

    rendered = render_digest(digest, channel.options.get("templates"))
    to = channel.options["to"]
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = channel.options["from"]
    message["To"] = ", ".join([to] if isinstance(to, str) else to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=channel.options["from"].rpartition("@")[2] or None)
    message["X-Watcher-Channel"] = channel.id
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message


def _size_refusal(code: int, text: str) -> bool:
    """552 (RFC 5321: exceeded storage allocation, the size refusal) or a 5xx whose text says size."""
    lowered = text.lower()
    return code == 552 or (500 <= code < 600 and any(w in lowered for w in ("size", "too large", "too big")))


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
