"""`webhook`: a signed JSON POST to any endpoint.

The body (version 1) is `{"version": 1, "type": "digest"|"instant", "channel",
"generated_at", "sent_at", "delivery_id", "subject", "changes": [...],
"upcoming": [...], "failing_sources": [...]}` where each change is what `watcher
changes --format json` prints (cut to the sizes of `watcher.notify.limits`). With a
`secret`, the header `X-Watcher-Signature: sha256=<hex HMAC-SHA256 of the raw
body>` lets the receiver verify it; the `X-Watcher-Timestamp` header repeats the
body's `sent_at` and `X-Watcher-Delivery` its `delivery_id` (both covered by the
signature), so a receiver refuses a body older than a few minutes, or one whose id
it has seen: a replay. The id is new for every POST, retries included. The
README shows how to verify.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from watcher.notify import ChannelType, DeliveryError, MessageTooLarge, http_url
from watcher.notify.limits import MAX_WEBHOOK_BYTES
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
        if len(body) > MAX_WEBHOOK_BYTES:
            raise MessageTooLarge(f"the body is {len(body):,} bytes, over the {MAX_WEBHOOK_BYTES:,} a webhook may be")
        try:
            resp = httpx.post(channel.options["url"], content=body, headers=headers, timeout=30,
                              follow_redirects=False)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook unreachable: {type(exc).__name__}: {exc}"[:300]) from None
        if resp.status_code == 413:
            raise MessageTooLarge(f"webhook answered HTTP 413 (content too large) to a body of {len(body):,} bytes")
        if resp.status_code == 429 or resp.status_code >= 500 or not 200 <= resp.status_code < 300:
            retry = resp.headers.get("retry-after", "")
            raise DeliveryError(f"webhook answered HTTP {resp.status_code}",
                                retry_after=float(retry) if retry.isdigit() else None)


def signed_body(digest: Digest, secret: str | None, now: datetime | None = None) -> tuple[bytes, dict[str, str]]:
    """The raw body and headers of a webhook call."""
    sent_at = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    delivery_id = str(uuid.uuid4())
    payload = {"version": BODY_VERSION, **digest.as_json(), "sent_at": sent_at, "delivery_id": delivery_id}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "X-Watcher-Timestamp": sent_at,
               "X-Watcher-Delivery": delivery_id, "User-Agent": "watcher-webhook/1"}
    if secret:
        headers["X-Watcher-Signature"] = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, headers
