from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from network.models import Role
from network.services import StaffNames, staff_create_or_update


def validation_message(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(message for messages in error.message_dict.values() for message in messages)
    return " ".join(error.messages)


def _names(options) -> StaffNames | None:
    """The display name given on the command line; None (keep the names) when neither name is given."""
    if options["family_name"] is None and options["given_name"] is None:
        return None
    return StaffNames(
        family_name=options["family_name"] or "",
        given_name=options["given_name"] or "",
        family_name_kana=options["family_name_kana"],
        given_name_kana=options["given_name_kana"],
    )


class Command(BaseCommand):
    help = (
        "Create or update a staff account: set its password, replace its membership for the role and put it "
        "in its area-team or agency group."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--area", metavar="CODE", help="area code (caseworker, coordinator)")
        parser.add_argument("--agency", metavar="CODE", help="agency code (agency staff)")
        parser.add_argument("--family-name", help="family name as colleagues read it (e.g. 田中)")
        parser.add_argument("--given-name", help="given name (e.g. 優子)")
        parser.add_argument("--family-name-kana", default="", help="family name in kana (タナカ)")
        parser.add_argument("--given-name-kana", default="", help="given name in kana (ユウコ)")
        parser.add_argument(
            "--totp-secret", metavar="BASE32", help="provision a confirmed TOTP device with this secret"
        )

    def handle(self, *args, **options):
        try:
            result = staff_create_or_update(
                username=options["username"],
                password=options["password"],
                role=options["role"],
                area_code=options["area"],
                agency_code=options["agency"],
                totp_secret=options["totp_secret"],
                names=_names(options),
            )
        except ValidationError as error:
            raise CommandError(validation_message(error)) from None
        team = result.membership.area or result.membership.agency
        where = f" of {team.code}" if team else ""
        self.stdout.write(
            f"{'Created' if result.created else 'Updated'} staff account {result.user.username!r}: "
            f"{result.membership.role}{where}; groups: {', '.join(result.groups) or '-'}"
            + ("; TOTP device provisioned" if result.totp_provisioned else "")
        )
        if not result.user.is_active:
            self.stderr.write(f"Note: {result.user.username!r} is deactivated and cannot log in.")
