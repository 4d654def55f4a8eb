"""The robots' documented webhook message formats and signatures
(docs/architecture.md §channels.formats). Pure functions: a message in, a request out.

- WeCom group robot: ``POST …/cgi-bin/webhook/send?key=…`` with ``{"msgtype":
  "markdown", "markdown": {"content": …}}`` (at most 4 096 bytes); answers ``{"errcode": 0}``.
- DingTalk custom robot: ``POST …/robot/send?access_token=…`` with ``{"msgtype":
  "markdown", "markdown": {"title", "text"}}``; with a signing secret the URL carries
  ``timestamp`` (milliseconds) and ``sign`` = URL-encoded base64 of HMAC-SHA256 keyed by
  the secret over ``"{timestamp}\\n{secret}"``; answers ``{"errcode": 0}``.
- Feishu custom bot: ``POST …/bot/v2/hook/…`` with ``{"msg_type": "post", "content":
  {"post": {"zh_cn": {"title", "content": [[…]]}}}}``; with a signing secret the body
  carries ``timestamp`` (seconds) and ``sign`` = base64 of HMAC-SHA256 keyed by
  ``"{timestamp}\\n{secret}"`` over an empty message; answers ``{"code": 0}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from urllib.parse import quote_plus

WECOM_MAX_BYTES = 4096
DINGTALK_MAX_CHARS = 5000


@dataclass(frozen=True)
class Message:
    title: str
    text: str
    link: str = ""
    mobiles: tuple[str, ...] = ()


@dataclass(frozen=True)
class WebhookRequest:
    url: str
    body: bytes
    headers: dict[str, str] = field(
        default_factory=lambda: {"Content-Type": "application/json; charset=utf-8"}
    )


def _json(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def _cut_bytes(text: str, limit: int) -> str:
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[: limit - 3].decode("utf-8", errors="ignore") + "…"


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def _markdown(message: Message) -> str:
    lines = [message.text.strip()] if message.text.strip() else []
    if message.link:
        lines.append(f"[查看详情]({message.link})")
    return "\n\n".join(lines)


def wecom_request(address: str, message: Message) -> WebhookRequest:
    content = f"**{message.title}**\n" + _markdown(message)
    return WebhookRequest(
        address,
        _json(
            {"msgtype": "markdown", "markdown": {"content": _cut_bytes(content, WECOM_MAX_BYTES)}}
        ),
    )


def dingtalk_request(address: str, secret: str, message: Message, now_s: float) -> WebhookRequest:
    text = f"#### {message.title}\n\n" + _markdown(message)
    payload = {
        "msgtype": "markdown",
        "markdown": {"title": message.title[:100], "text": text[:DINGTALK_MAX_CHARS]},
        "at": {"atMobiles": list(message.mobiles), "isAtAll": False},
    }
    url = address
    if secret:
        ts = int(now_s * 1000)
        joiner = "&" if "?" in url else "?"
        url = f"{url}{joiner}timestamp={ts}&sign={quote_plus(dingtalk_sign(secret, ts))}"
    return WebhookRequest(url, _json(payload))


def feishu_request(address: str, secret: str, message: Message, now_s: float) -> WebhookRequest:
    paragraphs: list[list[dict]] = [
        [{"tag": "text", "text": line}] for line in message.text.strip().splitlines() if line
    ]
    if message.link:
        paragraphs.append([{"tag": "a", "text": "查看详情", "href": message.link}])
    payload: dict = {
        "msg_type": "post",
        "content": {"post": {"zh_cn": {"title": message.title, "content": paragraphs}}},
    }
    if secret:
        ts = int(now_s)
        payload = {"timestamp": str(ts), "sign": feishu_sign(secret, ts), **payload}
    return WebhookRequest(address, _json(payload))


def robot_accepted(kind: str, status: int, body: bytes) -> tuple[bool, str]:
    """Whether the robot took the message, and its error in words when not."""
    if not 200 <= status < 300:
        return False, f"HTTP {status}: {body[:300].decode('utf-8', 'replace')}"
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        return False, f"not JSON: {body[:300].decode('utf-8', 'replace')}"
    if not isinstance(answer, dict):
        return False, f"unexpected answer: {str(answer)[:300]}"
    if kind == "feishu":
        code = answer.get("code", answer.get("StatusCode", -1))
        msg = answer.get("msg", answer.get("StatusMessage", ""))
    else:
        code, msg = answer.get("errcode", -1), answer.get("errmsg", "")
    return code == 0, "" if code == 0 else f"{code}: {msg}"[:300]
