"""What the organisation does when a person's account changes elsewhere (the
Wagtail admin's user form, a script): a person deactivated loses their
sessions for good, as a leaver of the HR import does."""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db.models.signals import pre_save


def end_sessions_of_the_deactivated(sender, instance, update_fields=None, **kwargs):
    """A deactivated person's password becomes unusable, which changes the
    session hash their sessions carry: an old session cookie does not work
    again if they are reactivated. (The HR import does the same in bulk.)"""
    if instance.pk is None or instance.is_active:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    was_active = (
        sender.objects.filter(pk=instance.pk, is_active=True).only("pk").exists()
    )
    if was_active:
        instance.password = make_password(None)
        # Written here too: a save limited to `update_fields` would not.
        sender.objects.filter(pk=instance.pk).update(password=instance.password)


def connect():
    pre_save.connect(
        end_sessions_of_the_deactivated,
        sender=get_user_model(),
        dispatch_uid="organisation.deactivated",
    )
