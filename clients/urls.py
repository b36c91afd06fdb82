from django.urls import path

from . import views, views_export

app_name = "clients"
urlpatterns = [
    path("clients/", views.client_list_view, name="list"),
    path("clients/export/", views_export.client_export_view, name="export"),
    path("clients/new/", views.client_create_view, name="create"),
    path("clients/<int:pk>/", views.client_detail_view, name="detail"),
    path("clients/<int:pk>/edit/", views.client_update_view, name="update"),
    path("contractors/", views.contractor_list_view, name="contractor_list"),
    path("contractors/new/", views.contractor_create_view, name="contractor_create"),
    path("contractors/<int:pk>/", views.contractor_detail_view, name="contractor_detail"),
    path("contractors/<int:pk>/edit/", views.contractor_update_view, name="contractor_update"),
]
