from django.urls import path

from . import edit_views, views

app_name = "branches"

urlpatterns = [
    path("organizations/", views.organization_list, name="organization-list"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization-detail"),
    path("party-organizations/", views.party_organization_list, name="party-organization-list"),
    path("party-organizations/<int:pk>/", views.party_organization_detail, name="party-organization-detail"),
    path("organizations/new/", edit_views.organization_edit, name="organization-create"),
    path("organizations/<int:pk>/edit/", edit_views.organization_edit, name="organization-edit"),
    path("party-organizations/new/", edit_views.party_organization_edit, name="party-organization-create"),
    path(
        "party-organizations/<int:pk>/edit/",
        edit_views.party_organization_edit,
        name="party-organization-edit",
    ),
    path("party-organizations/<int:po_pk>/members/new/", edit_views.member_edit, name="member-create"),
    path(
        "party-organizations/<int:po_pk>/members/<int:pk>/edit/", edit_views.member_edit, name="member-edit"
    ),
    path(
        "party-organizations/<int:po_pk>/members/<int:pk>/remove/",
        edit_views.member_remove,
        name="member-remove",
    ),
    path("instructors/", edit_views.instructor_list, name="instructor-list"),
    path("instructors/new/", edit_views.instructor_edit, name="instructor-create"),
    path("instructors/<int:pk>/edit/", edit_views.instructor_edit, name="instructor-edit"),
    path("coverage/", views.coverage, name="coverage"),
    path("import/", views.import_upload, name="import"),
    path("import/template.xlsx", views.import_template, name="import-template"),
    path("import/<int:pk>/", views.import_batch, name="import-batch"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import-confirm"),
]
