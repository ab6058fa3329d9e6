"""A report export too big for the request, end to end: the people list's
link → the export queued on commit → a real Celery worker on Redis builds it
→ a real SMTP server receives the link → the person downloads the file, which
is byte for byte the export made within a request."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assignments.models import Assignment
from notifications.models import Notification
from reports.models import ReportExport
from reports.tasks import build_report_export
from tests.factories import make_course, make_staff, make_unit

pytestmark = pytest.mark.integration


def test_a_big_export_is_built_by_the_worker_and_mailed(
    celery_worker_process, smtp_server, client, settings, catalogue
):
    head = make_staff("export-head")
    head.email = "export-head@example.org"
    head.save()
    unit = make_unit("EX", name="Exportenheten", head=head)
    courses = [make_course(catalogue, lessons=1, title=f"Kurs {n}") for n in range(2)]
    today = timezone.localdate()
    for n in range(6):
        person = make_staff(f"ex-{n}", unit=unit)
        for course in courses:
            Assignment.objects.create(
                person=person,
                course=course,
                course_title=course.title,
                assigned_on=today - timedelta(days=30),
                due_date=today + timedelta(days=n - 3),
                state="completed" if n == 0 else "open",
                completed_at=timezone.now() if n == 0 else None,
            )
    settings.REPORT_EXPORT_DIRECT_MAX_ROWS = {"csv": 5, "xlsx": 5}
    client.force_login(head)
    url = reverse("reports:report_people", args=[unit.pk])
    confirm = client.get(url, {"format": "csv", "sortering": "due"})
    assert confirm.status_code == 200  # the link asks; the button queues it
    response = client.post(f"{url}?format=csv&sortering=due")
    assert response.status_code == 302

    received = smtp_server.wait_for(1, timeout=60)
    celery_worker_process.wait_until_idle()
    export = ReportExport.objects.get()
    assert export.state == ReportExport.State.READY, export.error
    assert export.rows == 12
    message = received[0].parsed()
    assert message["To"] == head.email
    link = settings.SITE_URL + reverse("reports:report_exports")
    assert link in message.get_body(preferencelist=("plain",)).get_content()
    notification = Notification.objects.get(kind=Notification.Kind.REPORT_EXPORT)
    assert notification.status == Notification.Status.SENT

    download = client.get(reverse("reports:report_export_download", args=[export.pk]))
    assert download.status_code == 200
    built = b"".join(download.streaming_content)
    settings.REPORT_EXPORT_DIRECT_MAX_ROWS = {"csv": 100, "xlsx": 100}
    direct = client.get(url, {"format": "csv", "sortering": "due"})
    assert built == b"".join(direct.streaming_content)
    assert built.decode("utf-8-sig").count("\n") == 13

    # Delivered again (a broker redelivery): nothing built or mailed twice.
    build_report_export.delay(str(export.pk))
    celery_worker_process.wait_until_idle()
    assert celery_worker_process.task_results(build_report_export.name) == [
        "'ready'",
        "'not queued'",
    ]
    assert len(smtp_server.messages) == 1
    assert "Traceback" not in celery_worker_process.log, celery_worker_process.log
