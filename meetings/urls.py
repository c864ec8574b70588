from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="meeting-list"),
    path("new/", views.meeting_create, name="meeting-create"),
    path("<int:pk>/", views.meeting_detail, name="meeting-detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="meeting-edit"),
    path("<int:pk>/attachments/", views.attachment_add, name="attachment-add"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
    path("attachments/<int:pk>/delete/", views.attachment_remove, name="attachment-remove"),
    path("compliance/", views.compliance_overview, name="compliance-overview"),
    path("compliance/export.xlsx", views.compliance_export, name="compliance-export"),
    path("compliance/<int:po_id>/", views.compliance_branch, name="compliance-branch"),
]
