from django.urls import path

from . import views

app_name = "clients"
urlpatterns = [
    path("clients/", views.client_list_view, name="list"),
    path("clients/<int:pk>/", views.client_detail_view, name="detail"),
    path("contractors/", views.contractor_list_view, name="contractor_list"),
    path("contractors/<int:pk>/", views.contractor_detail_view, name="contractor_detail"),
]
