"""The portal's domain events, one blinker signal each.

A feature sends a signal from the operation where the event happens, inside that operation's
transaction; other features listen through receivers connected in ``create_app``
(:func:`portal.connect_signals`), never at import time. A receiver runs at once, in the sender's
transaction (it flushes, it does not commit) and may refuse the event by raising: the exception
reaches the sender's caller. ``grep -rn <signal name> portal`` shows every effect of an event.

This module is core: it imports no feature.
"""

from blinker import Namespace

_signals = Namespace()

assessment_submitted = _signals.signal(
    "assessment-submitted",
    doc="""An assessment was scored and submitted (it never changes again).

    Sender: the :class:`~portal.assess.models.Assessment`, flushed, status SUBMITTED.
    Keyword arguments: ``user`` (who submitted it), ``result`` (the scoring result).
    Sent by: ``assess.operations.submit_assessment``.
    """,
)

seat_taken = _signals.signal(
    "seat-taken",
    doc="""An enrolment took a seat in its cohort (enrolled, or moved up from the waitlist).

    Sender: the :class:`~portal.training.models.Enrolment`, now ENROLLED; its cohort is locked.
    Keyword arguments: ``user`` (who acted; None for the system, e.g. an expiry freeing a seat).
    Sent by: ``training.operations`` (taking a seat, filling from the waitlist).
    """,
)

enrolment_cancelled = _signals.signal(
    "enrolment-cancelled",
    doc="""An enrolment (or a waitlist place) is about to be cancelled.

    Sent with the cohort locked, before the state changes: a receiver that raises refuses the
    cancellation (billing refuses to cancel a card-paid seat for someone who may not refund it).
    Sender: the :class:`~portal.training.models.Enrolment`, still ENROLLED or WAITLISTED.
    Keyword arguments: ``user`` (who cancels; None for the system).
    Sent by: ``training.operations.cancel``.
    """,
)

cohort_opened = _signals.signal(
    "cohort-opened",
    doc="""A new cohort (a run of a course) was created, with its sessions.

    Sender: the :class:`~portal.training.models.Cohort`, flushed.
    Sent by: ``training.operations.create_cohort``.
    """,
)

evidence_reviewed = _signals.signal(
    "evidence-reviewed",
    doc="""A trainer or staff member verified or rejected a piece of listing evidence.

    Sender: the :class:`~portal.onboarding.models.Evidence`, flushed, VERIFIED or REJECTED.
    Keyword arguments: ``by`` (the reviewer), ``verified`` (bool).
    Sent by: ``onboarding.operations.review_evidence``.
    """,
)

business_moved = _signals.signal(
    "business-moved",
    doc="""A business moved to another province; its own rows already carry the new place.

    Sender: the :class:`~portal.businesses.models.Business`, locked and flushed, with its new
    ``province_code`` and ``commune_code``.
    Keyword arguments: ``old_province_code``, ``at`` (the stored instant of the move).
    A receiver returns how many of its rows it carried to the new province (None if it carries
    none); the sender reports the sum.
    Sent by: ``businesses.operations.move_business``.
    """,
)
