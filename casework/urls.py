from django.urls import path

from . import import_views, plan_views, views

app_name = "casework"
urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("new/", views.case_create, name="case_create"),
    path("break-glass/", views.break_glass, name="break_glass"),
    path("imports/", import_views.ledger_import, name="ledger_import"),
    path("imports/<int:import_id>/", import_views.ledger_import_detail, name="ledger_import_detail"),
    path(
        "imports/<int:import_id>/confirm/", import_views.ledger_import_confirm, name="ledger_import_confirm"
    ),
    path("imports/<int:import_id>/status/", import_views.ledger_import_status, name="ledger_import_status"),
    path("<int:case_id>/", views.case_detail, name="case_detail"),
    path("<int:case_id>/edit/", views.case_edit, name="case_edit"),
    path("<int:case_id>/print/", views.case_print, name="case_print"),
    path("<int:case_id>/print.pdf", views.case_print_pdf, name="case_print_pdf"),
    path("<int:case_id>/members/", views.member_add, name="member_add"),
    path("<int:case_id>/members/<int:member_id>/edit/", views.member_edit, name="member_edit"),
    path("<int:case_id>/genogram/", views.case_genogram, name="case_genogram"),
    path("<int:case_id>/genogram/resources/", views.ecomap_resource_add, name="ecomap_resource_add"),
    path(
        "<int:case_id>/genogram/resources/<int:resource_id>/",
        views.ecomap_resource_edit,
        name="ecomap_resource_edit",
    ),
    path(
        "<int:case_id>/genogram/resources/<int:resource_id>/remove/",
        views.ecomap_resource_remove,
        name="ecomap_resource_remove",
    ),
    path("<int:case_id>/plans/new/", plan_views.plan_create, name="plan_create"),
    path("<int:case_id>/plans/<int:plan_id>/evaluate/", plan_views.plan_evaluate, name="plan_evaluate"),
    path("<int:case_id>/assessments/", views.assessment_history, name="assessment_history"),
    path("<int:case_id>/assessments/new/", views.assessment_create, name="assessment_create"),
    path(
        "<int:case_id>/assessments/<int:assessment_id>/",
        views.assessment_detail,
        name="assessment_detail",
    ),
    path("<int:case_id>/status/", views.case_change_status, name="case_change_status"),
    path("<int:case_id>/reopen/", views.case_reopen, name="case_reopen"),
    path("<int:case_id>/activities/new/", views.activity_log, name="activity_log"),
    path("<int:case_id>/activities/<int:activity_id>/void/", views.activity_void, name="activity_void"),
    path("<int:case_id>/lead/", views.lead_assign, name="lead_assign"),
    path("<int:case_id>/consents/", views.consent_give, name="consent_give"),
    path(
        "<int:case_id>/consents/<int:consent_id>/withdraw/", views.consent_withdraw, name="consent_withdraw"
    ),
    path(
        "<int:case_id>/consents/<int:consent_id>/document/", views.consent_document, name="consent_document"
    ),
    path(
        "<int:case_id>/consents/<int:consent_id>/document/delete/",
        views.consent_document_delete,
        name="consent_document_delete",
    ),
    path("<int:case_id>/meetings/", views.meeting_register, name="meeting_register"),
    path("<int:case_id>/meetings/<int:registration_id>/end/", views.meeting_end, name="meeting_end"),
    path("<int:case_id>/shares/", views.share_override, name="share_override"),
    path("<int:case_id>/shares/<int:grant_id>/end/", views.share_override_end, name="share_override_end"),
]
