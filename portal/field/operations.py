"""Writes of the field teams: helpers' accounts and communes, and the records they send.

``receive`` stores a batch of household records from the field app. Each record and each
answer carries the id the phone gave it; a record is inserted with ``INSERT … ON CONFLICT DO
NOTHING`` on its id (SQLite and PostgreSQL alike), so a batch sent twice, cut in the middle and
sent again, or sent from two tabs at once stores each record exactly once: the second insert of
a record waits for the first transaction and then inserts nothing.
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from assessments import AnswerError, Questionnaire, score
from assessments.scoring import Result
from portal import clock, geo
from portal.assess.models import Assessment, AssessmentScore, AssessmentStatus
from portal.assess.operations import refresh_latest
from portal.assess.questionnaires import registry
from portal.auth.models import Role, User
from portal.businesses.models import Business, BusinessKind, BusinessSize, Sector
from portal.businesses.operations import create_unclaimed_owner
from portal.claims.models import ClaimCode
from portal.claims.operations import is_placeholder, issue_code
from portal.extensions import Model, db
from portal.failures import Code, OperationError
from portal.field.labels import FieldRefusal
from portal.field.models import DISMISSED, MERGED, FieldAnswer, FieldHousehold, HelperCommune
from portal.forms import normalize_phone
from portal.locking import lock, locked
from portal.privacy import notices
from portal.privacy.models import PrivacyConsent

log = logging.getLogger(__name__)

#: Records per request: the app sends larger queues in several requests (each one committed).
MAX_BATCH = 50
KINDS = (BusinessKind.HOUSEHOLD.value, BusinessKind.HOUSEHOLD_BUSINESS.value)
#: Claim codes: no 0/O, 1/I/L to misread on a slip.
CLAIM_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CLAIM_LENGTH = 10
_PHONE = re.compile(r"0[0-9]{9}")


class FieldError(OperationError):
    """A record the server refuses; ``code`` is one of labels.FieldRefusal."""

    codes = FieldRefusal


@dataclass
class Outcome:
    """What became of one record of a batch."""

    client_id: str
    status: str  # "stored", "duplicate" or "refused"
    reason: Code | None = None
    params: dict[str, Any] = field(default_factory=dict)
    household: FieldHousehold | None = None
    result: Result | None = None


# ---------------------------------------------------------------------------------- team


def create_helper(
    *,
    name: str,
    email: str | None,
    phone: str | None,
    password: str,
    province_code: int,
    created_by: User,
) -> User:
    """Create a helper's account (e-mail or phone to sign in with) in ``province_code``."""
    from portal.auth.operations import create_user

    user = create_user(
        name=name, password=password, role=Role.HELPER, email=email, phone=phone,
        created_by=created_by,
    )  # fmt: skip
    user.province_code = province_code
    db.session.flush()
    log.info("field helper %s created by %s", user.id, created_by.id)
    return user


def set_communes(helper: User, commune_codes: Iterable[int], by: User) -> None:
    """Attach the helper to exactly these communes of their province."""
    wanted = {
        int(c) for c in commune_codes if geo.is_commune_in_province(int(c), helper.province_code)
    }
    current = {
        row.commune_code: row
        for row in db.session.scalars(
            sa.select(HelperCommune).where(HelperCommune.helper_id == helper.id)
        )
    }
    for code, row in current.items():
        if code not in wanted:
            db.session.delete(row)
    for code in sorted(wanted - set(current)):
        db.session.add(
            HelperCommune(
                helper_id=helper.id,
                province_code=helper.province_code,
                commune_code=code,
                created_by_id=by.id,
            )
        )
    db.session.flush()


# ------------------------------------------------------------------------------ records


def _uuid(raw: object) -> str:
    if not isinstance(raw, str):
        raise FieldError("bad_id")
    try:
        value = uuid.UUID(raw)
    except ValueError:
        raise FieldError("bad_id") from None
    if str(value) != raw.lower():
        raise FieldError("bad_id")
    return str(value)


def _instant(raw: object, now: datetime) -> datetime:
    """Read an ISO 8601 instant from the phone as naive UTC (never later than now)."""
    if not isinstance(raw, str):
        raise FieldError("bad_record", field="time")
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise FieldError("bad_record", field="time") from None
    if moment.tzinfo is None:
        raise FieldError("bad_record", field="time")
    moment = clock.to_utc(moment)
    # A phone's clock is often wrong: a time ahead of the portal's is taken as the receipt time
    # (refusing it would lose the household).
    return min(moment, now)


@dataclass
class _Record:
    client_id: str
    name: str
    phone: str | None
    commune_code: int
    kind: str
    sector: str
    consent_version: int
    consented_at: datetime
    assessed_at: datetime
    questionnaire: Questionnaire
    answers: dict[str, Any]  # normalized, by question id
    answer_ids: dict[str, str]  # question id -> client id
    raw_values: dict[str, Any]
    client_scores: dict[str, Any]
    claim_code: str
    locale: str


def _validate(raw: object, communes: set[int], now: datetime) -> _Record:
    if not isinstance(raw, Mapping):
        raise FieldError("bad_record", field="record")
    client_id = _uuid(raw.get("id"))
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 200:
        raise FieldError("bad_record", field="name")
    phone_raw = raw.get("phone")
    if phone_raw not in (None, "") and not isinstance(phone_raw, str):
        raise FieldError("bad_record", field="phone")
    phone = normalize_phone(phone_raw or None)
    if phone is not None and not _PHONE.fullmatch(phone):
        raise FieldError("bad_record", field="phone")
    commune = raw.get("commune")
    if isinstance(commune, bool) or not isinstance(commune, int) or commune not in communes:
        raise FieldError("not_your_commune")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise FieldError("bad_record", field="kind")
    sector = raw.get("sector") or Sector.OTHER.value
    if sector not in {s.value for s in Sector}:
        raise FieldError("bad_record", field="sector")
    consent = raw.get("consent")
    if not isinstance(consent, Mapping):
        raise FieldError("no_consent")
    version = consent.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or not notices.get_notice(version):
        raise FieldError("no_consent")
    consented_at = _instant(consent.get("at"), now)
    ref = raw.get("questionnaire")
    if not isinstance(ref, Mapping):
        raise FieldError("bad_record", field="questionnaire")
    try:
        asked = ref.get("version")
        if isinstance(asked, bool) or not isinstance(asked, int):
            raise KeyError(asked)
        questionnaire = registry().get(str(ref.get("id")), asked)
    except KeyError:
        raise FieldError(
            "unknown_questionnaire", questionnaire=ref.get("id"), version=ref.get("version")
        ) from None
    if questionnaire.audience != "household":
        raise FieldError(
            "unknown_questionnaire", questionnaire=ref.get("id"), version=ref.get("version")
        )
    answers, answer_ids, raw_values = _answers(raw.get("answers"), questionnaire)
    missing = questionnaire.missing(answers)
    if missing:
        raise FieldError("missing_answers", question=missing[0].id)
    claim = raw.get("claim_code") or _claim_code()
    if not isinstance(claim, str) or len(claim) != CLAIM_LENGTH or set(claim) - set(CLAIM_ALPHABET):
        raise FieldError("bad_record", field="claim_code")
    scores = raw.get("scores")
    return _Record(
        client_id=client_id,
        name=name.strip(),
        phone=phone,
        commune_code=commune,
        kind=kind,
        sector=sector,
        consent_version=version,
        consented_at=consented_at,
        assessed_at=_instant(raw.get("assessed_at"), now),
        questionnaire=questionnaire,
        answers=answers,
        answer_ids=answer_ids,
        raw_values=raw_values,
        client_scores=dict(scores) if isinstance(scores, Mapping) else {},
        claim_code=claim,
        locale="en" if raw.get("lang") == "en" else "vi",
    )


def _answers(
    raw: object, questionnaire: Questionnaire
) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    if not isinstance(raw, list):
        raise FieldError("bad_record", field="answers")
    answers: dict[str, Any] = {}
    ids: dict[str, str] = {}
    values: dict[str, Any] = {}
    seen: set[str] = set()
    for item in raw:
        if not isinstance(item, Mapping):
            raise FieldError("bad_record", field="answers")
        answer_id = _uuid(item.get("id"))
        question_id = item.get("question")
        if answer_id in seen or not isinstance(question_id, str) or question_id in ids:
            raise FieldError("bad_id")
        seen.add(answer_id)
        try:
            question = questionnaire.question(question_id)
        except KeyError:
            raise FieldError("bad_answer", question=question_id) from None
        value = item.get("value")
        ids[question_id] = answer_id
        values[question_id] = value
        if value is None or value == "" or value == []:
            continue
        try:
            answers[question_id] = question.normalize(value)
        except AnswerError:
            raise FieldError("bad_answer", question=question_id) from None
    return answers, ids, values


def _claim_code() -> str:
    return "".join(secrets.choice(CLAIM_ALPHABET) for _ in range(CLAIM_LENGTH))


def helper_communes(helper: User) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(HelperCommune.commune_code).where(HelperCommune.helper_id == helper.id)
        )
    )


def _insert_ignoring_duplicates(model: Any, values: dict[str, Any], key: str) -> int | None:
    """Insert a row unless one with the same ``key`` exists; return its new id or None."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(model).values(**values).on_conflict_do_nothing(index_elements=[key])
        .returning(model.id)
    )  # fmt: skip
    return db.session.execute(statement).scalar_one_or_none()


def _differs(client: Mapping[str, Any], result: Result) -> bool:
    overall, level = client.get("overall"), client.get("level")
    if overall is None or level is None:
        return True
    try:
        dims = {str(k): float(v) for k, v in dict(client.get("dimensions") or {}).items()}
        return (
            dims != result.dimensions
            or float(overall) != result.overall
            or int(level) != result.level
        )
    except (TypeError, ValueError):
        return True


def _match(record: _Record, province_code: int) -> int | None:
    """A business of the same commune whose owner or field record has the same phone."""
    if record.phone is None:
        return None
    owned = db.session.scalar(
        sa.select(Business.id)
        .join(User, Business.owner_id == User.id)
        .where(
            Business.province_code == province_code,
            Business.commune_code == record.commune_code,
            User.phone == record.phone,
        )
        .order_by(Business.id)
        .limit(1)
    )
    if owned is not None:
        return owned
    return db.session.scalar(
        sa.select(FieldHousehold.business_id)
        .where(
            FieldHousehold.commune_code == record.commune_code,
            FieldHousehold.phone == record.phone,
            FieldHousehold.client_id != record.client_id,
            FieldHousehold.business_id.is_not(None),
        )
        .order_by(FieldHousehold.id)
        .limit(1)
    )


def _store(record: _Record, helper: User, now: datetime) -> Outcome:
    province = helper.province_code
    assert province is not None
    match = _match(record, province)
    result = score(record.questionnaire, record.answers)
    household_id = _insert_ignoring_duplicates(
        FieldHousehold,
        {
            "client_id": record.client_id,
            "province_code": province,
            "commune_code": record.commune_code,
            "helper_id": helper.id,
            "name": record.name,
            "phone": record.phone,
            "consent_version": record.consent_version,
            "consented_at": record.consented_at,
            "assessed_at": record.assessed_at,
            "received_at": now,
            "questionnaire_id": record.questionnaire.id,
            "questionnaire_version": record.questionnaire.version,
            "client_scores": record.client_scores,
            "score_mismatch": _differs(record.client_scores, result),
            "match_business_id": match,
            "claim_code": record.claim_code,
        },
        "client_id",
    )
    if household_id is None:
        return _duplicate(record.client_id, helper)
    household = db.session.get(FieldHousehold, household_id)
    assert household is not None
    # The household's own (unclaimed) account: no e-mail, phone or usable password until the
    # household claims it with the slip's code; it carries the household's consent.
    owner = create_unclaimed_owner(
        record.name,
        record.locale,
        helper.id,
        privacy_version=record.consent_version,
        privacy_consented_at=record.consented_at,
    )
    db.session.add(
        PrivacyConsent(
            user_id=owner.id,
            notice_version=record.consent_version,
            consented_at=record.consented_at,
            locale=record.locale,
        )
    )
    business = Business(
        owner=owner,
        name=record.name,
        kind=BusinessKind(record.kind),
        sector=Sector(record.sector),
        size=BusinessSize.FAMILY,
        province_code=province,
        commune_code=record.commune_code,
        created_at=record.assessed_at,
    )
    db.session.add(business)
    db.session.flush()
    shown = {q.id for q in record.questionnaire.visible_questions(record.answers)}
    assessment = Assessment(
        business_id=business.id,
        province_code=province,
        questionnaire_id=record.questionnaire.id,
        questionnaire_version=record.questionnaire.version,
        status=AssessmentStatus.SUBMITTED,
        answers={k: v for k, v in record.answers.items() if k in shown},
        current_step=len(record.questionnaire.dimensions) + 1,
        started_by_id=helper.id,
        assisted_by_id=helper.id,
        created_at=record.assessed_at,
        updated_at=now,
        submitted_at=record.assessed_at,
        overall_score=result.overall,
        level=result.level,
        scores=[
            AssessmentScore(
                dimension=dimension,
                score=value,
                province_code=province,
                submitted_at=record.assessed_at,
            )
            for dimension, value in result.dimensions.items()
        ],
    )
    db.session.add(assessment)
    db.session.flush()
    household.business_id = business.id
    household.assessment_id = assessment.id
    # The slip's code, made on the phone, is the business's claim code (one claim flow).
    issue_code(business, code=record.claim_code, check_phone=record.phone)
    for question_id, answer_id in record.answer_ids.items():
        _insert_ignoring_duplicates(
            FieldAnswer,
            {
                "client_id": answer_id,
                "household_id": household.id,
                "question_id": question_id,
                "value": record.raw_values[question_id],
            },
            "client_id",
        )
    db.session.flush()
    log.info(
        "field household %s stored by helper %s (business %s, level %s%s)",
        household.id,
        helper.id,
        business.id,
        result.level,
        ", scores differ from the phone's" if household.score_mismatch else "",
    )
    return Outcome(record.client_id, "stored", household=household, result=result)


def _duplicate(client_id: str, helper: User) -> Outcome:
    household = db.session.scalar(
        sa.select(FieldHousehold).where(FieldHousehold.client_id == client_id)
    )
    if household is None or household.helper_id != helper.id:
        # Another helper's record id: refuse rather than reveal or touch it.
        return Outcome(client_id, "refused", FieldRefusal.BAD_ID)
    return Outcome(client_id, "duplicate", household=household)


def _answer_ids_taken(record: _Record) -> bool:
    """Tell whether an answer id of the record already belongs to another record's answer."""
    ids = list(record.answer_ids.values())
    if not ids:
        return False
    owners = db.session.scalars(
        sa.select(FieldHousehold.client_id)
        .join(FieldAnswer, FieldAnswer.household_id == FieldHousehold.id)
        .where(FieldAnswer.client_id.in_(ids))
    )
    return any(owner != record.client_id for owner in owners)


def receive(helper: User, records: object) -> list[Outcome]:
    """Store a batch of records from ``helper``'s phone; one outcome per record, in order."""
    if not isinstance(records, list) or len(records) > MAX_BATCH:
        raise FieldError("bad_batch", limit=MAX_BATCH)
    now = clock.utcnow()
    communes = helper_communes(helper)
    outcomes: dict[int, Outcome] = {}
    valid: list[tuple[int, _Record]] = []
    seen: set[str] = set()
    for index, raw in enumerate(records):
        try:
            record = _validate(raw, communes, now)
            if record.client_id in seen:
                raise FieldError("bad_id")
            seen.add(record.client_id)
            if _answer_ids_taken(record):
                raise FieldError("bad_id")
            valid.append((index, record))
        except FieldError as error:
            client_id = raw.get("id") if isinstance(raw, Mapping) else None
            outcomes[index] = Outcome(
                str(client_id) if client_id else "", "refused", error.code, error.params
            )
    # One order for every request: two uploads of overlapping batches lock rows alike.
    for index, record in sorted(valid, key=lambda item: item[1].client_id):
        outcomes[index] = _store(record, helper, now)
    return [outcomes[index] for index in range(len(records))]


# ------------------------------------------------------------------------ proposed matches

#: Tables whose rows about the placeholder business a merge carries over or clears itself;
#: a row of any other table that names the placeholder business refuses the merge.
_MERGE_HANDLED = {
    "assessments",
    "claim_codes",
    "digital_status",
    "field_households",
    "latest_assessments",
}


def _model_of_table(name: str) -> Any:
    for mapper in Model.registry.mappers:
        if isinstance(mapper.local_table, sa.Table) and mapper.local_table.name == name:
            return mapper.class_
    raise LookupError(name)


@dataclass(frozen=True)
class Merged:
    """What a merge carried onto the business already in the portal."""

    business_id: int
    assessments: int
    claim_code_moved: bool


def _open_proposal(household_id: int) -> FieldHousehold:
    """Lock the field record and return it if its proposed match is still open.

    The lock makes two staff members deciding at the same moment take turns: the second one
    reads what the first one committed and is told it is already decided.
    """
    household = lock(FieldHousehold, household_id)
    if household is None or household.match_business_id is None:
        raise FieldError("decided")
    if household.match_decision is not None or household.business_id is None:
        raise FieldError("decided")
    return household


def _decide(household: FieldHousehold, decision: str, by: User) -> None:
    household.match_decision = decision
    household.match_decided_at = clock.utcnow()
    household.match_decided_by_id = by.id


def _rows_naming(business_id: int) -> dict[str, int]:
    """Rows of tables other than the handled ones that name this business (table -> count)."""
    found: dict[str, int] = {}
    for table in Model.metadata.sorted_tables:
        if table.name in _MERGE_HANDLED:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name != "businesses":
                continue
            count = db.session.scalar(
                sa.select(sa.func.count()).select_from(table).where(fk.parent == business_id)
            )
            if count:
                found[table.name] = found.get(table.name, 0) + int(count)
    return found


def merge_match(household_id: int, by: User) -> Merged:
    """Merge a field record into the household already in the portal it was proposed as.

    The placeholder business the sync made for the record gives the existing business its
    assessments (with their scores and answers) and, when the existing business has none, its
    claim code; the field record (its answers as sent, consent version and time) now belongs
    to the existing business; other field records proposed as the placeholder point to the
    existing business too. The placeholder business and its digital-status rows are deleted
    (reports count the household once) and its unclaimed account is deactivated (it keeps its
    consent history). The existing business and its owner's account are not changed.
    """
    household = _open_proposal(household_id)
    placeholder_id, target_id = household.business_id, household.match_business_id
    assert placeholder_id is not None and target_id is not None
    # Claim codes before businesses: the order a claim takes its locks in.
    pair = (placeholder_id, target_id)
    codes = {
        row.business_id: row
        for row in db.session.scalars(
            locked(sa.select(ClaimCode).where(ClaimCode.business_id.in_(pair)))
        )
    }
    businesses = {
        b.id: b
        for b in db.session.scalars(
            locked(sa.select(Business).where(Business.id.in_(pair)).order_by(Business.id))
        )
    }
    placeholder, target = businesses.get(placeholder_id), businesses.get(target_id)
    if placeholder is None or target is None:
        raise FieldError("decided")
    if target.province_code != household.province_code:
        raise FieldError("moved")
    if not is_placeholder(placeholder.owner):
        raise FieldError("claimed")
    if _rows_naming(placeholder_id):
        raise FieldError("has_history")
    # Through the ORM, so that the commit hooks that keep summaries of assessments see it.
    assessments = db.session.scalars(
        sa.select(Assessment).where(Assessment.business_id == placeholder_id)
    ).all()
    for assessment in assessments:
        assessment.business_id = target_id
    db.session.flush()
    # The latest result of both businesses now, before the placeholder goes.
    refresh_latest([placeholder_id, target_id])
    code = codes.get(placeholder_id)
    code_moved = code is not None and target_id not in codes
    if code is not None:
        if code_moved:
            code.business_id = target_id
            code.province_code = target.province_code
        else:
            db.session.delete(code)
    db.session.execute(
        sa.update(FieldHousehold)
        .where(FieldHousehold.match_business_id == placeholder_id)
        .values(match_business_id=target_id)
        .execution_options(synchronize_session=False)
    )
    # The placeholder's digital-status history (the reports' model, found by its table: the
    # reports import this feature): the business holding the assessments is judged instead.
    status = _model_of_table("digital_status")
    for row in db.session.scalars(sa.select(status).where(status.business_id == placeholder_id)):
        db.session.delete(row)
    household.business_id = None
    household.match_business_id = target_id
    _decide(household, MERGED, by)
    db.session.flush()
    owner = placeholder.owner
    db.session.delete(placeholder)
    db.session.flush()
    others = db.session.scalar(
        sa.select(sa.func.count()).select_from(Business).where(Business.owner_id == owner.id)
    )
    if not others:
        owner.active = False
        owner.end_all_sessions()
    db.session.flush()
    db.session.expire_all()
    log.info(
        "field household %s merged into business %s by %s (%s assessments%s)",
        household_id,
        target_id,
        by.id,
        len(assessments),
        ", claim code moved" if code_moved else "",
    )
    return Merged(target_id, len(assessments), code_moved)


def dismiss_match(household_id: int, by: User) -> None:
    """Close a proposed match as two different households: both stay as they are."""
    household = _open_proposal(household_id)
    _decide(household, DISMISSED, by)
    db.session.flush()
    log.info("field household %s: match dismissed by %s", household_id, by.id)
