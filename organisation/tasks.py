"""Background work of the organisation: invitations. Each task takes ids and
calls one function; each is safe to run twice (the Notification key)."""

from celery import shared_task

from . import invitations

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
