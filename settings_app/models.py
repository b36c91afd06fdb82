from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from solo.models import SingletonModel


class RepeatInquiryScenario(models.TextChoices):
    NEW_LEAD = "new_lead", _("Create a new repeat lead")
    ADD_TO_EXISTING = "add_to_existing", _("Add the inquiry to the client's newest open lead")


class CRMSettings(SingletonModel):
    """The one row of CRM-wide settings, edited by administrators in Django admin."""

    default_lead_name = models.CharField(
        _("default lead name"), max_length=200, default="Zakup mieszkania"
    )
    manual_status_change_allowed = models.BooleanField(
        _("manual status changes allowed"), default=True
    )
    suggest_status_after_conversation = models.BooleanField(
        _("suggest a status change after a conversation on a new lead"), default=True
    )
    repeat_inquiry_scenario = models.CharField(
        _("repeat inquiry scenario"),
        max_length=20,
        choices=RepeatInquiryScenario,
        default=RepeatInquiryScenario.NEW_LEAD,
    )
    reservation_days = models.PositiveSmallIntegerField(
        _("preliminary reservation length (days)"), default=7
    )
    reservation_max_days = models.PositiveSmallIntegerField(
        _("longest preliminary reservation (days)"),
        default=90,
        help_text=_("A preliminary reservation may end at most this many days from today."),
    )
    reminder_minutes = models.PositiveSmallIntegerField(
        _("reminder before a planned conversation (minutes)"), default=30
    )
    first_call_offset_minutes = models.PositiveIntegerField(
        _("automatic first call after (minutes)"),
        default=60,
        help_text=_("When a client is created with a phone, a call is planned this long after."),
    )

    sla_first_contact_minutes = models.PositiveIntegerField(
        _("first contact SLA (minutes)"),
        default=60,
        help_text=_(
            "A lead should get its first conversation within this many minutes of its "
            "creation; the response times report lists the leads over it."
        ),
    )

    # Which kinds of files may be attached to leads; the type is told from the file's
    # content, never from its name.
    documents_allow_pdf = models.BooleanField(_("PDF documents allowed"), default=True)
    documents_allow_images = models.BooleanField(
        _("images allowed"), default=True, help_text=_("PNG, JPEG, GIF and WebP.")
    )
    documents_allow_office = models.BooleanField(
        _("office documents allowed"),
        default=True,
        help_text=_("Word and Excel (DOCX, XLSX, DOC, XLS) and OpenDocument (ODT, ODS)."),
    )

    import_max_rows = models.PositiveIntegerField(
        _("most rows in one import"),
        default=100_000,
        help_text=_("A file with more rows is refused at upload, before anything is read."),
    )

    intake_fallback_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last-resort assignee of inquiries"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "Gets an inquiry no assignment rule could give to anyone. When empty, the "
            "longest-serving active manager or administrator gets it."
        ),
    )

    # Personal data (RODO): whom consents are given to, and how long data is kept.
    default_controller = models.ForeignKey(
        "consents.Controller",
        verbose_name=_("default data controller"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The company consents are given to, unless an investment names its own."),
    )
    profiling_enabled = models.BooleanField(
        _("profiling consent offered"),
        default=False,
        help_text=_("Forms offer a separate consent to profiling."),
    )
    retention_months = models.PositiveSmallIntegerField(
        _("retention of inactive people (months)"),
        default=24,
        help_text=_(
            "Clients and inquiries without a contract and without activity for this long are "
            "anonymised by the monthly job. 0 turns it off."
        ),
    )
    legal_hold_years = models.PositiveSmallIntegerField(
        _("legal hold of contract data (years)"),
        default=10,
        help_text=_(
            "Contract data is kept this long after signing (accounting, warranty) and "
            "anonymised when the hold ends."
        ),
    )

    class Meta:
        verbose_name = _("CRM settings")
        verbose_name_plural = _("CRM settings")
        constraints = [
            # django-solo keeps one row at pk=1; the database refuses any other row.
            models.CheckConstraint(
                condition=models.Q(id=1),
                name="crmsettings_single_row",
                violation_error_message=_("There is only one row of CRM settings; edit it."),
            ),
            models.CheckConstraint(
                condition=models.Q(reservation_days__gte=1),
                name="crmsettings_reservation_days_positive",
                violation_error_message=_("A reservation lasts at least one day."),
            ),
            models.CheckConstraint(
                condition=models.Q(reservation_max_days__gte=models.F("reservation_days")),
                name="crmsettings_reservation_max_days_covers_default",
                violation_error_message=_(
                    "The longest reservation cannot be shorter than the default length."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(import_max_rows__gte=1),
                name="crmsettings_import_max_rows_positive",
                violation_error_message=_("An import takes at least one row."),
            ),
        ]

    def __str__(self) -> str:
        return str(_("CRM settings"))
