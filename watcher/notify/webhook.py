"""`webhook`: a signed JSON POST to any endpoint.

The body (version 1) is `{"version": 1, "type": "digest"|"instant", "channel",
"generated_at", "sent_at", "subject", "changes": [...], "upcoming": [...],
"failing_sources": [...]}` where each change is exactly what `watcher changes
--format json` prints. With a `secret`, the header `X-Watcher-Signature:
sha256=<hex HMAC-SHA256 of the raw body>` lets the receiver verify it; the
`X-Watcher-Timestamp` header repeats the body's `sent_at` (which the signature
covers) so a receiver can refuse replays older than a few minutes. The README
shows how to verify.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from watcher.notify import ChannelType, DeliveryError, http_url
from watcher.sources import Key

if TYPE_CHECKING:
    from watcher.config import ChannelConfig
    from watcher.notify.digest import Digest

BODY_VERSION = 1


class WebhookChannel(ChannelType, name="webhook"):
    keys = {
        "url": Key(str, "endpoint receiving a signed JSON POST", required=True, check=http_url),
        "secret": Key(str, "HMAC-SHA256 key for X-Watcher-Signature (use ${VAR})"),
    }

    @classmethod
    def send(cls, channel: ChannelConfig, digest: Digest) -> None:
        import httpx

        body, headers = signed_body(digest, channel.options.get("secret"))
        try:
            resp = httpx.post(channel.options["url"], content=body, headers=headers, timeout=30,
                              follow_redirects=False)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook unreachable: {type(exc).__name__}: {exc}"[:300]) from None
        if resp.status_code == 429 or resp.status_code >= 500 or not 200 <= resp.status_code < 300:
            retry = resp.headers.get("retry-after", "")
            raise DeliveryError(f"webhook answered HTTP {resp.status_code}",
                                retry_after=float(retry) if retry.isdigit() else None)


def signed_body(digest: Digest, secret: str | None, now: datetime | None = None) -> tuple[bytes, dict[str, str]]:
    """The raw body and headers of a webhook call."""
    sent_at = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    payload = {"version": BODY_VERSION, **digest.as_json(), "sent_at": sent_at}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "X-Watcher-Timestamp": sent_at,
               "User-Agent": "watcher-webhook/1"}
    if secret:
        headers["X-Watcher-Signature"] = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, headers
