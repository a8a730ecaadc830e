"""What the phones' offline queue (离线采集) sends: the first result of each write, and photos sent in pieces."""

from django.conf import settings
from django.db import models


class ClientSubmission(models.Model):
    """A write sent with a client-made id (离线上报), and the answer it got, so that a repeat is answered the same.

    The row is claimed before the write runs (status_code empty) and filled in once it has succeeded: the
    unique constraint lets one request of several identical ones, sent at once, do the write.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    client_id = models.UUIDField()
    path = models.CharField(max_length=200)  # where it was sent: the same id sent elsewhere is refused
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "client_id"], name="one_result_per_client_id")]

    def __str__(self):
        return f"{self.user_id} {self.client_id} {self.status_code or '…'}"

    @property
    def answered(self):
        """True once the write it stands for has succeeded and its answer is kept."""
        return self.status_code is not None


class PhotoUpload(models.Model):
    """A photo sent from a phone in pieces (断点续传), resumed where it stopped; checked as any photo once whole."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    upload_id = models.UUIDField()
    name = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    received = models.PositiveIntegerField(default=0)
    complete = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "upload_id"], name="one_upload_per_client_id")]

    def __str__(self):
        return f"{self.name} {self.received}/{self.size}"

    @property
    def file_name(self):
        """Where its bytes are kept in the media storage until a write attaches them."""
        return f"uploads/{self.upload_id.hex}.part"
