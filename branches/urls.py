from django.urls import path

from . import views

app_name = "branches"

urlpatterns = [
    path("organizations/", views.organization_list, name="organization-list"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization-detail"),
    path("party-organizations/", views.party_organization_list, name="party-organization-list"),
    path("party-organizations/<int:pk>/", views.party_organization_detail, name="party-organization-detail"),
    path("coverage/", views.coverage, name="coverage"),
    path("import/", views.import_upload, name="import"),
    path("import/template.xlsx", views.import_template, name="import-template"),
    path("import/<int:pk>/", views.import_batch, name="import-batch"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import-confirm"),
]
