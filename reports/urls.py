from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.report_index_view, name="index"),
    path("sources/", views.sources_report_view, name="sources"),
    path("funnel/", views.funnel_report_view, name="funnel"),
    path("response-times/", views.response_times_report_view, name="response_times"),
    path("repeat/", views.repeat_report_view, name="repeat"),
    path("leads/", views.report_leads_view, name="leads"),
]
