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

account_created = _signals.signal(
    "account-created",
    doc="""An account was created (registration, a claim, an administrator, the command line).

    Sender: the :class:`~portal.auth.models.User`, flushed.
    Keyword arguments: ``consented`` (bool: the person agreed to the privacy notice in force as
    the account was made; registration and claims ask), ``locale`` (the account's language, or
    None).
    Sent by: ``auth.operations.create_user``.
    """,
)

assessment_submitted = _signals.signal(
    "assessment-submitted",
    doc="""An assessment was scored and submitted (it never changes again).

    Sender: the :class:`~portal.assess.models.Assessment`, flushed, status SUBMITTED.
    Keyword arguments: ``user`` (who submitted it), ``result`` (the scoring result).
    Sent by: ``assess.operations.submit_assessment``.
    """,
)

recommendations_asked = _signals.signal(
    "recommendations-asked",
    doc="""What should a business do next, after this assessment? Asked by its results page.

    Receivers change nothing: each returns a mapping of what it recommends, by the name the
    results page shows it under: ``recommendations`` (courses with an open class, nearest
    first) and ``path_recommendations`` (ways to sell online).
    Sender: the submitted :class:`~portal.assess.models.Assessment` (its ``business`` and
    ``answers`` are read).
    Keyword arguments: ``dimension_scores`` (dimension id -> score), ``lang``.
    Sent by: ``assess.queries.recommendations_for`` (``assess.views.show``).
    """,
)

seat_requested = _signals.signal(
    "seat-requested",
    doc="""An owner asks for a seat in a class: enrolling, or accepting an assigned course.

    Sent before anything is locked or changed; a receiver that raises refuses the seat (billing
    refuses a seat that needs a card payment while card payments are off) and a receiver may
    free seats first (billing releases the class's holds whose time to pay ran out).
    Sender: the :class:`~portal.training.models.Cohort`.
    Keyword arguments: ``business`` (the business the seat is for).
    Sent by: ``training.operations.request_seat`` (the enrol and accept views).
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

seat_holds_asked = _signals.signal(
    "seat-holds-asked",
    doc="""Until when is each of these seats held for its fee? Asked by the pages that list them.

    Receivers change nothing: each returns a mapping of enrolment id to
    :class:`~portal.training.queries.SeatHold` for the enrolments it knows a hold of (billing:
    the open payment's end, and whether a card payment is being confirmed).
    Sender: the list of :class:`~portal.training.models.Enrolment` rows, each ENROLLED in a
    course with a fee.
    Sent by: ``training.queries.seat_holds`` (the owner's training page and a course's page).
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

business_moving = _signals.signal(
    "business-moving",
    doc="""A business may move to another province: what would a move carry, what stops it?

    Sent when the move page shows what a move would carry, and by the move itself (the business
    locked, before any row changes) to refuse it while a class holds the business. Receivers
    change nothing: each returns a mapping of kind to how many of the business's rows it holds:
    what moves (``assessments``, ``enrolments``, ``certificates``, ``listing_paths``,
    ``evidence``), what stays (``receipts``) and what stops the move (``open_enrolments``);
    reports adds ``digital`` (1 if the business is digital now).
    Sender: the :class:`~portal.businesses.models.Business`.
    Sent by: ``businesses.queries.moving_counts`` (the move page's ``history_of``, and
    ``businesses.operations.move_business``, which refuses while ``open_enrolments``).
    """,
)

business_moved = _signals.signal(
    "business-moved",
    doc="""A business moved to another province; the business row already carries the new place.

    Each feature carries its own rows of the business to the new province (one UPDATE per
    table, ``businesses.operations.move_rows``), in the move's transaction.
    Sender: the :class:`~portal.businesses.models.Business`, locked and flushed, with its new
    ``province_code`` and ``commune_code``.
    Keyword arguments: ``old_province_code``, ``at`` (the stored instant of the move).
    A receiver returns how many of its rows it carried, as a mapping of kind to count (the kinds
    of :data:`business_moving`, e.g. ``{"assessments": 2}``; reports: ``digital_status``), or
    None; the sender reports the sums.
    Sent by: ``businesses.operations.move_business``.
    """,
)
