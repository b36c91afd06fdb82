"""The log of what was done with a person's data: exports (access, portability) and
anonymisations (erasure, retention), with who did it and when. Its rows name the client or
inquiry by id only, so that the log itself keeps no personal data after an anonymisation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PrivacyAction(models.TextChoices):
    EXPORT = "export", _("Export of a person's data")
    ANONYMISATION = "anonymisation", _("Anonymisation")
    RETENTION = "retention", _("Anonymisation by the retention policy")
    LEGAL_HOLD = "legal_hold", _("Kept under a legal hold")


class PrivacyLog(models.Model):
    action = models.CharField(_("action"), max_length=15, choices=PrivacyAction)
    client_id = models.PositiveBigIntegerField(_("client id"), null=True, blank=True)
    lead_id = models.PositiveBigIntegerField(_("inquiry id"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    # What was done, in words and figures (how many leads, what was kept and why), with no
    # personal data in it.
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("personal data log entry")
        verbose_name_plural = _("personal data log")
        ordering = ["-at", "-id"]
        permissions = [
            ("export_person", _("Can export everything held about a person")),
            ("anonymise_person", _("Can anonymise a person")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(client_id__isnull=False) | models.Q(lead_id__isnull=False),
                name="privacy_log_names_a_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.at:%Y-%m-%d %H:%M}"
