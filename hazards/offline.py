"""Offline field capture (离线采集): what the server does for the phones' queue.

- A write sent with a client-made id (header X-Client-Id) is done once: its
  first successful answer is kept (ClientSubmission) and given again to every
  repeat, also to repeats sent at the same time (a unique constraint decides).
  Refusals (400, 409) change nothing and are not kept: a repeat is judged again.
- Photos come in pieces (PhotoUpload, `append_piece`), resumed at the offset
  the server has; once whole they are checked as any photo, and a write names
  them by id (`uploads`) in place of the files.
- A hazard reported from the queue may be one someone else reported nearby
  meanwhile (`likely_duplicate`): the inspector decides.
- The service worker's version is a hash of the files it caches, so a deploy
  that changes any of them installs a new worker.
"""

import datetime
import hashlib
import time
import uuid
from functools import lru_cache, wraps
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _

from . import photos
from .hotline import _near
from .models import ClientSubmission, Hazard, PhotoUpload

# Pieces small enough to get through a weak signal, few enough to finish.
PIECE_BYTES = 256 * 1024
UPLOADS_PER_USER = 100  # photos sent but not yet attached, per user: a phone's queue, not a file store
UPLOAD_MAX_AGE = datetime.timedelta(days=7)
# A repeat sent while the first is still being written waits for its answer this long.
REPEAT_WAIT_SECONDS = 20
# What the service worker keeps for offline use: our scripts and styles, Leaflet and its plug-ins, the icons.
CACHED_STATIC = ("css/", "js/", "vendor/", "leaflet/", "icons/")


def client_id_of(request):
    """The client-made id of this write, a UUID; None when none was sent; ValueError when it is not one."""
    value = request.headers.get("X-Client-Id")
    if value is None:
        return None
    return uuid.UUID(value[:64])


def replayable(view):
    """Do a write once per (user, client id): a repeat is answered with the first successful answer.

    Goes under DRF's api_view (the user is known there, by session, token or Basic).
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            client_id = client_id_of(request)
        except ValueError:
            return JsonResponse({"errors": {"X-Client-Id": "Send a UUID."}}, status=400)
        if client_id is None or request.method != "POST" or not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        claim = _claim(request, client_id)
        if not isinstance(claim, ClientSubmission):
            return claim
        try:
            response = view(request, *args, **kwargs)
        except BaseException:
            claim.delete()
            raise
        if 200 <= response.status_code < 300:
            claim.status_code, claim.content_type = response.status_code, response.get("Content-Type", "")
            claim.body = response.content.decode()
            claim.save(update_fields=["status_code", "content_type", "body"])
        else:
            claim.delete()  # nothing was written: a repeat is judged afresh
        response["X-Client-Id"] = str(client_id)
        return response

    return wrapped


def _claim(request, client_id):
    """A new row that this request now owns, or the answer to give (the first one's, or a refusal)."""
    user, path = request.user, request.path
    try:
        with transaction.atomic():
            return ClientSubmission.objects.create(user=user, client_id=client_id, path=path)
    except IntegrityError:
        pass
    deadline = time.monotonic() + REPEAT_WAIT_SECONDS
    while True:
        first = ClientSubmission.objects.filter(user=user, client_id=client_id).first()
        if first is None:  # the first one failed and let go: this one may try
            return _claim(request, client_id)
        if first.path != path:
            return JsonResponse({"error": "This client id was used for another write."}, status=400)
        if first.answered:
            # Photos sent again with a repeat were saved with the first: they are not kept twice.
            for upload in PhotoUpload.objects.filter(user=user, upload_id__in=_upload_ids(request)):
                forget(upload)
            response = HttpResponse(first.body, content_type=first.content_type, status=first.status_code)
            response["X-Client-Id"], response["X-Repeat"] = str(client_id), "1"
            return response
        if time.monotonic() > deadline:
            return JsonResponse({"error": "The same write is still being done; ask again.", "in_progress": True},
                                status=409, headers={"Retry-After": "5"})
        time.sleep(0.25)


# Photos in pieces.

def upload_for_user(user, upload_id):
    return PhotoUpload.objects.filter(user=user, upload_id=upload_id).first()


def append_piece(*, user, upload_id, name, size, offset, data):
    """Add a piece at `offset`; returns the upload. A ValidationError when the piece or the photo is refused.

    A piece at another offset than the server has is not written: the answer
    tells the phone where to go on from (`received`).
    """
    if not 0 < size <= settings.MAX_PHOTO_BYTES:
        raise ValidationError(_("The photo %(name)s is larger than %(mb)d MB.")
                              % {"name": name, "mb": settings.MAX_PHOTO_BYTES // (1024 * 1024)})
    if not data or len(data) > PIECE_BYTES or offset < 0 or offset + len(data) > size:
        raise ValidationError(_("This piece of the photo does not fit it."))
    with transaction.atomic():
        upload = PhotoUpload.objects.select_for_update().filter(user=user, upload_id=upload_id).first()
        if upload is None:
            upload = _start(user, upload_id, name, size)
        if upload.size != size:
            raise ValidationError(_("This piece of the photo does not fit it."))
        if upload.complete or offset != upload.received:
            return upload
        path = Path(default_storage.path(upload.file_name))
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "r+b" if path.exists() else "wb") as out:
            out.seek(offset)
            out.write(data)
            out.truncate()
        upload.received = offset + len(data)
        upload.save(update_fields=["received"])
    if upload.received == upload.size:
        _check_whole(upload)
    return upload


def _start(user, upload_id, name, size):
    old = PhotoUpload.objects.filter(user=user, created_at__lt=timezone.now() - UPLOAD_MAX_AGE)
    for upload in old:
        forget(upload)
    if PhotoUpload.objects.filter(user=user).count() >= UPLOADS_PER_USER:
        raise ValidationError(_("Too many photos are waiting to be attached; send the waiting reports first."))
    safe_name = Path(name).name[:80] or "photo.jpg"
    return PhotoUpload.objects.create(user=user, upload_id=upload_id, name=safe_name, size=size)


def _check_whole(upload):
    """Check the whole photo as any photo is checked; a refused one is removed at once."""
    with default_storage.open(upload.file_name) as f:
        try:
            photos.prepare(File(f, name=upload.name))
        except ValidationError:
            forget(upload)
            raise
    PhotoUpload.objects.filter(pk=upload.pk).update(complete=True)
    upload.complete = True


def forget(upload):
    default_storage.delete(upload.file_name)
    upload.delete()


def _upload_ids(request):
    ids = []
    for value in request.POST.getlist("uploads")[:20]:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            pass
    return ids


def attach_uploads(request, field):
    """Put the whole photos that the write names (`uploads`) among its files, as if sent with it.

    A ValidationError if one is unknown or not whole: saving without it would lose a photo the inspector took.
    """
    ids = request.POST.getlist("uploads")
    if not ids:
        return []
    try:
        wanted = [uuid.UUID(value) for value in ids[:20]]
    except ValueError:
        raise ValidationError(_("A photo sent from the phone is not known here; send it again."))
    uploads = {u.upload_id: u for u in PhotoUpload.objects.filter(user=request.user, upload_id__in=wanted, complete=True)}
    if len(uploads) != len(set(wanted)) or len(ids) > 20:
        raise ValidationError(_("A photo sent from the phone is not known here; send it again."))
    files = [File(default_storage.open(uploads[i].file_name), name=uploads[i].name) for i in wanted]
    request.FILES.setlist(field, request.FILES.getlist(field) + files)
    return [uploads[i] for i in wanted]


def with_uploads(field):
    """A write that takes photos sent in pieces beforehand (`uploads`), in the form's photo field `field`."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return view(request, *args, **kwargs)
            try:
                attached = attach_uploads(request, field)
            except ValidationError as error:
                return JsonResponse({"errors": {"uploads": " ".join(error.messages)}}, status=400)
            try:
                response = view(request, *args, **kwargs)
            finally:
                for f in request.FILES.getlist(field):
                    if isinstance(f, File) and not hasattr(f, "content_type"):
                        f.close()
            if 200 <= response.status_code < 300:
                for upload in attached:  # saved with the write: the pieces are no longer needed
                    forget(upload)
            return response

        return wrapped

    return decorator


# Likely duplicates of a hazard reported from the queue.

def likely_duplicate(hazard, user):
    """An open hazard someone else reported within CITIZEN_DUPLICATE_RADIUS_M on the same river, or None."""
    if hazard.location is None:
        return None
    others = Hazard.objects.filter(status__in=Hazard.OPEN_STATUSES).exclude(reported_by=user)
    if hazard.river_id:
        others = others.filter(river=hazard.river_id)
    near = _near(others, "location", hazard.location, settings.CITIZEN_DUPLICATE_RADIUS_M)
    if not near:
        return None
    distance, other = near[0]
    return {"code": other.code, "title": other.title, "url": other.get_absolute_url(), "distance_m": round(distance),
            "reported_by": other.reported_by.get_full_name() or other.reported_by.username if other.reported_by else ""}


# The service worker.

def cached_static_files():
    """Every static file the service worker keeps, by its path under STATIC_URL, sorted."""
    found = {}
    for finder in finders.get_finders():
        for path, storage in finder.list(["*.map", "*.md", "*.txt", "*.LICENSE"]):
            key = path.replace("\\", "/")
            if key.startswith(CACHED_STATIC) and "-src." not in key and key not in found:
                found[key] = storage
    return found


@lru_cache(maxsize=1)
def worker_version():
    """A hash of what the worker caches and of the worker itself: a deploy that changes either updates it."""
    digest = hashlib.sha256()
    for path, storage in sorted(cached_static_files().items()):
        digest.update(path.encode())
        with storage.open(path) as f:
            digest.update(f.read())
    digest.update((Path(settings.BASE_DIR) / "templates" / "offline" / "sw.js").read_bytes())
    return digest.hexdigest()[:16]


def precache_urls():
    return [static(path) for path in sorted(cached_static_files())]
