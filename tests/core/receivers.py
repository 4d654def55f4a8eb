"""Local receivers on loopback for the channel tests (docs/architecture.md §channels):
a robot webhook server that checks payloads and signatures the way WeCom, DingTalk and
Feishu document them, and a small SMTP server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socketserver
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    path: str
    query: dict[str, str]
    body: dict
    accepted: bool
    error: str = ""


@dataclass
class RobotReceiver:
    """One server for the three robots: ``/wecom?key=…``, ``/dingtalk?access_token=…``,
    ``/feishu/<hook>``. ``fail_first`` refuses each message (by title) that many times
    with HTTP 500 before taking it."""

    secrets: dict[str, str] = field(default_factory=dict)
    fail_first: int = 0
    received: list[Received] = field(default_factory=list)
    tries: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    delay_s: float = 0.0

    def start(self) -> RobotReceiver:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                return None

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                status, answer = owner.handle(self.path, self.headers, raw)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def accepted(self) -> list[Received]:
        return [r for r in self.received if r.accepted]

    def handle(self, path: str, headers, raw: bytes) -> tuple[int, dict]:
        if self.delay_s:
            time.sleep(self.delay_s)
        parts = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        body = json.loads(raw.decode("utf-8"))
        assert headers.get("Content-Type", "").startswith("application/json")
        kind = parts.path.strip("/").split("/")[0]
        title = _title(kind, body)
        with self.lock:
            self.tries[title] += 1
            refuse = self.tries[title] <= self.fail_first
        if refuse:
            self.received.append(Received(parts.path, query, body, False, "500"))
            return 500, {"error": "try again"}
        error, answer = {
            "wecom": self._wecom,
            "dingtalk": self._dingtalk,
            "feishu": self._feishu,
        }[kind](query, body)
        self.received.append(Received(parts.path, query, body, not error, error))
        return 200, answer

    def _wecom(self, query: dict, body: dict) -> tuple[str, dict]:
        ok = (
            query.get("key") == "robot-key"
            and body.get("msgtype") == "markdown"
            and isinstance(body["markdown"].get("content"), str)
            and len(body["markdown"]["content"].encode()) <= 4096
        )
        if not ok:
            return "bad", {"errcode": 40008, "errmsg": "invalid message type"}
        return "", {"errcode": 0, "errmsg": "ok"}

    def _dingtalk(self, query: dict, body: dict) -> tuple[str, dict]:
        secret = self.secrets.get("dingtalk", "")
        if secret:
            ts = query.get("timestamp", "")
            sign = query.get("sign", "")
            wanted = base64.b64encode(
                hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
            ).decode()
            fresh = ts.isdigit() and abs(time.time() * 1000 - int(ts)) < 3_600_000
            # parse_qs already URL-decoded once; the sign travels URL-encoded.
            if not fresh or sign != wanted:
                return "sign", {"errcode": 310000, "errmsg": "sign not match"}
        md = body.get("markdown", {})
        if body.get("msgtype") != "markdown" or not md.get("title") or not md.get("text"):
            return "bad", {"errcode": 40035, "errmsg": "missing param"}
        return "", {"errcode": 0, "errmsg": "ok"}

    def _feishu(self, query: dict, body: dict) -> tuple[str, dict]:
        secret = self.secrets.get("feishu", "")
        if secret:
            ts = body.get("timestamp", "")
            key = f"{ts}\n{secret}".encode()
            wanted = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
            fresh = str(ts).isdigit() and abs(time.time() - int(ts)) < 3600
            if not fresh or body.get("sign") != wanted:
                return "sign", {"code": 19021, "msg": "sign match fail", "data": {}}
        post = body.get("content", {}).get("post", {}).get("zh_cn", {})
        if body.get("msg_type") != "post" or not post.get("title"):
            return "bad", {"code": 9499, "msg": "Bad Request", "data": {}}
        for paragraph in post["content"]:
            for node in paragraph:
                assert node["tag"] in {"text", "a", "at"}
        return "", {"code": 0, "msg": "success", "data": {}}


def _title(kind: str, body: dict) -> str:
    if kind == "wecom":
        return body.get("markdown", {}).get("content", "").split("\n", 1)[0].strip("*")
    if kind == "dingtalk":
        return body.get("markdown", {}).get("title", "")
    return body.get("content", {}).get("post", {}).get("zh_cn", {}).get("title", "")


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def subject(self) -> str:
        return str(make_header(decode_header(message_from_bytes(self.data)["Subject"])))

    @property
    def text(self) -> str:
        msg = message_from_bytes(self.data)
        return msg.get_payload(decode=True).decode(msg.get_content_charset() or "utf-8")


class SmtpReceiver:
    """A minimal SMTP server (RFC 5321 subset: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
    QUIT) on loopback, keeping each message; ``fail_first`` answers 451 to that many
    DATA commands first."""

    def __init__(self, fail_first: int = 0) -> None:
        self.mails: list[Mail] = []
        self.fail_first = fail_first
        self.data_commands = 0
        owner = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write((line + "\r\n").encode())

            def handle(self) -> None:
                self.reply("220 localhost test SMTP")
                sender, rcpts = "", []
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    cmd = line.decode("utf-8", "replace").strip()
                    upper = cmd.upper()
                    if upper.startswith("EHLO"):
                        self.reply("250-localhost")
                        self.reply("250 8BITMIME")
                    elif upper.startswith("HELO"):
                        self.reply("250 localhost")
                    elif upper.startswith("MAIL FROM:"):
                        sender, rcpts = cmd[10:].strip().strip("<>"), []
                        self.reply("250 OK")
                    elif upper.startswith("RCPT TO:"):
                        rcpts.append(cmd[8:].strip().strip("<>"))
                        self.reply("250 OK")
                    elif upper == "DATA":
                        owner.data_commands += 1
                        if owner.data_commands <= owner.fail_first:
                            self.reply("451 try again later")
                            continue
                        self.reply("354 end with .")
                        chunks = []
                        while True:
                            chunk = self.rfile.readline()
                            if chunk in (b".\r\n", b".\n", b""):
                                break
                            chunks.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                        owner.mails.append(Mail(sender, rcpts, b"".join(chunks)))
                        self.reply("250 OK queued")
                    elif upper in ("RSET", "NOOP"):
                        self.reply("250 OK")
                    elif upper == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("502 not implemented")

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
