"""Background work of the organisation: the dry run and the apply of a large
HR file. Each task takes a token and calls one function; each is safe to run
twice (a dry run reads only and is stored once; an apply is all or nothing).
Invitations are sent by the delivery log (`notifications`)."""

from celery import shared_task

from . import hr_import


@shared_task(name="organisation.check_hr_import", ignore_result=True)
def check_hr_import(token, user_id, language):
    """The dry run of an uploaded HR file too large to check in the request."""
    hr_import.check_stored_upload(token, user_id, language)


@shared_task(name="organisation.apply_hr_import", ignore_result=True)
def apply_hr_import(token, user_id, confirm_deactivations, language):
    """The apply of an uploaded HR file too large to apply in the request."""
    hr_import.apply_stored_upload(token, user_id, confirm_deactivations, language)
