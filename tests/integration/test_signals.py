"""Every domain event reaches the receivers create_app connects (README, "Architecture")."""

from portal import signals
from portal.assess import operations as assess
from portal.billing import operations as billing
from portal.billing import queries as billing_queries
from portal.onboarding import operations as onboarding
from portal.paysign import operations as paysign
from portal.privacy import operations as privacy
from portal.reports import operations as reports
from portal.training import alerts, recommendations
from portal.training import operations as training

EXPECTED = {
    signals.account_created: {privacy.record_consent_given_with},
    signals.assessment_submitted: set(),
    signals.recommendations_asked: {recommendations.recommend_after},
    signals.seat_requested: {billing.on_seat_requested},
    signals.seat_taken: {billing.open_payment},
    signals.seat_holds_asked: {billing_queries.seat_holds_of},
    signals.enrolment_cancelled: {billing.on_cancel},
    signals.cohort_opened: {alerts.note_class_opened},
    signals.evidence_reviewed: set(),
    signals.business_moving: {
        assess.count_moving_rows,
        onboarding.count_moving_rows,
        training.count_moving_rows,
        billing.count_moving_rows,
        reports._count_moving_rows,
    },
    signals.business_moved: {
        alerts._forget_moved_business,
        reports._carry_moved_business,
        assess.carry_moved_rows,
        onboarding.carry_moved_rows,
        training.carry_moved_rows,
        paysign.carry_moved_rows,
    },
}


def test_create_app_connects_each_feature_to_its_events(app):
    for signal, expected in EXPECTED.items():
        found = set(signal.receivers_for(None))
        assert found == expected, signal.name


def test_every_signal_of_the_module_is_listed():
    declared = {value for value in vars(signals).values() if hasattr(value, "receivers_for")}
    assert declared == set(EXPECTED)
