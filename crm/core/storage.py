"""Storage for files that only a view checking access may hand out."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property


@deconstructible(path="crm.core.storage.PrivateFileStorage")
class PrivateFileStorage(FileSystemStorage):
    """Files kept under MEDIA_ROOT/private and never given a public URL (exports, later
    documents): the project serves no media URL, and this storage refuses to make one."""

    @cached_property
    def base_location(self):
        # Read at use, so that it follows MEDIA_ROOT (FileSystemStorage clears this cache
        # when a test overrides MEDIA_ROOT).
        return os.path.join(settings.MEDIA_ROOT, "private")

    def url(self, name):
        raise ValueError("A private file has no public URL; serve it through a view.")


private_storage = PrivateFileStorage()
