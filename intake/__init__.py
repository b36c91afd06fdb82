"""Inquiries arriving from outside: the channels that turn what arrives into an inquiry for
`leads`' one entry point, `leads.services.intake.lead_receive`.

The first channels were the intake API for websites and portals (`views.intake_api_view`, its
body read by `payload.read_intake_payload`, its OpenAPI document in `openapi`) and the
public inquiry form a source's website embeds (`views.public_inquiry_view`,
`payload.PublicInquiryForm`). Their URLs stay un-namespaced in `crm/urls.py` (`intake_api`,
`intake_schema`, `intake_form`, `intake_form_thanks`), as partners and embedding sites
know them.

`intake` sits above `leads` and imports it; `leads` never imports `intake`. So what `leads`
itself needs stays there:

- `lead_receive` (`leads/services/intake.py`) and `inquiry_consents`
  (`leads/services/inquiry_consents.py`) are the one entry point every channel calls, the
  import of a spreadsheet (a `leads` tool) included.
- The per-process intake configuration (`leads/intake_config.py`: sources by token,
  investments, assignment rules, the first status, the settings) is read by `lead_receive`,
  the assignment (`leads/services/assignment.py`) and the import (`leads/imports/`), so it
  stays in `leads`; the channels here read it through `leads.intake_config.intake_config`.
- The fields of one inquiry and their rules (`leads/forms/inquiry.py`:
  `IntakePayloadForm`) check an import's rows too; `payload.PublicInquiryForm` extends it.

The models every inquiry path shares stay in `leads` (`IntakeReceipt`, `AssignmentRule`)
and `clients` (`LeadSource`): the import uses them too, and moving them costs migrations
that rename tables and gains nothing. The channels' own models are here
(`intake/models.py`): accounts, listings and forms, portal parsers, junk senders, the raw
log and Telegram chats. Each channel is a module of `intake/channels/` that reads what
arrived into one `Reading`; `intake/services/raw.py` does what they share (the raw log,
idempotency, attribution, consents, the outcome) once; the mailbox poll is
`intake/services/mailbox.py`; the webhooks' views are in `intake/hooks/`.
"""
