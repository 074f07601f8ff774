"""Demo data for a first look at the portal (development only)."""

import random
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from vietnam_provinces import Ward

from assessments.listing_paths import load_catalog
from assessments.model import Question
from assessments.question_types import Number
from portal import clock, geo
from portal.assess.operations import (
    rebuild_summaries,
    save_answers,
    start_assessment,
    submit_assessment,
)
from portal.assess.questionnaires import choose
from portal.auth.models import Role, User
from portal.auth.operations import create_user
from portal.billing.operations import create_programme
from portal.businesses.models import Business, BusinessKind, BusinessSize, Sector
from portal.businesses.operations import create_business
from portal.extensions import db
from portal.onboarding.operations import add_evidence, review_evidence, start_path
from portal.reports import aggregates
from portal.reports.operations import set_target
from portal.reports.targets import TargetMetric
from portal.training.models import Audience, Course, CourseFormat
from portal.training.operations import (
    complete_cohort,
    create_cohort,
    create_course,
    enrol,
    set_attendance,
)

DEMO_PASSWORD = "demo-password-2030"

#: Quảng Ninh, Hà Nội and Lào Cai: three provinces so scoping is visible.
DEMO_PROVINCES = {22: "quangninh", 1: "hanoi", 15: "laocai"}

BUSINESS_NAMES = [
    ("Hợp tác xã Chè Đường Hoa", BusinessKind.COOPERATIVE, Sector.AGRICULTURE),
    ("Công ty TNHH Hải sản Vân Đồn", BusinessKind.ENTERPRISE, Sector.FOOD_PROCESSING),
    ("Hộ kinh doanh Nem chua Hạ Long", BusinessKind.HOUSEHOLD_BUSINESS, Sector.FOOD_PROCESSING),
    ("Hộ gia đình bà Nguyễn Thị Lan", BusinessKind.HOUSEHOLD, Sector.AGRICULTURE),
    ("Homestay Cô Tô Xanh", BusinessKind.HOUSEHOLD_BUSINESS, Sector.TOURISM),
    ("Công ty CP Vận tải Bãi Cháy", BusinessKind.ENTERPRISE, Sector.TRANSPORT_LOGISTICS),
    ("Hộ gia đình ông Trần Văn Minh", BusinessKind.HOUSEHOLD, Sector.HANDICRAFTS),
    ("Cửa hàng Gốm Đông Triều", BusinessKind.HOUSEHOLD_BUSINESS, Sector.HANDICRAFTS),
]


def seed_demo_data(echo: Callable[[str], None] = print) -> None:
    """Create demo accounts and businesses, once; print how to sign in."""
    if db.session.scalar(sa.select(sa.func.count(User.id))):
        echo("The database already has accounts; demo data was not added again.")
        _print_accounts(echo)
        return
    rng = random.Random(2030)
    create_user(
        name="Quản trị quốc gia",
        email="admin@demo.vn",
        password=DEMO_PASSWORD,
        consented=True,
        role=Role.ADMIN,
        locale="vi",
    )
    for code, slug in DEMO_PROVINCES.items():
        province = geo.province_name(code)
        create_user(
            name=f"Cán bộ Sở KH&CN {province}",
            email=f"staff.{slug}@demo.vn",
            password=DEMO_PASSWORD,
            consented=True,
            role=Role.STAFF,
            province_code=code,
        )
        create_user(
            name=f"Giảng viên {province}",
            email=f"trainer.{slug}@demo.vn",
            password=DEMO_PASSWORD,
            consented=True,
            role=Role.TRAINER,
            province_code=code,
        )
        communes = geo.communes(code)
        for i, (name, kind, sector) in enumerate(BUSINESS_NAMES):
            owner = create_user(
                name=f"Chủ hộ {i + 1} ({province})",
                email=f"owner{i + 1}.{slug}@demo.vn",
                phone=f"09{code:02d}{i:06d}",
                password=DEMO_PASSWORD,
                consented=True,
                role=Role.OWNER,
            )
            commune = rng.choice(communes[:12])
            create_business(
                owner,
                name=name if code == 22 else f"{name} ({province})",
                kind=kind,
                tax_code=None if kind == BusinessKind.HOUSEHOLD else f"57{code:02d}{i:06d}",
                sector=sector,
                size=BusinessSize.FAMILY if kind == BusinessKind.HOUSEHOLD else BusinessSize.MICRO,
                province_code=code,
                commune_code=int(commune.code),
                address=f"Số {i + 1}, thôn {rng.randint(1, 9)}",
            )
    _seed_training_and_assessments(rng)
    rebuild_summaries()  # the latest results and peer counts, as a bulk load would
    db.session.commit()
    aggregates.rebuild(commit=True)  # some demo rows are dated in the past around the session
    echo("Demo data created.")
    _print_accounts(echo)


def _print_accounts(echo: Callable[[str], None]) -> None:
    echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    echo("  national admin:      admin@demo.vn")
    for slug in DEMO_PROVINCES.values():
        echo(f"  {slug:<12} staff:   staff.{slug}@demo.vn   trainer: trainer.{slug}@demo.vn")
    echo("  owners:              owner1.quangninh@demo.vn ... owner8.quangninh@demo.vn")


def _seed_training_and_assessments(rng: random.Random) -> None:
    """Give each demo province a course with an open class, a target and some assessments."""
    for code, slug in DEMO_PROVINCES.items():
        staff = _user(f"staff.{slug}@demo.vn")
        trainer = _user(f"trainer.{slug}@demo.vn")
        course = create_course(
            staff,
            code,
            title_vi="Bán hàng qua Zalo, Facebook và sàn thương mại điện tử",
            title_en="Selling through Zalo, Facebook and marketplaces",
            description_vi="Chụp ảnh sản phẩm, viết mô tả, nhận đơn và giao hàng qua bưu điện.",
            description_en="Product photos, descriptions, taking orders and shipping by post.",
            topic="social_selling",
            dimensions=["online_sales"],
            audience=Audience.BOTH,
            sectors=[],
            format=CourseFormat.IN_PERSON,
            duration_hours=8,
            fee_vnd=0,
        )
        communes = geo.communes(code)
        today = clock.today()
        start = clock.to_utc(datetime.combine(today + timedelta(days=14), time(8, 30)))
        create_cohort(
            course,
            sessions=[(start + timedelta(days=7 * i), 180) for i in range(3)],
            trainer_id=trainer.id,
            commune_code=int(communes[0].code),
            venue=f"Nhà văn hóa {communes[0].name}",
            capacity=25,
            enrolment_deadline=today + timedelta(days=10),
        )
        set_target(code, 500, 2030, date(today.year, 1, 1), by=staff)
        set_target(
            code,
            70,
            2030,
            date(today.year, 1, 1),
            by=staff,
            metric=TargetMetric.HOUSEHOLDS_DIGITAL_PAYMENTS,
        )
        businesses = db.session.scalars(
            sa.select(Business).where(Business.province_code == code).order_by(Business.id)
        ).all()
        for business in businesses[:5]:
            questionnaire = choose(business).questionnaire
            assessment, _new = start_assessment(business, business.owner, questionnaire)
            answers = {q.id: _random_answer(q, rng) for q in questionnaire.questions}
            save_answers(assessment, business.owner, answers)
            submit_assessment(assessment, business.owner, questionnaire)
        _seed_finished_class(course, trainer, businesses[:6], communes[0])
        _seed_paid_course(staff, trainer, code, communes[1])
        _seed_listings(staff, businesses[:4])


def _user(email: str) -> User:
    return db.session.execute(sa.select(User).where(User.email == email)).scalar_one()


def _seed_finished_class(
    course: Course, trainer: User, businesses: Sequence[Business], commune: Ward
) -> None:
    """A class that took place last month: attendance taken, completions and certificates."""
    today = clock.today()
    first = clock.to_utc(datetime.combine(today - timedelta(days=40), time(8, 30)))
    cohort = create_cohort(
        course,
        sessions=[(first + timedelta(days=7 * i), 180) for i in range(3)],
        trainer_id=trainer.id,
        commune_code=int(commune.code),
        venue=f"Nhà văn hóa {commune.name}",
        capacity=20,
        enrolment_deadline=today,
    )
    enrolments = [enrol(cohort, business, business.owner) for business in businesses]
    for i, enrolment in enumerate(enrolments):
        # Most came every time; the last one came once and does not complete.
        attended = cohort.sessions if i < len(enrolments) - 1 else cohort.sessions[:1]
        for session in attended:
            set_attendance(session, enrolment, True, trainer)
    complete_cohort(cohort, trainer)
    cohort.enrolment_deadline = today - timedelta(days=45)


def _seed_paid_course(staff: User, trainer: User, code: int, commune: Ward) -> None:
    """A course with a fee, half of it paid by the province for households, on a budget."""
    course = create_course(
        staff,
        code,
        title_vi="Mở gian hàng trên Shopee và Lazada",
        title_en="Opening a shop on Shopee and Lazada",
        description_vi="Đăng ký gian hàng, đăng sản phẩm, giá, khuyến mãi và giao hàng.",
        description_en="Registering a shop, listing products, prices, promotions and delivery.",
        topic="ecommerce",
        dimensions=["online_sales"],
        audience=Audience.BOTH,
        sectors=[],
        format=CourseFormat.BLENDED,
        duration_hours=12,
        fee_vnd=600_000,
    )
    today = clock.today()
    start = clock.to_utc(datetime.combine(today + timedelta(days=21), time(8, 30)))
    create_cohort(
        course,
        sessions=[(start + timedelta(days=7 * i), 240) for i in range(3)],
        trainer_id=trainer.id,
        commune_code=int(commune.code),
        venue=f"Trung tâm văn hóa {commune.name}",
        capacity=30,
        enrolment_deadline=today + timedelta(days=18),
    )
    create_programme(
        code,
        by=staff,
        name_vi="Hỗ trợ hộ kinh doanh chuyển đổi số",
        name_en="Digital transformation support for household businesses",
        course_id=None,
        share_pct=50,
        households_only=True,
        sector=None,
        budget_vnd=30_000_000,
        active=True,
    )


def _seed_listings(staff: User, businesses: Sequence[Business]) -> None:
    """Some businesses listed on Postmart; staff verified all but the last listing."""
    path = load_catalog().get("postmart")
    for i, business in enumerate(businesses):
        if path is None or not path.is_offered_to(business.kind.value, business.sector.value):
            continue
        onboarding = start_path(business, path, business.owner)
        evidence = add_evidence(
            onboarding,
            business.owner,
            step_id=path.steps[-1].id,
            url=f"https://postmart.vn/cua-hang/demo-{business.id}",
            note="Gian hàng đã mở",
        )
        if i < len(businesses) - 1:
            review_evidence(evidence, staff, verified=True)


def _random_answer(question: Question, rng: random.Random) -> object:
    options = [o.id for o in question.options]
    if question.type == "multi":
        return [o.id for o in question.options if not o.exclusive][: rng.randint(1, 2)]
    kind = question.kind
    if isinstance(kind, Number):
        return rng.randint(int(kind.min), int(min(kind.max, kind.min + 20)))
    if question.type == "scale":
        return rng.randint(1, 4)
    return rng.choice(options)
