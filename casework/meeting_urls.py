from django.urls import path

from . import meeting_views

app_name = "meetings"
urlpatterns = [
    path("", meeting_views.meeting_list, name="meeting_list"),
    path("new/", meeting_views.meeting_create, name="meeting_create"),
    path("<int:meeting_id>/", meeting_views.meeting_detail, name="meeting_detail"),
    path("<int:meeting_id>/edit/", meeting_views.meeting_edit, name="meeting_edit"),
]
