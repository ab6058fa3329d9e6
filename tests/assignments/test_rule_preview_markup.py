"""The rule preview's summary is announced as a live region without losing
its list: role="status" is on a wrapper, never on the <ul> (axe:
aria-allowed-role)."""

import re

import pytest
from django.urls import reverse

from cms.roles import ensure_hr_admin_group
from organisation.models import StaffProfile
from tests.factories import UserFactory, make_rule, make_staff, make_unit
from tests.helpers import in_english

pytestmark = pytest.mark.django_db


def test_the_summary_is_a_list_inside_a_status_region(client, course):
    care = make_unit("VO", name="Vård och omsorg")
    make_staff("care1", unit=care)
    hr = UserFactory(username="central")
    hr.groups.add(ensure_hr_admin_group())
    StaffProfile.objects.create(user=hr, employee_number="E-central", hr_role="central")
    client.force_login(in_english(hr))
    rule = make_rule(course, units=[care])

    html = client.get(
        reverse("assignment_rule_preview", args=[rule.pk])
    ).content.decode()
    assert not re.search(r"<(ul|ol|li)\b[^>]*role=", html)
    region = re.search(
        r'<div role="status">\s*<ul data-summary>(.*?)</ul>\s*</div>', html, re.S
    )
    assert region, "the summary list is not inside a status region"
    assert "<li>" in region.group(1)
