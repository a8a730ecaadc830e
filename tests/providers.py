"""A stand-in for the SMS provider and the group robots: a real HTTP server on 127.0.0.1, started by the test, that
records every POST and checks signatures as the providers document them (written here again from their docs, not
imported from hazards.channels, so that a mistake in one is caught by the other)."""

import base64
import datetime
import hashlib
import hmac
import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SMS_ID, SMS_KEY = "AKIDtest0001", "test-secret-key"
DINGTALK_SECRET = "SECtest0123456789"


@dataclass
class Post:
    path: str
    query: dict
    headers: dict
    body: dict
    signature_ok: bool = None


@dataclass
class Provider:
    """The server's address, the posts it got, and what it answers next (a list of (status, JSON) used up first)."""

    url: str
    posts: list = field(default_factory=list)
    answers: list = field(default_factory=list)

    def sms(self):
        return [post for post in self.posts if post.headers.get("x-tc-action") == "SendSms"]

    def robot(self, name):
        return [post for post in self.posts if post.path == f"/robot/{name}"]


def tencent_signature_ok(headers, raw):
    """TC3-HMAC-SHA256 as Tencent Cloud's "Signature v3" page describes it."""
    authorization = headers.get("authorization", "")
    timestamp = int(headers.get("x-tc-timestamp", "0"))
    date = datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d")
    canonical_headers = f"content-type:{headers.get('content-type')}\nhost:{headers.get('host')}\n"
    canonical = f"POST\n/\n\n{canonical_headers}\ncontent-type;host\n{hashlib.sha256(raw).hexdigest()}"
    scope = f"{date}/sms/tc3_request"
    string_to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"

    def sign(key, message):
        return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()

    secret_signing = sign(sign(sign(("TC3" + SMS_KEY).encode(), date), "sms"), "tc3_request")
    signature = hmac.new(secret_signing, string_to_sign.encode(), hashlib.sha256).hexdigest()
    expected = (f"TC3-HMAC-SHA256 Credential={SMS_ID}/{scope}, SignedHeaders=content-type;host, "
                f"Signature={signature}")
    return authorization == expected


def dingtalk_signature_ok(query):
    """DingTalk's 加签: sign = urlencode(base64(HmacSHA256(secret, timestamp + "\\n" + secret)))."""
    timestamp = query.get("timestamp", [""])[0]
    digest = hmac.new(DINGTALK_SECRET.encode(), f"{timestamp}\n{DINGTALK_SECRET}".encode(), hashlib.sha256).digest()
    return query.get("sign", [""])[0] == base64.b64encode(digest).decode()


def start():
    """The server, in a thread; returns (Provider, stop)."""
    provider = Provider(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            parts = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(parts.query)
            headers = {name.lower(): value for name, value in self.headers.items()}
            post = Post(parts.path, query, headers, json.loads(raw or b"{}"))
            if headers.get("x-tc-action"):
                post.signature_ok = tencent_signature_ok(headers, raw)
            elif "sign" in query:
                post.signature_ok = dingtalk_signature_ok(query)
            provider.posts.append(post)
            status, answer = provider.answers.pop(0) if provider.answers else (200, self.default_answer(post))
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def default_answer(self, post):
            if post.headers.get("x-tc-action"):
                return {"Response": {"SendStatusSet": [{"Code": "Ok", "Message": "send success"}], "RequestId": "r1"}}
            return {"errcode": 0, "errmsg": "ok"}

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    provider.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        server.server_close()
        thread.join()

    return provider, stop
