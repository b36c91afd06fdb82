from django.urls import path

from .views import (
    conversations,
    detail,
    documents,
    edit,
    exports,
    imports,
    kanban,
    lists,
    offers,
    sales,
    saved_views,
    surveys,
    verification,
)

app_name = "leads"
urlpatterns = [
    # The list, its bulk actions and the client page's related-leads partial.
    path("", lists.lead_list_view, name="list"),
    path("bulk/", lists.lead_bulk_view, name="bulk"),
    path("columns/", lists.lead_columns_view, name="columns"),
    path("views/save/", saved_views.saved_view_save_view, name="view_save"),
    path("views/<int:pk>/", saved_views.saved_view_open_view, name="view_open"),
    path("views/<int:pk>/delete/", saved_views.saved_view_delete_view, name="view_delete"),
    path("for-client/<int:client_pk>/", lists.client_leads_partial_view, name="client_leads"),
    # Kanban.
    path("kanban/", kanban.kanban_view, name="kanban"),
    path("kanban/column/<int:status_pk>/", kanban.kanban_column_view, name="kanban_column"),
    path("kanban/move/<int:pk>/", kanban.kanban_move_view, name="kanban_move"),
    # Creating and editing.
    path("new/", edit.lead_create_view, name="create"),
    path("<int:pk>/edit/", edit.lead_update_view, name="update"),
    path("client-search/", edit.client_search_view, name="client_search"),
    path("contractor-search/", edit.contractor_search_view, name="contractor_search"),
    path("client-dialog/", edit.client_dialog_view, name="client_dialog"),
    # One lead.
    path("<int:pk>/", detail.lead_detail_view, name="detail"),
    path("<int:pk>/tab/<slug:tab>/", detail.lead_tab_view, name="tab"),
    path("<int:pk>/status/", detail.lead_status_view, name="status"),
    path("<int:pk>/fail/", detail.lead_fail_view, name="fail"),
    path("<int:pk>/reactivate/", detail.lead_reactivate_view, name="reactivate"),
    path("<int:pk>/archive/", detail.lead_archive_view, name="archive"),
    path("<int:pk>/unarchive/", detail.lead_unarchive_view, name="unarchive"),
    # Verifying an inquiry.
    path("<int:pk>/delete/", verification.lead_delete_view, name="delete"),
    path("<int:pk>/restore/", verification.lead_restore_view, name="restore"),
    path("<int:pk>/verify/", verification.lead_verify_view, name="verify"),
    path("<int:pk>/link/<int:client_pk>/", verification.lead_link_view, name="link"),
    path("<int:pk>/new-client/", verification.lead_new_client_view, name="new_client"),
    path("<int:pk>/unlink/<int:client_pk>/", verification.lead_unlink_view, name="unlink"),
    # Working a lead: conversations (and "My day").
    path("my-day/", conversations.my_day_view, name="my_day"),
    path(
        "<int:pk>/conversations/new/",
        conversations.conversation_add_view,
        name="conversation_add",
    ),
    path(
        "<int:pk>/conversations/<int:activity_pk>/done/",
        conversations.conversation_done_view,
        name="conversation_done",
    ),
    # My day's "mark done" and "postpone", in place (htmx) or as a plain POST + redirect.
    path(
        "my-day/<int:pk>/conversations/<int:activity_pk>/done/",
        conversations.my_day_done_view,
        name="my_day_done",
    ),
    path(
        "my-day/<int:pk>/conversations/<int:activity_pk>/postpone/",
        conversations.my_day_postpone_view,
        name="my_day_postpone",
    ),
    # Working a lead: surveys.
    path("<int:pk>/surveys/new/", surveys.survey_new_view, name="survey_new"),
    path("<int:pk>/surveys/", surveys.survey_create_view, name="survey_create"),
    # Working a lead: offers.
    path("<int:pk>/offers/new/", offers.offer_create_view, name="offer_create"),
    path("<int:pk>/offers/<int:offer_pk>/send/", offers.offer_send_view, name="offer_send"),
    path("<int:pk>/offers/<int:offer_pk>/answer/", offers.offer_answer_view, name="offer_answer"),
    path("<int:pk>/offers/<int:offer_pk>/print/", offers.offer_print_view, name="offer_print"),
    # Working a lead: reservations and contracts.
    path("<int:pk>/reservations/new/", sales.reservation_create_view, name="reservation_create"),
    path(
        "<int:pk>/reservations/<int:reservation_pk>/cancel/",
        sales.reservation_cancel_view,
        name="reservation_cancel",
    ),
    path("<int:pk>/contracts/new/", sales.contract_create_view, name="contract_create"),
    path(
        "<int:pk>/contracts/<int:contract_pk>/cancel/",
        sales.contract_cancel_view,
        name="contract_cancel",
    ),
    # Working a lead: notes and documents.
    path("<int:pk>/notes/add/", documents.note_create_view, name="note_create"),
    path("<int:pk>/documents/upload/", documents.document_upload_view, name="document_upload"),
    path(
        "<int:pk>/documents/<int:document_pk>/download/",
        documents.document_download_view,
        name="document_download",
    ),
    path(
        "<int:pk>/documents/<int:document_pk>/delete/",
        documents.document_delete_view,
        name="document_delete",
    ),
    # Excel export.
    path("export/", exports.lead_export_view, name="export"),
    # Import.
    path("import/", imports.import_start_view, name="import"),
    path("import/<int:pk>/", imports.import_detail_view, name="import_detail"),
    path("import/<int:pk>/mapping/", imports.import_mapping_view, name="import_mapping"),
    path("import/<int:pk>/encoding/", imports.import_encoding_view, name="import_encoding"),
    path("import/<int:pk>/confirm/", imports.import_confirm_view, name="import_confirm"),
    path("import/<int:pk>/rejected/", imports.import_rejected_view, name="import_rejected"),
]
