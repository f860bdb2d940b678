from django.urls import path

from . import national_views, views

app_name = "reports"
urlpatterns = [
    path("", views.report, name="report"),
    path("print/", views.print_report, name="print"),
    path("cases/", views.drilldown, name="drilldown"),
    path("export/", views.export, name="export"),
    path("finalise/", views.finalise, name="finalise"),
    path("targets/", views.targets, name="targets"),
    path("centre-usage/", views.centre_usage, name="centre_usage"),
    path("action-plan/", views.action_plan, name="action_plan"),
    path("action-plan/edit/", views.action_plan_edit, name="action_plan_edit"),
    path("snapshots/", views.snapshots, name="snapshots"),
    path("meetings/", views.meetings, name="meetings"),
    path("meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/edit/", views.meeting_edit, name="meeting_edit"),
    path("national/", national_views.national, name="national"),
    path("national/print/", national_views.national_print, name="national_print"),
    path("national/export/", national_views.national_export, name="national_export"),
]
