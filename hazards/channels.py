"""The channels a notice leaves by, each speaking one provider's protocol: e-mail (Django's mail), SMS (Tencent
Cloud's SendSms, signed with TC3-HMAC-SHA256), and the group robots of DingTalk (钉钉, optionally signed) and
WeCom (企业微信). Each function raises ChannelError (or any error) when the message did not go; notify.py records
it and tries again later.

Adding an SMS provider: write a class with `send(phone, notice)` that raises ChannelError unless the provider
accepted the message, and name it in SMS_PROVIDERS; SMS_PROVIDER=<its name> then uses it (README, "Notifications").
"""

import base64
import datetime
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.mail import send_mail

from .models import Robot
from .models.notifications import check_robot_url

TIMEOUT_S = 10
# Tencent's notification templates take short parameters; a longer subject is cut.
SMS_SUBJECT_CHARS = 20


class ChannelError(Exception):
    """The provider refused the message, or could not be reached."""


def email(address, notice, link):
    body = notice.body + (f"\n\n{link}" if link else "")
    send_mail(notice.subject, body, settings.DEFAULT_FROM_EMAIL, [address])


def post_json(url, payload, headers=None):
    """POST JSON and return the JSON answer; ChannelError on anything but a 2xx JSON answer."""
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310 (the URL is checked)
            return json.loads(response.read(1_000_000) or b"{}")
    except urllib.error.HTTPError as error:
        raise ChannelError(f"HTTP {error.code}") from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise ChannelError(str(error)) from error


# SMS ---------------------------------------------------------------------------------------------------

def phone_e164(phone):
    """+8613800000101 from "138 0000 0101"; numbers with a + are kept as they are."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return "+" + digits if phone.strip().startswith("+") else "+86" + digits


class TencentSms:
    """Tencent Cloud SMS (短信), API 3.0 SendSms, version 2021-01-11, signed with TC3-HMAC-SHA256.

    The template (approved in Tencent's console) takes two parameters: the subject, cut to SMS_SUBJECT_CHARS,
    and the link, e.g. "防汛通知：{1}，详见 {2}".
    """

    service, action, version = "sms", "SendSms", "2021-01-11"

    def send(self, phone, notice, link):
        payload = {
            "PhoneNumberSet": [phone_e164(phone)], "SmsSdkAppId": settings.SMS_APP_ID,
            "SignName": settings.SMS_SIGN_NAME, "TemplateId": settings.SMS_TEMPLATE_ID,
            "TemplateParamSet": [notice.subject[:SMS_SUBJECT_CHARS], link or settings.SITE_URL],
        }
        body = json.dumps(payload, ensure_ascii=False)
        answer = post_json(settings.SMS_BASE_URL + "/", payload, self.headers(body, int(time.time())))
        result = answer.get("Response", {})
        if "Error" in result:
            raise ChannelError(f"{result['Error'].get('Code')}: {result['Error'].get('Message', '')}"[:300])
        statuses = result.get("SendStatusSet") or [{}]
        if statuses[0].get("Code") != "Ok":
            raise ChannelError(f"{statuses[0].get('Code')}: {statuses[0].get('Message', '')}"[:300])

    def headers(self, body, timestamp):
        """The request's headers with its TC3-HMAC-SHA256 signature (Tencent Cloud API 3.0, "Signature v3")."""
        host = urllib.parse.urlsplit(settings.SMS_BASE_URL).netloc
        content_type = "application/json; charset=utf-8"
        canonical = "\n".join([
            "POST", "/", "", f"content-type:{content_type}\nhost:{host}\n", "content-type;host",
            hashlib.sha256(body.encode("utf-8")).hexdigest()])
        date = datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d")
        scope = f"{date}/{self.service}/tc3_request"
        to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope,
                             hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
        key = _hmac(("TC3" + settings.SMS_SECRET_KEY).encode("utf-8"), date)
        key = _hmac(_hmac(key, self.service), "tc3_request")
        signature = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
        return {
            "Host": host, "X-TC-Action": self.action, "X-TC-Version": self.version,
            "X-TC-Timestamp": str(timestamp), "X-TC-Region": settings.SMS_REGION,
            "Authorization": f"TC3-HMAC-SHA256 Credential={settings.SMS_SECRET_ID}/{scope}, "
                             f"SignedHeaders=content-type;host, Signature={signature}",
        }


def _hmac(key, text):
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


SMS_PROVIDERS = {"tencent": TencentSms}


def sms_provider():
    """The configured provider, or None: without one, no SMS goes (and none is queued)."""
    provider = SMS_PROVIDERS.get(settings.SMS_PROVIDER)
    return provider() if provider else None


# Group robots ----------------------------------------------------------------------------------------

def robot_markdown(notices):
    """(title, markdown) of one robot message holding several notices, each with its link."""
    if len(notices) == 1:
        title = notices[0].subject
    else:
        title = f"Floodwatch · {len(notices)}"
    parts = []
    for notice in notices:
        lines = [f"#### {notice.subject}", notice.body.split("\n\n")[0][:300]]
        if notice.link:
            lines.append(f"[{notice.link}]({notice.link})")
        parts.append("\n\n".join(lines))
    return title[:100], "\n\n---\n\n".join(parts)[:3800]


def dingtalk_url(url, secret, now_ms):
    """The webhook with DingTalk's 加签 parameters: timestamp (ms) and sign = Base64(HMAC-SHA256(secret,
    "timestamp\\nsecret")), URL-encoded."""
    if not secret:
        return url
    digest = hmac.new(secret.encode("utf-8"), f"{now_ms}\n{secret}".encode("utf-8"), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}&timestamp={now_ms}&sign={sign}"


def post_to_robot(robot, notices):
    """One message with the notices to the robot's group; ChannelError unless the provider says errcode 0."""
    check_robot_url(robot.url)  # checked when saved; checked again, the setting may have changed
    title, text = robot_markdown(notices)
    if robot.kind == Robot.Kind.DINGTALK:
        url = dingtalk_url(robot.url, robot.secret, int(time.time() * 1000))
        answer = post_json(url, {"msgtype": "markdown", "markdown": {"title": title, "text": text}})
    else:
        answer = post_json(robot.url, {"msgtype": "markdown", "markdown": {"content": text}})
    if answer.get("errcode") != 0:
        raise ChannelError(f"{answer.get('errcode')}: {answer.get('errmsg', '')}"[:300])
