"""The uploaded HR files kept between the dry run and the apply, and the
dry runs a worker made of them. Private files (never in the session, never
under MEDIA_ROOT), each under a random token that belongs to the person who
uploaded it, for at most 24 hours. Writing them twice is safe: a token names
one upload, and its plan is written whole (to a temporary file, then
renamed)."""

import json
import os
import re
import secrets
import time
from pathlib import Path

from django.conf import settings

from core.tasks import enqueue, enqueue_on_commit

from .files import file_sha256
from .plans import plan_from_dict, plan_to_dict

TOKEN_MAX_AGE_SECONDS = 24 * 3600
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
# A worker's job on an upload not started this long after it was handed out
# was lost with the broker's queue: the waiting page hands it out again.
JOB_LEASE_SECONDS = 180


def import_dir():
    """Private storage for uploaded files: outside MEDIA_ROOT, which a web
    server may serve. Overridable with the HR_IMPORT_DIR setting."""
    configured = getattr(settings, "HR_IMPORT_DIR", None)
    return Path(configured or Path(settings.VAR_DIR) / "hr-imports")


def _paths(token):
    base = import_dir()
    return base / f"{token}.data", base / f"{token}.json"


def _plan_path(token):
    return import_dir() / f"{token}.plan.json"


def _outcome_path(token):
    return import_dir() / f"{token}.outcome.json"


def _job_path(token):
    return import_dir() / f"{token}.job.json"


def _write_job(token, job):
    path = _job_path(token)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(job))
    os.replace(partial, path)


def _read_job(token):
    try:
        job = json.loads(_job_path(token).read_text())
    except (OSError, ValueError):
        return None
    return job if isinstance(job, dict) else None


def hand_out_job(token, name, *args):
    """Ask a worker for `name(*args)` on the upload when the transaction
    commits, and remember it, so that the page waiting for it can ask again
    if the task was lost (`hand_out_again_if_lost`)."""
    _write_job(
        token,
        {"name": name, "args": list(args), "handed_out": time.time(), "started": None},
    )
    enqueue_on_commit(name, *args)


def job_started(token):
    """The worker took the job: it is not handed out again (a second apply
    would wait for the first and report nothing done)."""
    job = _read_job(token)
    if job is not None and not job.get("started"):
        job["started"] = time.time()
        _write_job(token, job)


def hand_out_again_if_lost(token):
    """From the waiting page: a job not started JOB_LEASE_SECONDS after it
    was handed out is handed out again. Returns whether it was."""
    job = _read_job(token)
    if job is None or job.get("started"):
        return False
    if time.time() - job.get("handed_out", 0) < JOB_LEASE_SECONDS:
        return False
    job["handed_out"] = time.time()
    _write_job(token, job)
    enqueue(job["name"], *job["args"])
    return True


def _remove_expired():
    base = import_dir()
    if not base.is_dir():
        return
    limit = time.time() - TOKEN_MAX_AGE_SECONDS
    for path in base.iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue  # another process removed it first


def store_upload(user, kind, mode, filename, content):
    _remove_expired()
    base = import_dir()
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    token = secrets.token_urlsafe(32)
    data_path, meta_path = _paths(token)
    data_path.write_bytes(content)
    meta_path.write_text(
        json.dumps(
            {
                "user_id": user.pk,
                "kind": kind,
                "mode": mode,
                "filename": filename,
                "sha256": file_sha256(content),
                "created": time.time(),
            }
        )
    )
    return token


def load_upload(user, token):
    """The stored upload for `token`, if it is this user's and still fresh;
    otherwise None (an expired, unknown and another person's token look the
    same)."""
    if not token or not TOKEN_RE.match(token):
        return None
    data_path, meta_path = _paths(token)
    try:
        meta = json.loads(meta_path.read_text())
        content = data_path.read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("user_id") != user.pk:
        return None
    if time.time() - meta.get("created", 0) > TOKEN_MAX_AGE_SECONDS:
        return None
    if file_sha256(content) != meta.get("sha256"):
        return None
    return meta, content


def discard_upload(token):
    for path in (
        *_paths(token),
        _plan_path(token),
        _outcome_path(token),
        _job_path(token),
    ):
        path.unlink(missing_ok=True)


def upload_age_seconds(meta):
    return time.time() - meta.get("created", 0)


def store_plan(token, plan):
    """The dry run of the upload `token`, as a worker made it."""
    path = _plan_path(token)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(plan_to_dict(plan)))
    os.replace(partial, path)


def load_plan(token):
    """The stored dry run of `token`, or None while there is none."""
    try:
        return plan_from_dict(json.loads(_plan_path(token).read_text()))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store_outcome(token, outcome):
    """What a worker's apply of the upload `token` came to: {"applied":
    summary} or {"refused": message} (the plan it refused is stored with
    `store_plan`)."""
    path = _outcome_path(token)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(outcome))
    os.replace(partial, path)


def load_outcome(token):
    """The stored outcome of the worker's apply of `token`, or None."""
    try:
        outcome = json.loads(_outcome_path(token).read_text())
    except (OSError, ValueError):
        return None
    return outcome if isinstance(outcome, dict) else None


def discard_outcome(token):
    """Forget a refused apply's outcome, so that the dry run can be applied
    again (once what refused it is put right)."""
    _outcome_path(token).unlink(missing_ok=True)
