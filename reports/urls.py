from django.urls import path

from . import views

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
]
