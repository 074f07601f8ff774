"""Realistic synthetic data at scale, for benchmarks and query-count tests.

Owners and businesses across communes and sectors, and for a realistic share of them: submitted
assessments scored by the real questionnaires, courses and classes per province with enrolments,
attendance, the enrolment event log and certificates, listing paths with verified evidence, and
the digital-business status history those facts imply.

Rows are written in batches of businesses with bulk Core inserts (COPY on PostgreSQL), with
explicit ids so that child rows need no round trip: 100,000 businesses with their history take
one to two minutes on SQLite or PostgreSQL. The same seed on the same database, at the same
``now``, gives the same data.
"""

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, cast

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from assessments import Questionnaire, score
from assessments.digital_status import Definition, Facts, is_digital
from assessments.listing_paths import ListingPath, load_catalog
from assessments.model import Question
from assessments.question_types import Number
from portal import clock, geo
from portal.assess.models import Assessment, AssessmentScore, AssessmentStatus
from portal.assess.operations import rebuild_summaries
from portal.assess.questionnaires import choose
from portal.auth.models import Role, User
from portal.businesses.models import Business, BusinessKind, BusinessSize, Sector
from portal.clock import utcnow
from portal.extensions import db
from portal.onboarding.models import (
    Evidence,
    EvidenceKind,
    EvidenceStatus,
    OnboardingPath,
    StepProgress,
)
from portal.reports import aggregates
from portal.reports.models import DigitalStatus, ProvinceTarget
from portal.reports.operations import definitions
from portal.reports.targets import TargetMetric
from portal.training.models import (
    Attendance,
    Audience,
    Certificate,
    Cohort,
    Course,
    CourseFormat,
    Enrolment,
    EnrolmentEvent,
    EnrolmentState,
    EventState,
    TrainingSession,
)
from portal.training.operations import CODE_ALPHABET, CODE_LENGTH
from portal.training.rules import CompletionRule

#: Households dominate in the provinces; enterprises are a minority.
KIND_WEIGHTS = {
    BusinessKind.HOUSEHOLD: 45,
    BusinessKind.HOUSEHOLD_BUSINESS: 35,
    BusinessKind.ENTERPRISE: 15,
    BusinessKind.COOPERATIVE: 5,
}
#: Beta-distribution parameters of each kind's starting digital maturity (0..1).
MATURITY = {
    BusinessKind.HOUSEHOLD: (1.6, 3.2),
    BusinessKind.HOUSEHOLD_BUSINESS: (2.0, 2.6),
    BusinessKind.ENTERPRISE: (2.8, 2.0),
    BusinessKind.COOPERATIVE: (2.2, 2.4),
}
#: Share of businesses that submitted at least one assessment; how many they submitted.
ASSESSED_SHARE = 0.6
ASSESSMENT_COUNTS = ((1, 55), (2, 30), (3, 15))
#: Share of assessed (and of never assessed) businesses that enrolled in a class.
ENROLLED_SHARE, ENROLLED_SHARE_UNASSESSED = 0.5, 0.08
#: Activity spreads over the past two years.
HISTORY = timedelta(days=730)
ANSWER_POOL = 200
BATCH = 5_000


@dataclass(frozen=True)
class CourseSpec:
    topic: str
    title_vi: str
    title_en: str
    dimensions: tuple[str, ...]
    audience: Audience
    format: CourseFormat
    sessions: int
    min_attendance_pct: int


#: The synthetic catalog each province gets once.
COURSES = (
    CourseSpec(
        "social_selling",
        "Bán hàng qua Zalo, Facebook và TikTok",
        "Selling through Zalo, Facebook and TikTok",
        ("online_sales",),
        Audience.BOTH,
        CourseFormat.IN_PERSON,
        3,
        80,
    ),
    CourseSpec(
        "digital_payments",
        "Thanh toán số: VietQR và ví điện tử",
        "Digital payments: VietQR and e-wallets",
        ("payments",),
        Audience.HOUSEHOLD,
        CourseFormat.IN_PERSON,
        2,
        100,
    ),
    CourseSpec(
        "ecommerce",
        "Bán hàng trên sàn thương mại điện tử",
        "Selling on e-commerce marketplaces",
        ("online_sales",),
        Audience.BOTH,
        CourseFormat.BLENDED,
        4,
        75,
    ),
    CourseSpec(
        "e_invoices_accounting",
        "Hóa đơn điện tử và kế toán số",
        "E-invoices and digital accounting",
        ("operations",),
        Audience.ENTERPRISE,
        CourseFormat.ONLINE,
        4,
        75,
    ),
    CourseSpec(
        "online_safety",
        "An toàn trên mạng, phòng tránh lừa đảo",
        "Staying safe online and avoiding scams",
        ("skills_safety", "security"),
        Audience.BOTH,
        CourseFormat.ONLINE,
        2,
        50,
    ),
    CourseSpec(
        "product_content",
        "Chụp ảnh, mô tả sản phẩm, truy xuất nguồn gốc",
        "Product photos, descriptions and traceability",
        ("product_info",),
        Audience.HOUSEHOLD,
        CourseFormat.IN_PERSON,
        3,
        60,
    ),
)

#: Tables whose ids are set here (PostgreSQL sequences are moved past them at the end).
EXPLICIT_IDS = (
    User,
    Business,
    Course,
    Cohort,
    TrainingSession,
    Assessment,
    Enrolment,
    OnboardingPath,
)
#: Insert order within a batch (foreign keys are enforced on both databases).
INSERT_ORDER = (
    User,
    Business,
    Cohort,
    TrainingSession,
    Assessment,
    AssessmentScore,
    Enrolment,
    Attendance,
    EnrolmentEvent,
    Certificate,
    OnboardingPath,
    StepProgress,
    Evidence,
    DigitalStatus,
)


# ----------------------------------------------------------------------- answers and scores


@dataclass(frozen=True)
class Scored:
    """One complete set of answers with the scores the real scorer gave it."""

    answers: dict[str, Any]
    dimensions: dict[str, float]
    overall: float
    level: int


def _answer(question: Question, maturity: float, rng: random.Random) -> Any:
    """Answer like a business of this maturity (0..1) would, with some noise."""
    kind = question.kind
    if question.type == "multi":
        plain = [o for o in question.options if not o.exclusive]
        chosen = [o.id for o in plain if rng.random() < maturity]
        if not chosen:
            exclusive = [o.id for o in question.options if o.exclusive]
            chosen = exclusive[:1] or [rng.choice(plain).id]
        return chosen
    if isinstance(kind, Number):
        values = [kind.min] + [
            s.at_least for s in kind.scoring if kind.min < s.at_least <= kind.max
        ]
        value = values[_noisy_index(len(values), maturity, rng)]
        return int(value) if kind.integer or float(value).is_integer() else value
    options = sorted(question.options, key=lambda o: o.points)
    option = options[_noisy_index(len(options), maturity, rng)].id
    return int(option) if question.type == "scale" else option


def _noisy_index(length: int, maturity: float, rng: random.Random) -> int:
    return min(length - 1, max(0, round(maturity * (length - 1) + rng.gauss(0, 0.8))))


class AnswerPool:
    """Answer sets scored once by the real scorer, ordered by overall score.

    Scoring each synthetic assessment with exact fractions would dominate the run; picking from
    a pool keeps answers, dimension scores and level consistent, as a real submission stores them.
    """

    def __init__(self, questionnaire: Questionnaire, rng: random.Random) -> None:
        self.questionnaire = questionnaire
        entries = []
        for i in range(ANSWER_POOL):
            maturity = i / (ANSWER_POOL - 1)
            answers = {q.id: _answer(q, maturity, rng) for q in questionnaire.questions}
            shown = {q.id for q in questionnaire.visible_questions(answers)}
            answers = {k: v for k, v in answers.items() if k in shown}
            assert not questionnaire.missing(answers), questionnaire.id
            result = score(questionnaire, answers)
            entries.append(Scored(answers, result.dimensions, result.overall, result.level))
        self.entries = sorted(entries, key=lambda e: e.overall)

    def pick(self, maturity: float, rng: random.Random) -> Scored:
        index = round(maturity * (ANSWER_POOL - 1) + rng.gauss(0, ANSWER_POOL * 0.04))
        return self.entries[min(ANSWER_POOL - 1, max(0, index))]


# ---------------------------------------------------------------------------- the generator


@dataclass
class _Course:
    id: int
    spec: CourseSpec
    rule: CompletionRule


@dataclass
class _Cohort:
    id: int
    course: _Course
    province_code: int
    trainer_id: int
    starts: list[datetime]
    session_ids: list[int]
    deadline: date
    capacity: int
    seats: int = 0


@dataclass
class _Facts:
    """What the generator made true for one business, and when."""

    assessed_at: datetime | None = None
    level: int | None = None
    completed_at: list[datetime] = field(default_factory=list)
    verified_at: dict[str, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class _Business:
    id: int
    owner_id: int
    province: int
    commune: int
    kind: BusinessKind
    sector: Sector
    size: BusinessSize


class _Ids:
    """The next free id of each table with explicit ids."""

    def __init__(self) -> None:
        self._next = {
            model: (db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1
            for model in EXPLICIT_IDS
        }

    def peek(self, model: type[Any]) -> int:
        return self._next[model]

    def take(self, model: type[Any]) -> int:
        value = self._next[model]
        self._next[model] = value + 1
        return value


class Generator:
    def __init__(
        self, province_codes: tuple[int, ...], seed: int, now: datetime | None = None
    ) -> None:
        self.now = (now or utcnow()).replace(microsecond=0)
        self.ids = _Ids()
        # Seeded by the first id too: a second run on the same database adds different data.
        self.rng = random.Random(f"{seed}-{self.ids.peek(User)}")
        self.pools, self.audiences = _pools(seed)
        self.provinces = province_codes
        self.communes = {code: geo.communes(code) for code in province_codes}
        self.catalog = load_catalog()
        self.rules: dict[int, Definition] = definitions(province_codes)
        self.password_hash = _password_hash()
        self.rows: dict[type, list[dict]] = {model: [] for model in INSERT_ORDER}
        self.counts: dict[str, int] = {}
        self.trainers: dict[int, list[int]] = {}
        self.courses: dict[int, list[_Course]] = {}
        self.cohorts: dict[tuple[int, int, int], list[_Cohort]] = {}
        self.codes: set[str] = set()

    # ------------------------------------------------------------------ province set-up

    def setup_provinces(self) -> None:
        """Give each province trainers and the synthetic course catalog (once)."""
        for code in self.provinces:
            emails = [f"synthetic.trainer{k}.p{code}@example.vn" for k in range(1, 5)]
            found = dict(
                db.session.execute(
                    sa.select(User.email, User.id).where(User.email.in_(emails))
                ).all()
            )
            trainers = []
            for k, email in enumerate(emails, start=1):
                if email not in found:
                    found[email] = self.ids.take(User)
                    self.rows[User].append(
                        self._user(found[email], f"Giảng viên {k} ({code})", email)
                        | {"role": Role.TRAINER, "province_code": code}
                    )
                trainers.append(found[email])
            self.trainers[code] = trainers
        self._insert(User)
        for code in self.provinces:
            existing = db.session.execute(
                sa.select(Course.id, Course.topic).where(
                    Course.province_code == code, Course.created_by_id.in_(self.trainers[code])
                )
            ).all()
            by_topic = {topic: cid for cid, topic in existing}
            rows = []
            for spec in COURSES:
                if spec.topic not in by_topic:
                    by_topic[spec.topic] = self.ids.take(Course)
                    rows.append(self._course_row(by_topic[spec.topic], code, spec))
            if rows:
                # A Core INSERT of the table (a model's __table__ is typed FromClause).
                db.session.execute(sa.insert(cast(sa.Table, Course.__table__)), rows)
                self._count(Course, len(rows))
            self.courses[code] = [
                _Course(by_topic[s.topic], s, CompletionRule(s.min_attendance_pct)) for s in COURSES
            ]

    def _user(self, user_id: int, name: str, email: str) -> dict:
        return {
            "id": user_id,
            "name": name,
            "email": email,
            "password_hash": self.password_hash,
            "role": Role.OWNER,
            "province_code": None,
            "active": True,
            "created_at": self.now - HISTORY - timedelta(days=30),
        }

    def _course_row(self, course_id: int, code: int, spec: CourseSpec) -> dict:
        return {
            "id": course_id,
            "province_code": code,
            "title_vi": spec.title_vi,
            "title_en": spec.title_en,
            "description_vi": f"Khóa học thực hành: {spec.title_vi.lower()}.",
            "description_en": f"A hands-on course: {spec.title_en.lower()}.",
            "topic": spec.topic,
            "dimensions": list(spec.dimensions),
            "audience": spec.audience,
            "sectors": [],
            "format": spec.format,
            "duration_hours": spec.sessions * 3,
            "fee_vnd": 0,
            "prerequisites_vi": "",
            "prerequisites_en": "",
            "min_attendance_pct": spec.min_attendance_pct,
            "requires_check": False,
            "active": True,
            "created_at": self.now - HISTORY - timedelta(days=30),
            "created_by_id": self.trainers[code][0],
        }

    # ---------------------------------------------------------------------- businesses

    def business(self) -> None:
        """Add one owner and business, with whatever it did over the past two years."""
        rng = self.rng
        user_id, business_id = self.ids.take(User), self.ids.take(Business)
        province = rng.choice(self.provinces)
        kind = rng.choices(list(KIND_WEIGHTS), list(KIND_WEIGHTS.values()))[0]
        sector = rng.choice(list(Sector))
        size = _size(kind, rng)
        commune = int(rng.choice(self.communes[province]).code)
        created = self.now - timedelta(days=rng.uniform(60, 1100))
        self.rows[User].append(
            self._user(user_id, f"Chủ cơ sở {user_id}", f"synthetic{user_id}@example.vn")
            | {"created_at": created}
        )
        self.rows[Business].append(
            {
                "id": business_id,
                "owner_id": user_id,
                "name": f"Cơ sở số {business_id}",
                "kind": kind,
                "tax_code": None
                if kind == BusinessKind.HOUSEHOLD
                else f"{5700000000 + business_id:010d}",
                "sector": sector,
                "size": size,
                "province_code": province,
                "commune_code": commune,
                "address": f"Thôn {rng.randint(1, 12)}",
                "created_at": created,
            }
        )
        b = _Business(business_id, user_id, province, commune, kind, sector, size)
        facts = _Facts()
        maturity = rng.betavariate(*MATURITY[kind])
        since = max(created, self.now - HISTORY)
        if rng.random() < ASSESSED_SHARE:
            maturity = self._assessments(b, maturity, since, facts)
        share = ENROLLED_SHARE if facts.assessed_at else ENROLLED_SHARE_UNASSESSED
        if rng.random() < share:
            self._enrolments(b, since, facts)
        # Trained businesses go on to list their products far more often.
        listing = 0.1 + 0.5 * maturity if facts.assessed_at else 0.03
        if rng.random() < listing + (0.3 if facts.completed_at else 0):
            self._onboarding(b, since, facts)
        self._status(b, facts)

    def _assessments(self, b: _Business, maturity: float, since: datetime, facts: _Facts) -> float:
        rng = self.rng
        counts, weights = zip(*ASSESSMENT_COUNTS, strict=True)
        pool = self.pools[(b.kind, b.size)]
        span = (self.now - since).total_seconds() - 3600
        times = sorted(
            since + timedelta(seconds=rng.uniform(0, span))
            for _ in range(rng.choices(counts, weights)[0])
        )
        helper = None
        if (
            b.kind in (BusinessKind.HOUSEHOLD, BusinessKind.HOUSEHOLD_BUSINESS)
            and rng.random() < 0.3
        ):
            helper = rng.choice(self.trainers[b.province])
        for at in times:
            scored = pool.pick(maturity, rng)
            assessment_id = self.ids.take(Assessment)
            self.rows[Assessment].append(
                {
                    "id": assessment_id,
                    "business_id": b.id,
                    "province_code": b.province,
                    "questionnaire_id": pool.questionnaire.id,
                    "questionnaire_version": pool.questionnaire.version,
                    "status": AssessmentStatus.SUBMITTED,
                    "answers": scored.answers,
                    "current_step": len(pool.questionnaire.dimensions) + 1,
                    "started_by_id": helper or b.owner_id,
                    "assisted_by_id": helper,
                    "created_at": at - timedelta(minutes=rng.randint(8, 90)),
                    "updated_at": at,
                    "submitted_at": at,
                    "overall_score": scored.overall,
                    "level": scored.level,
                }
            )
            self.rows[AssessmentScore].extend(
                {
                    "assessment_id": assessment_id,
                    "dimension": d,
                    "score": s,
                    "province_code": b.province,
                    "submitted_at": at,
                }
                for d, s in scored.dimensions.items()
            )
            facts.assessed_at, facts.level = at, scored.level
            # Businesses that come back have usually moved on.
            maturity = min(1.0, maturity + rng.uniform(0.0, 0.15))
        return maturity

    # ----------------------------------------------------------------------- training

    def _enrolments(self, b: _Business, since: datetime, facts: _Facts) -> None:
        rng = self.rng
        start = facts.assessed_at or since
        courses = [
            c
            for c in self.courses[b.province]
            if c.spec.audience in (Audience.BOTH, self.audiences[(b.kind, b.size)])
        ]
        for course in rng.sample(courses, 2 if rng.random() < 0.3 else 1):
            at = start + (self.now - start) * rng.random()
            cohort, waitlisted = self._cohort_for(b.province, course, at)
            self._enrolment(b, cohort, at, waitlisted, facts)

    def _cohort_for(self, province: int, course: _Course, at: datetime) -> tuple[_Cohort, bool]:
        """Return the class of the course starting the month after ``at``, and if it is full."""
        month = at.year * 12 + at.month  # the next month: (month // 12, month % 12 + 1)
        cohorts = self.cohorts.setdefault((province, course.id, month), [])
        if cohorts and cohorts[-1].seats < cohorts[-1].capacity:
            return cohorts[-1], False
        if cohorts and cohorts[-1].starts[0] > self.now and self.rng.random() < 0.4:
            return cohorts[-1], True
        cohort = self._new_cohort(province, course, month)
        cohorts.append(cohort)
        return cohort, False

    def _new_cohort(self, province: int, course: _Course, month: int) -> _Cohort:
        rng = self.rng
        first = datetime(month // 12, month % 12 + 1, 1, 1, 30) + timedelta(days=rng.randint(4, 20))
        starts = [first + timedelta(days=7 * i) for i in range(course.spec.sessions)]
        commune = rng.choice(self.communes[province])
        online = course.spec.format == CourseFormat.ONLINE
        cohort = _Cohort(
            id=self.ids.take(Cohort),
            course=course,
            province_code=province,
            trainer_id=rng.choice(self.trainers[province]),
            starts=starts,
            session_ids=[self.ids.take(TrainingSession) for _ in starts],
            deadline=(first - timedelta(days=2)).date(),
            capacity=rng.choice((25, 30, 40)),
        )
        self.rows[Cohort].append(
            {
                "id": cohort.id,
                "course_id": course.id,
                "province_code": province,
                "trainer_id": cohort.trainer_id,
                "commune_code": None if online else int(commune.code),
                "venue": "" if online else f"Nhà văn hóa {commune.name}",
                "online_link": f"https://meet.example.vn/lop-{cohort.id}" if online else "",
                "capacity": cohort.capacity,
                "enrolment_deadline": cohort.deadline,
                "created_at": first - timedelta(days=45),
            }
        )
        self.rows[TrainingSession].extend(
            {
                "id": sid,
                "cohort_id": cohort.id,
                "province_code": province,
                "starts_at": starts_at,
                "duration_minutes": 180,
            }
            for sid, starts_at in zip(cohort.session_ids, starts, strict=True)
        )
        return cohort

    def _enrolment(
        self, b: _Business, cohort: _Cohort, at: datetime, waitlisted: bool, facts: _Facts
    ) -> None:
        """Play one enrolment through: its events, attendance, completion and certificate."""
        rng = self.rng
        enrolment_id = self.ids.take(Enrolment)
        events: list[tuple[EventState, datetime, int, int | None]] = []
        assigned = not waitlisted and rng.random() < 0.3
        row: dict[str, Any] = {
            "id": enrolment_id,
            "cohort_id": cohort.id,
            "business_id": b.id,
            "province_code": b.province,
            "assigned_by_id": cohort.trainer_id if assigned else None,
            "waitlisted_at": None,
            "passed_check": None,
            "completed_at": None,
            "paid_at": None,
            "created_at": at,
        }
        state, seat_from = EnrolmentState.ENROLLED, at
        if waitlisted:
            state, row["waitlisted_at"] = EnrolmentState.WAITLISTED, at
            events.append((EventState.WAITLISTED, at, b.owner_id, None))
        elif assigned:
            events.append((EventState.ASSIGNED, at, cohort.trainer_id, None))
            seat_from = at + timedelta(days=rng.uniform(0.2, 4))
            if seat_from > self.now:
                state = EnrolmentState.ASSIGNED
            elif rng.random() < 0.15:
                state = EnrolmentState.DECLINED
                events.append((EventState.DECLINED, seat_from, b.owner_id, None))
            else:
                events.append((EventState.ENROLLED, seat_from, b.owner_id, None))
        else:
            events.append((EventState.ENROLLED, at, b.owner_id, None))
        if state == EnrolmentState.ENROLLED:
            cancel_at = seat_from + (cohort.starts[0] - seat_from) * rng.random()
            if rng.random() < 0.07 and cancel_at <= self.now:
                state = EnrolmentState.CANCELLED
                events.append((EventState.CANCELLED, cancel_at, b.owner_id, None))
            else:
                cohort.seats += 1
                state = self._attend(b, cohort, enrolment_id, row, events, facts)
        row["state"] = state
        row["updated_at"] = max(e[1] for e in events)
        self.rows[Enrolment].append(row)
        self.rows[EnrolmentEvent].extend(
            {
                "enrolment_id": enrolment_id,
                "state": event_state,
                "at": event_at,
                "by_user_id": by,
                "province_code": b.province,
                "course_id": cohort.course.id,
                "cohort_id": cohort.id,
                "business_id": b.id,
                "commune_code": b.commune,
                "sector": b.sector,
                "session_id": session_id,
            }
            for event_state, event_at, by, session_id in events
        )

    def _attend(
        self,
        b: _Business,
        cohort: _Cohort,
        enrolment_id: int,
        row: dict,
        events: list,
        facts: _Facts,
    ) -> EnrolmentState:
        """Mark attendance of the sessions held so far; complete the finished classes."""
        rng = self.rng
        total = len(cohort.starts)
        held = [i for i, s in enumerate(cohort.starts) if s + timedelta(hours=3) <= self.now]
        finished = len(held) == total
        completes = finished and rng.random() < 0.8
        needed = next(a for a in range(total + 1) if cohort.course.rule.is_met(total, a, None))
        if finished:
            count = rng.randint(needed, total) if completes else rng.randint(0, needed - 1)
            present = set(rng.sample(held, count))
        else:
            present = {i for i in held if rng.random() < 0.85}
        for i in held:
            marked = cohort.starts[i] + timedelta(hours=3)
            self.rows[Attendance].append(
                {
                    "session_id": cohort.session_ids[i],
                    "enrolment_id": enrolment_id,
                    "province_code": b.province,
                    "present": i in present,
                    "marked_at": marked,
                    "marked_by_id": cohort.trainer_id,
                }
            )
            if i in present:
                events.append(
                    (EventState.ATTENDED, marked, cohort.trainer_id, cohort.session_ids[i])
                )
        if not completes:
            return EnrolmentState.ENROLLED
        done = min(self.now, cohort.starts[-1] + timedelta(days=1))
        row["completed_at"] = done
        events.append((EventState.COMPLETED, done, cohort.trainer_id, None))
        self.rows[Certificate].append(
            {
                "enrolment_id": enrolment_id,
                "business_id": b.id,
                "province_code": b.province,
                "code": self._code(),
                "business_name": f"Cơ sở số {b.id}",
                "course_title_vi": cohort.course.spec.title_vi,
                "course_title_en": cohort.course.spec.title_en,
                "completed_on": clock.local_date(done),
                "issued_at": done,
                "revoked_at": None,
                "revoked_reason": None,
                "revoked_by_id": None,
            }
        )
        facts.completed_at.append(done)
        return EnrolmentState.COMPLETED

    def _code(self) -> str:
        while True:
            code = "".join(self.rng.choices(CODE_ALPHABET, k=CODE_LENGTH))
            if code not in self.codes:
                self.codes.add(code)
                return code

    # --------------------------------------------------------------------- onboarding

    def _onboarding(self, b: _Business, since: datetime, facts: _Facts) -> None:
        rng = self.rng
        offered = self.catalog.offered_to(b.kind.value, b.sector.value)
        if not offered:
            return
        paths = rng.sample(offered, min(len(offered), 2 if rng.random() < 0.35 else 1))
        start = facts.assessed_at or since
        for path in paths:
            self._path(b, path, start + (self.now - start) * rng.random(), facts)

    def _path(self, b: _Business, path: ListingPath, started: datetime, facts: _Facts) -> None:
        rng = self.rng
        onboarding_id = self.ids.take(OnboardingPath)
        self.rows[OnboardingPath].append(
            {
                "id": onboarding_id,
                "business_id": b.id,
                "province_code": b.province,
                "path_id": path.id,
                "channel": path.channel,
                "started_by_id": b.owner_id,
                "started_at": started,
            }
        )
        steps = path.steps if rng.random() < 0.6 else path.steps[: rng.randint(0, len(path.steps))]
        done_at = started
        for step in steps:
            done_at += timedelta(days=rng.uniform(0.1, 6))
            if done_at > self.now:
                return
            self.rows[StepProgress].append(
                {
                    "onboarding_id": onboarding_id,
                    "province_code": b.province,
                    "step_id": step.id,
                    "done_at": done_at,
                    "done_by_id": b.owner_id,
                }
            )
        if len(steps) < len(path.steps):
            return
        submitted = done_at + timedelta(days=rng.uniform(0, 2))
        checked = submitted + timedelta(days=rng.uniform(1, 7))
        if submitted > self.now:
            return
        status = rng.choices(
            (EvidenceStatus.VERIFIED, EvidenceStatus.PENDING, EvidenceStatus.REJECTED), (75, 15, 10)
        )[0]
        if checked > self.now:
            status = EvidenceStatus.PENDING
        decided = status != EvidenceStatus.PENDING
        self.rows[Evidence].append(
            {
                "onboarding_id": onboarding_id,
                "business_id": b.id,
                "province_code": b.province,
                "step_id": None,
                "kind": EvidenceKind.URL,
                "url": f"{path.url or 'https://example.vn'}/shop/co-so-{b.id}",
                "file_path": "",
                "file_name": "",
                "content_type": "",
                "file_size": 0,
                "note": "",
                "status": status,
                "reason": "Đường dẫn không mở được" if status == EvidenceStatus.REJECTED else "",
                "submitted_by_id": b.owner_id,
                "submitted_at": submitted,
                "verified_by_id": rng.choice(self.trainers[b.province]) if decided else None,
                "verified_at": checked if decided else None,
            }
        )
        if status == EvidenceStatus.VERIFIED:
            first = facts.verified_at.get(path.channel)
            facts.verified_at[path.channel] = min(first, checked) if first else checked

    # ------------------------------------------------------------------ digital status

    def _status(self, b: _Business, facts: _Facts) -> None:
        """Open a status row if the business meets its province's definition now.

        The same rule as ``refresh_digital_status`` (``is_digital``), applied to the facts made
        here; it became digital when the last of those facts became true.
        """
        rule = self.rules[b.province]
        completed = sorted(facts.completed_at)
        if not is_digital(
            Facts(
                latest_level=facts.level,
                completed_courses=len(completed),
                verified_sales_channel="sales" in facts.verified_at,
                verified_digital_payment="payment" in facts.verified_at,
            ),
            rule,
        ):
            return
        moments = [facts.assessed_at, min(facts.verified_at.values())]
        if rule.min_courses:
            moments.append(completed[rule.min_courses - 1])
        self.rows[DigitalStatus].append(
            {
                "business_id": b.id,
                "province_code": b.province,
                "commune_code": b.commune,
                "sector": b.sector,
                "kind": b.kind,
                "became_digital_at": max(m for m in moments if m is not None),
                "ceased_at": None,
            }
        )

    # ---------------------------------------------------------------------------- writes

    def flush(self) -> None:
        for model in INSERT_ORDER:
            self._insert(model)
        db.session.commit()

    def _insert(self, model: type[Any]) -> None:
        rows = self.rows[model]
        if not rows:
            return
        if db.engine.dialect.name == "postgresql":
            _copy(model.__table__, rows)
        else:
            db.session.execute(sa.insert(model.__table__), rows)
        self._count(model, len(rows))
        self.rows[model] = []

    def _count(self, model: type[Any], n: int) -> None:
        name = model.__tablename__
        self.counts[name] = self.counts.get(name, 0) + n

    def finish(self) -> None:
        """Set a target where a province has none; move PostgreSQL's sequences past our ids."""
        have = set(
            db.session.scalars(
                sa.select(ProvinceTarget.province_code).where(
                    ProvinceTarget.province_code.in_(self.provinces),
                    ProvinceTarget.metric == TargetMetric.DIGITAL_BUSINESSES,
                )
            )
        )
        sizes = dict(
            db.session.execute(
                sa.select(Business.province_code, sa.func.count(Business.id))
                .where(Business.province_code.in_(self.provinces))
                .group_by(Business.province_code)
            ).all()
        )
        rows = [
            {
                "province_code": code,
                "metric": TargetMetric.DIGITAL_BUSINESSES,
                "target": max(50, round(sizes.get(code, 0) * 0.15, -1)),
                "by_year": 2030,
                "start_on": date(self.now.year - 1, 1, 1),
                "set_at": self.now,
                "set_by_id": None,
            }
            for code in self.provinces
            if code not in have
        ]
        if rows:
            db.session.execute(sa.insert(cast(sa.Table, ProvinceTarget.__table__)), rows)
        if db.engine.dialect.name == "postgresql":
            for model in EXPLICIT_IDS:
                table = model.__tablename__
                db.session.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT coalesce(max(id), 1) FROM {table}))"
                    )
                )
        db.session.commit()


def _copy(table: sa.Table, rows: list[dict]) -> None:
    """Write rows with PostgreSQL's COPY, several times faster than multi-row INSERTs.

    Values go through each column type's bind processor, so they are stored exactly as an
    INSERT would store them (enum names or values); JSON is written as its text.
    """
    dialect = db.engine.dialect
    keys = list(rows[0])
    columns = [table.c[name] for name in keys]
    processors = [
        json.dumps if isinstance(column.type, sa.JSON) else column.type.bind_processor(dialect)
        for column in columns
    ]
    names = ", ".join(dialect.identifier_preparer.quote(c.name) for c in columns)
    cursor = db.session.connection().connection.cursor()
    with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [
                    value if process is None or value is None else process(value)
                    for value, process in zip((row[key] for key in keys), processors, strict=True)
                ]
            )


@cache
def _pools(
    seed: int,
) -> tuple[
    dict[tuple[BusinessKind, BusinessSize], AnswerPool],
    dict[tuple[BusinessKind, BusinessSize], Audience],
]:
    """Return the scored answer pool and the course audience of each kind and size."""
    rng = random.Random(seed)
    choices = {
        (kind, size): choose(Business(kind=kind, size=size))
        for kind in BusinessKind
        for size in BusinessSize
    }
    by_audience: dict[str, AnswerPool] = {}
    for choice in choices.values():
        if choice.audience not in by_audience:
            by_audience[choice.audience] = AnswerPool(choice.questionnaire, rng)
    pools = {key: by_audience[choice.audience] for key, choice in choices.items()}
    return pools, {key: Audience(choice.audience) for key, choice in choices.items()}


@cache
def _password_hash() -> str:
    # One hash for all synthetic accounts: hashing 100,000 passwords would dominate the run.
    return generate_password_hash("synthetic-password", method="scrypt")


def _size(kind: BusinessKind, rng: random.Random) -> BusinessSize:
    if kind == BusinessKind.HOUSEHOLD:
        return BusinessSize.FAMILY
    if kind == BusinessKind.HOUSEHOLD_BUSINESS:
        return BusinessSize.FAMILY if rng.random() < 0.7 else BusinessSize.MICRO
    sizes = (BusinessSize.MICRO, BusinessSize.SMALL, BusinessSize.MEDIUM)
    return rng.choices(sizes, (70, 25, 5))[0]


def generate(
    businesses: int,
    province_codes: tuple[int, ...] = (22, 1, 15),
    seed: int = 2030,
    echo: Callable[[str], None] = print,
    now: datetime | None = None,
) -> dict[str, int]:
    """Add ``businesses`` businesses spread over the provinces, with their history.

    Return the number of rows added per table.
    """
    generator = Generator(tuple(province_codes), seed, now)
    generator.setup_provinces()
    for offset in range(0, businesses, BATCH):
        size = min(BATCH, businesses - offset)
        for _ in range(size):
            generator.business()
        generator.flush()
        echo(f"  {offset + size:,} businesses")
    rebuild_summaries()  # the latest results and peer counts, committed by finish()
    generator.finish()
    aggregates.rebuild(commit=True)  # the rows went in around the session: count them at once
    return generator.counts
