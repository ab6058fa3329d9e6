"""Background work of the organisation: invitations, and the dry run of a
large HR file. Each task takes ids and calls one function; each is safe to
run twice (the Notification key; a dry run reads only, and is stored once)."""

from celery import shared_task

from . import hr_import, invitations

SENDING = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}


@shared_task(name="organisation.send_invitations", **SENDING)
def send_invitations(user_ids):
    """Fan out: small tasks of a few hundred invitations each."""
    return invitations.fan_out(user_ids)


@shared_task(name="organisation.send_invitation_chunk", **SENDING)
def send_invitation_chunk(user_ids):
    for user_id in user_ids:
        invitations.send_invitation(user_id)


@shared_task(name="organisation.send_invitation", **SENDING)
def send_invitation(user_id):
    return invitations.send_invitation(user_id)


@shared_task(name="organisation.sweep_invitations", ignore_result=True)
def sweep_invitations():
    """Beat: invitations of the last week that never went out."""
    return invitations.sweep_invitations()


@shared_task(name="organisation.check_hr_import", ignore_result=True)
def check_hr_import(token, user_id, language):
    """The dry run of an uploaded HR file too large to check in the request."""
    hr_import.check_stored_upload(token, user_id, language)


@shared_task(name="organisation.apply_hr_import", ignore_result=True)
def apply_hr_import(token, user_id, confirm_deactivations, language):
    """The apply of an uploaded HR file too large to apply in the request."""
    hr_import.apply_stored_upload(token, user_id, confirm_deactivations, language)
