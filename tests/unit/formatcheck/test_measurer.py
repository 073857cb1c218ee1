"""Facts carry the version of the measurer that produced them, and only current facts are judged again."""

from __future__ import annotations

from cfp.formatcheck import MEASURER_VERSION, FormatSpec, Verdict, check_pdf, measure
from cfp.rejudge import under
from cfp_tools.pdfs import make_abstract


def test_every_measurement_is_stamped_whichever_way_it_ends() -> None:
    for data in (make_abstract(2), b"", b"not a pdf", b"%PDF-1.7 broken"):
        assert measure(data).measurer == MEASURER_VERSION


def test_facts_stored_without_a_version_come_from_measurer_zero() -> None:
    stored = check_pdf(make_abstract(3), FormatSpec(max_body_pages=2)).model_dump(mode="json")
    del stored["facts"]["measurer"]
    assert Verdict.model_validate(stored).facts.measurer == 0


def test_stale_facts_keep_their_verdict_and_current_ones_are_judged_again() -> None:
    current = check_pdf(make_abstract(3), FormatSpec(max_body_pages=2))
    stale = current.model_copy(update={"facts": current.facts.model_copy(update={"measurer": 0})})
    again = under(FormatSpec(max_body_pages=3))
    assert (again(current).outcome, current.measured_by_older_checker()) == ("pass", False)
    assert (again(stale), stale.measured_by_older_checker()) == (stale, True)
