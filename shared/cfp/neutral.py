"""Authors' text as organizers read it: bidirectional controls shown, not obeyed.

A right-to-left override (U+202E) or an isolate in a title or a name reorders what follows it on screen,
so ``Invoice<U+202E>fdp.exe`` reads as ``Invoiceexe.pdf`` and one submission can pass for another in a
digest, a spreadsheet or the console. Authors may need them in their own names, so they are stored as
sent and shown to authors as sent; everything organizers read (the console and its exports, ``cfp admin``,
digests and their CSVs) shows each one as a visible ``[U+202E]`` instead, through ``neutral``.
"""

from __future__ import annotations

import re

from cfp.model import Submission

# Every character that sets or changes the direction of the text around it: the Arabic letter mark, the
# left-to-right and right-to-left marks, embeddings, overrides and their pop, and the isolates.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def neutral(text: str) -> str:
    """``text`` with each bidirectional control written out by its code point: ``[U+202E]``."""
    return _BIDI.sub(lambda found: f"[U+{ord(found.group()):04X}]", text)


def neutral_submission(submission: Submission) -> Submission:
    """A copy of ``submission`` whose text (title, authors, abstract, decision note) is ``neutral``."""
    return submission.model_copy(
        update={
            "title": neutral(submission.title),
            "abstract": neutral(submission.abstract),
            "decision_note": neutral(submission.decision_note),
            "authors": [
                author.model_copy(
                    update={"name": neutral(author.name), "affiliation": neutral(author.affiliation)}
                )
                for author in submission.authors
            ],
        }
    )
