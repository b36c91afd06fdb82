from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("jobs/<uuid:job_id>/", views.job_view, name="job"),
    path("jobs/<uuid:job_id>/download/", views.job_download_view, name="job_download"),
]
