from django.urls import path

from . import views

app_name = "leads"
urlpatterns = [
    path("", views.lead_list_view, name="list"),
    path("<int:pk>/", views.lead_detail_view, name="detail"),
]
