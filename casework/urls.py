from django.urls import path

from . import views

app_name = "casework"
urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("new/", views.case_create, name="case_create"),
    path("<int:case_id>/", views.case_detail, name="case_detail"),
    path("<int:case_id>/members/", views.member_add, name="member_add"),
    path("<int:case_id>/plans/", views.plan_create, name="plan_create"),
    path("<int:case_id>/status/", views.case_change_status, name="case_change_status"),
    path("<int:case_id>/reopen/", views.case_reopen, name="case_reopen"),
    path("<int:case_id>/activities/new/", views.activity_log, name="activity_log"),
    path("<int:case_id>/activities/<int:activity_id>/void/", views.activity_void, name="activity_void"),
]
