"""A lost or replaced phone: remove a person's authenticator app, so that
their next password sign-in enrols a new one (with the password alone, which
is why only someone on the server may do this)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Remove a person's second-factor devices (a lost or replaced phone)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        count, _deleted = TOTPDevice.objects.filter(user=user).delete()
        self.stdout.write(
            f"Removed {count} device(s) of {username}: the next sign-in with a "
            "password enrols a new one."
        )
