from django.urls import path

from . import views

app_name = "referrals"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.referral_new, name="referral_new"),
    path("notifications/", views.notifications, name="notifications"),
    path("metrics/", views.metrics, name="metrics"),
    path("<int:referral_id>/accept/", views.referral_accept, name="referral_accept"),
    path("<int:referral_id>/decline/", views.referral_decline, name="referral_decline"),
    path("<int:referral_id>/withdraw/", views.referral_withdraw, name="referral_withdraw"),
    path("<int:referral_id>/complete/", views.referral_complete, name="referral_complete"),
]
