"""The registry of audience kinds: the built-in kinds describe their reasons
as before, and a kind another app registers takes part in matching, in the
stored reasons and in "Why am I assigned?" without assignments knowing it."""

import pytest
from django.db.models import Q
from django.utils import timezone, translation

from assignments import audiences
from assignments.planning import RuleSpec, match_people
from assignments.required import describe_reasons
from tests.factories import make_course, make_staff, make_unit

pytestmark = pytest.mark.django_db


class OnLeave(audiences.AudienceKind):
    """A kind as another app would add one: people on leave until a date or
    later (its part of a rule: that date)."""

    key = "test_on_leave"
    reason_kinds = ("test_on_leave",)

    def q(self, value, units):
        return Q(on_leave_until__gte=value)

    def meets(self, value, person, units):
        return bool(person.on_leave_until) and person.on_leave_until >= value

    def reasons(self, value, person, units):
        return [{"kind": "test_on_leave", "until": person.on_leave_until.isoformat()}]

    def describe(self, item):
        return f"you are on leave until {item['until']}"

    def summary(self, item):
        return f"on leave until {item['until']}"


@pytest.fixture
def on_leave_kind():
    kind = audiences.register(OnLeave())
    yield kind
    audiences._KINDS.pop(kind.key)


def test_a_registered_kind_narrows_the_audience_and_gives_its_reason(
    catalogue, on_leave_kind
):
    today = timezone.localdate()
    unit = make_unit("U")
    back = today.replace(year=today.year + 1)
    away = make_staff("away", unit=unit, on_leave_until=back)
    make_staff("here", unit=unit)
    course = make_course(catalogue, lessons=1)
    spec = RuleSpec(
        id=7,
        name="Återkomst",
        course_id=course.pk,
        subtree_unit_ids=(unit.pk,),
        extra=(("test_on_leave", today),),
    )
    assert spec.has_criteria
    matches = match_people([spec], today)
    assert set(matches) == {away.pk}
    (reason,) = matches[away.pk].reasons
    kinds = [item["kind"] for item in reason["matched"]]
    assert kinds == ["subtree", "test_on_leave"]
    with translation.override("en"):
        (sentence,) = describe_reasons([reason])
    assert "your unit is U" in sentence
    assert "you are on leave until" in sentence
    assert audiences.summary(reason["matched"][1]).startswith("on leave until")


def test_a_kind_this_version_does_not_know_says_nothing_rather_than_wrong():
    reason = {"rule": 1, "name": "R", "matched": [{"kind": "gone_away"}]}
    with translation.override("en"):
        assert describe_reasons([reason]) == ["Rule “R”"]
    assert audiences.summary({"kind": "gone_away"}) == ""


def test_a_second_kind_under_a_registered_key_is_refused(on_leave_kind):
    class Other(audiences.AudienceKind):
        key = "test_on_leave"

    with pytest.raises(ValueError, match="registered already"):
        audiences.register(Other())
