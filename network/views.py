"""Account views: the second login step (TOTP), with enrolment at first login."""

from io import BytesIO

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import twofactor as services


class TokenForm(forms.Form):
    otp = forms.CharField(
        label=gettext_lazy("6-digit code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )


def _qr_svg(uri: str) -> str:
    buffer = BytesIO()
    qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).save(buffer)
    return buffer.getvalue().decode()


@login_required
def two_factor(request):
    """Verify the TOTP code; a user with no confirmed device first enrols one (QR code and secret)."""
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    if request.user.is_verified():
        return redirect(next_url)
    device = services.totp_device_for(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_verify(device=device, token=form.cleaned_data["otp"]):
            otp_login(request, device)
            return redirect(next_url)
        # A wrong code is a failed login like a wrong password: audited, and counted by the lockout.
        user_login_failed.send(
            sender=__name__,
            credentials={"username": request.user.get_username(), "step": "totp"},
            request=request,
        )
        form.add_error("otp", _("The code is wrong or expired. Enter the current code from your app."))
    context = {"form": form, "next": next_url, "enrolling": not device.confirmed}
    if not device.confirmed:
        context |= {"qr_svg": _qr_svg(device.config_url), "secret": services.totp_secret_base32(device)}
    return render(request, "registration/two_factor.html", context, status=400 if form.errors else 200)


__all__ = ["TOTPDevice", "two_factor"]
