from django.urls import path

from . import views

app_name = "programme"

urlpatterns = [
    path("pairings/", views.pairing_list, name="pairing-list"),
    path("pairings/new/", views.pairing_create, name="pairing-create"),
    path("pairings/<int:pk>/", views.pairing_detail, name="pairing-detail"),
    path("pairings/<int:pk>/edit/", views.pairing_edit, name="pairing-edit"),
    path("pairings/<int:pk>/end/", views.pairing_end, name="pairing-end"),
    path("pairings/<int:pk>/activities/new/", views.joint_activity_create, name="joint-activity-create"),
    path("plans/", views.plan_list, name="plan-list"),
    path("plans/generate/", views.plans_generate, name="plans-generate"),
    path("plans/<int:pk>/", views.plan_detail, name="plan-detail"),
    path("plans/<int:pk>/actions/", views.plan_action_add, name="plan-action-add"),
    path("plans/<int:pk>/commit/", views.plan_commit, name="plan-commit"),
    path("plan-actions/<int:pk>/done/", views.plan_action_done, name="plan-action-done"),
    path("cases/", views.case_library, name="case-library"),
    path("cases/<int:pk>/", views.case_public, name="case-public"),
    path("cases/photos/<int:pk>/", views.case_photo, name="case-photo"),
    path("cases/manage/", views.case_list, name="case-list"),
    path("cases/manage/new/", views.case_create, name="case-create"),
    path("cases/manage/<int:pk>/", views.case_manage, name="case-manage"),
    path("cases/manage/<int:pk>/edit/", views.case_edit, name="case-edit"),
    path("cases/manage/<int:pk>/transition/", views.case_transition, name="case-transition"),
    path("cases/manage/<int:pk>/photos/", views.case_photo_add, name="case-photo-add"),
]
