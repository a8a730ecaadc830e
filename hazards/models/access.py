"""Keys for programs: personal API tokens and the Open311 keys of client systems (the 12345 hotline, a town).

Only a SHA-256 of each key is stored. A key is random (240 bits), so a plain
hash cannot be reversed by guessing, and a stolen database copy holds no key
that works. The key itself is shown once, when it is made.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def key_hash(key):
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


class KeyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at=None)

    def find(self, key):
        """The active key row for this key, or None."""
        if not key or len(key) > 200:
            return None
        return self.active().filter(key_hash=key_hash(key)).first()


class HashedKey(models.Model):
    """A secret given to a program once; found again by its hash. Revoked, it stays on record."""

    PREFIX = "fw"

    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_start = models.CharField(_("key starts with"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    objects = KeyQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.key_start}…)"

    def new_key(self):
        """Give this row a fresh key; returns the key, which is not stored and must be shown now."""
        key = f"{self.PREFIX}_{secrets.token_urlsafe(30)}"
        self.key_hash, self.key_start = key_hash(key), key[:len(self.PREFIX) + 5]
        return key

    @property
    def is_active(self):
        return self.revoked_at is None

    def revoke(self):
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    def mark_used(self):
        """Note when the key was last used; at most one write every ten minutes per key."""
        now = timezone.now()
        if self.last_used_at is None or (now - self.last_used_at).total_seconds() > 600:
            type(self).objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now


class ApiToken(HashedKey):
    """A personal API token (`Authorization: Token …`): acts as its user, with the user's roles."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name=_("user"))

    class Meta(HashedKey.Meta):
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")


class Open311Client(HashedKey):
    """A client system of the Open311 interface (the 12345 hotline, a town's office), with its API key."""

    PREFIX = "o311"

    contact = models.CharField(_("contact"), max_length=200, blank=True,
                               help_text=_("Who runs the client system: a person, a phone number."))

    class Meta(HashedKey.Meta):
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")
