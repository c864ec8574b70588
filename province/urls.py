from django.urls import path

from . import views

app_name = "province"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("committees/<int:pk>/", views.committee, name="committee"),
    path("cycles/<int:pk>/", views.cycle_results, name="cycle-results"),
    path("users/", views.users, name="users"),
    path("users/<int:pk>/", views.user_committees, name="user-committees"),
]
