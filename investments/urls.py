from django.urls import path

from . import views

app_name = "investments"
urlpatterns = [
    path("", views.investment_list_view, name="list"),
    path("<int:pk>/", views.investment_detail_view, name="detail"),
]
