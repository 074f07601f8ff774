"""Personal data (README, "Personal data"): consent to the versioned privacy notice, the owner's
download of everything, closing the account, and the retention command."""

import dataclasses
import io
import json
import shutil
import zipfile
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from assessments.listing_paths import load_catalog
from portal import clock, geo
from portal.assess.models import Assessment, AssessmentStatus
from portal.auth.models import Role, User
from portal.billing import operations as billing
from portal.billing.models import Payment
from portal.businesses.models import Business, BusinessKind
from portal.devtools.querycount import count_queries
from portal.extensions import db
from portal.onboarding import files
from portal.onboarding import operations as onboarding
from portal.onboarding.models import Evidence, EvidenceKind, EvidenceStatus
from portal.paysign.operations import save_sign
from portal.privacy import notices
from portal.privacy.export import OwnerExport
from portal.privacy.models import PrivacyConsent
from portal.reports import queries as reports
from portal.reports.operations import set_definition
from portal.reports.targets import METRICS
from portal.storage import storage
from portal.training import operations as training
from portal.training.alerts import ClassAlert
from portal.training.models import Certificate, Cohort, CourseFormat, TrainingSession
from tests.conftest import PASSWORD, QUANG_NINH
from tests.factories import registration, submitted_assessment

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))


def is_stored(app, key: str) -> bool:
    with app.app_context():
        return storage().exists(key)


def _copy_cookies(source, target) -> None:
    for name in ("session", "remember_token"):
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


# ------------------------------------------------------------------------------ consent


def test_the_notice_is_public_in_both_languages(client):
    vi = client.get("/privacy").get_data(as_text=True)
    assert "Quyền của bạn" in vi
    assert "Luật Bảo vệ dữ liệu cá nhân năm 2025" in vi
    assert "Nghị định 13/2023/NĐ-CP" in vi
    assert "số định danh cá nhân 12 số" in vi
    assert "{draft_days}" not in vi and "sau 365 ngày" in vi
    en = client.get("/privacy", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Your rights" in en and "withdraw your consent" in en
    assert "180 days after the rejection" in en


def test_registration_without_consent_is_refused_and_the_form_kept(client, app):
    data = registration()
    del data["consent"]
    response = client.post("/auth/register", data=data, headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tick the box to agree to the privacy notice." in page
    assert 'value="Nguyễn Thị Hoa"' in page
    assert 'value="Hộ kinh doanh Chả mực Hạ Long"' in page
    assert 'href="/privacy"' in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_registration_records_the_notice_version_and_the_time(client, app):
    before = clock.utcnow().replace(microsecond=0)
    response = client.post("/auth/register", data=registration())
    assert response.status_code == 302
    with app.app_context():
        owner = db.session.scalar(sa.select(User).where(User.email == "hoa@example.vn"))
        assert owner.privacy_version == notices.current_version() == 1
        assert before <= owner.privacy_consented_at <= clock.utcnow()
        consent = db.session.scalar(sa.select(PrivacyConsent))
        assert (consent.user_id, consent.notice_version, consent.locale) == (owner.id, 1, "vi")
    # Consent given: the pages open at once.
    assert client.get("/dashboard").status_code == 200


@pytest.fixture
def publish_second_notice(app, tmp_path, monkeypatch):
    """Return a function publishing version 2 of the notice (version 1 and one more line)."""

    def publish() -> None:
        folder = tmp_path / "notices"
        shutil.copytree(notices.NOTICES_DIR, folder)
        for lang, extra in (("vi", "Phiên bản thứ hai."), ("en", "The second version.")):
            text = (folder / f"v1.{lang}.md").read_text(encoding="utf-8")
            (folder / f"v2.{lang}.md").write_text(text + "\n" + extra + "\n", encoding="utf-8")
        with open(folder / "index.yaml", "a", encoding="utf-8") as fh:
            fh.write(f"- version: 2\n  published: {clock.today().isoformat()}\n")
        monkeypatch.setitem(app.config, "PRIVACY_NOTICES_DIR", str(folder))

    return publish


@pytest.mark.parametrize("role", [Role.OWNER, Role.TRAINER, Role.STAFF, Role.ADMIN])
def test_a_new_notice_version_asks_again_and_records_it(
    app, client, auth, make_user, make_business, publish_second_notice, role
):
    user = make_user(role=role)
    if role == Role.OWNER:
        make_business(owner=user)
    auth.login(user)
    assert client.get("/dashboard").status_code == 200
    publish_second_notice()
    response = client.get("/dashboard?tab=1", headers={"Accept-Language": "en"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/privacy/consent?next=")
    page = client.get(response.headers["Location"], headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert "The privacy notice has changed since you last agreed to it" in text
    assert "The second version." in text
    # The notice itself, a language switch and signing out need no consent first.
    assert client.get("/privacy").status_code == 200
    # Not ticking the box records nothing.
    refused = client.post("/privacy/consent", data={}, headers={"Accept-Language": "en"})
    assert "Tick the box to agree to the privacy notice." in refused.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302

    agreed = client.post("/privacy/consent?next=/dashboard?tab=1", data={"consent": "y"})
    assert agreed.headers["Location"] == "/dashboard?tab=1"
    assert client.get("/dashboard").status_code == 200
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert stored.privacy_version == 2
        versions = db.session.scalars(
            sa.select(PrivacyConsent.notice_version)
            .where(PrivacyConsent.user_id == user.id)
            .order_by(PrivacyConsent.id)
        ).all()
        assert versions == [1, 2]


def test_an_account_made_by_an_administrator_is_asked_at_first_sign_in(
    app, client, auth, make_user
):
    staff = make_user(role=Role.STAFF, consented=False)
    auth.login(staff)
    response = client.get("/dashboard", headers={"Accept-Language": "en"})
    assert response.headers["Location"].startswith("/privacy/consent")
    page = client.get("/privacy/consent", headers={"Accept-Language": "en"})
    assert "Before you go on" in page.get_data(as_text=True)
    assert client.post("/auth/logout").status_code == 302


# ------------------------------------------------------------------------ owner's data


def _class_with_certificate(app, trainer_id: int, business_id: int) -> SimpleNamespace:
    """A fully subsidised class the business attended and completed; return its rows' ids."""
    with app.app_context():
        trainer = db.session.get(User, trainer_id)
        course = training.create_course(
            trainer,
            QUANG_NINH,
            title_vi="Bán hàng qua mạng",
            title_en="Selling online",
            description_vi="",
            description_en="",
            topic="ecommerce",
            dimensions=["online_sales"],
            audience="both",
            sectors=[],
            format=CourseFormat.IN_PERSON,
            duration_hours=4,
            fee_vnd=500_000,
            min_attendance_pct=100,
            requires_check=False,
        )
        cohort = training.create_cohort(
            course,
            [(clock.utcnow().replace(microsecond=0) - timedelta(hours=3), 120)],
            trainer_id=trainer.id,
            commune_code=int(geo.communes(QUANG_NINH)[0].code),
            venue="Nhà văn hoá thôn 1",
            online_link="",
            capacity=10,
            enrolment_deadline=clock.today() + timedelta(days=2),
        )
        db.session.commit()
        business = db.session.get(Business, business_id)
        enrolment = training.enrol(db.session.get(Cohort, cohort.id), business, business.owner)
        db.session.commit()
        session = db.session.scalar(
            sa.select(TrainingSession).where(TrainingSession.cohort_id == cohort.id)
        )
        training.set_attendance(session, enrolment, True, trainer)
        training.complete_cohort(enrolment.cohort, trainer)
        db.session.commit()
        payment = db.session.scalar(sa.select(Payment).where(Payment.enrolment_id == enrolment.id))
        assert payment.paid_at is not None
        return SimpleNamespace(
            certificate_code=enrolment.certificate.code,
            receipt_number=payment.receipt_number,
        )


def _evidence(app, business_id: int, owner_id: int, content: bytes, name: str) -> int:
    """Start the Postmart path with a ticked step and a file as evidence; return its id."""
    with app.app_context():
        owner = db.session.get(User, owner_id)
        path = load_catalog().get("postmart")
        row = onboarding.start_path(db.session.get(Business, business_id), path, owner)
        onboarding.set_step_done(row, path.steps[0].id, True, owner)
        file_type = files.PNG if content.startswith(b"\x89PNG") else files.PDF
        evidence = onboarding.add_evidence(
            row,
            owner,
            step_id=None,
            file_path=files.save(io.BytesIO(content), file_type, QUANG_NINH),
            file_name=name,
            content_type=file_type.mimetype,
            file_size=len(content),
            note="Gian hàng của nhà Hoa",
        )
        db.session.commit()
        return evidence.id


@pytest.fixture
def history(app, make_user, make_business) -> SimpleNamespace:
    """An owner of Quảng Ninh with one of every kind of row, and another owner beside them."""
    staff = make_user(role=Role.STAFF, name="Cán bộ Quảng Ninh")
    trainer = make_user(role=Role.TRAINER)
    owner = make_user(name="Đặng Thị Hoa", email="hoa@example.vn", phone="0912345678")
    business = make_business(
        owner=owner,
        kind=BusinessKind.HOUSEHOLD_BUSINESS,
        name="Hộ kinh doanh Mật ong Hoa",
        tax_code="022190001234",
        address="Số 7, thôn Đồng Tâm",
    )
    other_owner = make_user(name="Trần Văn Nam", email="nam@example.vn")
    other = make_business(owner=other_owner, name="Hộ Trần Văn Nam", tax_code="022190009999")
    with app.app_context():
        set_definition(QUANG_NINH, 0, 1, db.session.get(User, staff.id))
        billing.create_programme(
            QUANG_NINH,
            by=db.session.get(User, staff.id),
            name_vi="Hỗ trợ học phí",
            name_en="Fee aid",
            share_pct=100,
        )
        db.session.commit()
    ten_days_ago = clock.utcnow() - timedelta(days=10)
    assessment_id = submitted_assessment(app, business, submitted_at=ten_days_ago)
    submitted_assessment(app, other, submitted_at=ten_days_ago)
    done = _class_with_certificate(app, trainer.id, business.id)
    _class_with_certificate(app, trainer.id, other.id)
    evidence_id = _evidence(app, business.id, owner.id, PNG, "gian-hang.png")
    _evidence(app, other.id, other_owner.id, PDF, "nam.pdf")
    with app.app_context():
        reviewer = db.session.get(User, trainer.id)
        onboarding.review_evidence(db.session.get(Evidence, evidence_id), reviewer, True)
        for someone, theirs, account, name in (
            (owner, business, "0011004123456", "DANG THI HOA"),
            (other_owner, other, "9999888877776", "TRAN VAN NAM"),
        ):
            save_sign(
                db.session.get(Business, theirs.id),
                db.session.get(User, someone.id),
                bank_bin="970436",
                account_number=account,
                account_name=name,
                amount_vnd=None,
                message="",
            )
        db.session.add(
            ClassAlert(business_id=business.id, province_code=QUANG_NINH, topic="digital_payments")
        )
        db.session.commit()
    return SimpleNamespace(
        staff=staff,
        owner=owner,
        business=business,
        other_owner=other_owner,
        other=other,
        assessment_id=assessment_id,
        evidence_id=evidence_id,
        **vars(done),
    )


def test_the_owner_downloads_everything_about_them_and_nothing_of_another(
    app, client, auth, history
):
    auth.login(history.owner)
    response = client.get("/account/data.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    response.close()
    names = set(archive.namelist())
    data = json.loads(archive.read("data.json"))

    assert data["account"]["name"] == "Đặng Thị Hoa"
    assert data["account"]["phone"] == "0912345678"
    assert data["account"]["privacy_notice_version"] == 1
    assert [c["notice_version"] for c in data["privacy_consents"]] == [1]
    [business] = data["businesses"]
    assert business["name"] == "Hộ kinh doanh Mật ong Hoa"
    assert business["tax_code_or_personal_id"] == "022190001234"
    assert business["address"] == "Số 7, thôn Đồng Tâm"
    [assessment] = business["assessments"]
    assert assessment["status"] == "submitted" and assessment["answers"]
    assert assessment["dimension_scores"] and assessment["level"] is not None
    [enrolment] = business["enrolments"]
    assert enrolment["state"] == "completed"
    assert [a["present"] for a in enrolment["attendance"]] == [True]
    [certificate] = business["certificates"]
    assert certificate["code"] == history.certificate_code
    [payment] = business["payments"]
    assert payment["receipt_number"] == history.receipt_number
    [path] = business["listing_paths"]
    assert path["path"] == "postmart" and len(path["steps_done"]) == 1
    [evidence] = path["evidence"]
    assert evidence["file_name"] == "gian-hang.png" and evidence["status"] == "verified"
    assert business["payment_sign"]["account_number"] == "0011004123456"
    assert business["payment_sign"]["account_name"] == "DANG THI HOA"
    assert [a["topic"] for a in business["class_alerts"]] == ["digital_payments"]

    # The PDFs and the uploaded file are in the ZIP, where the JSON says.
    for member in (
        assessment["report_pdf"],
        certificate["pdf"],
        payment["receipt_pdf"],
    ):
        assert member in names
        assert archive.read(member).startswith(b"%PDF-")
    assert archive.read(evidence["file"]) == PNG
    assert len(names) == 5

    # Nothing of the other owner, anywhere in the file.
    everything = b"".join(archive.read(n) for n in names if not n.endswith(".pdf"))
    for foreign in ("Trần Văn Nam", "nam@example.vn", "022190009999", "nam.pdf", "9999888877776"):
        assert foreign.encode() not in everything
    assert str(history.other.id) not in [str(b["id"]) for b in data["businesses"]]


def test_the_data_file_takes_the_same_queries_however_many_rows(app, make_user, make_business):
    """The JSON part reads each kind of row once (the PDFs each read a few rows of their own)."""
    owner = make_user()
    first = make_business(owner=owner)
    submitted_assessment(app, first)

    def queries() -> int:
        with app.app_context():
            with count_queries(db.engine) as counter:
                OwnerExport(db.session.get(User, owner.id), "vi").data()
            return counter.count

    few = queries()
    for _ in range(3):
        submitted_assessment(app, make_business(owner=owner))
    assert queries() == few


def test_only_owners_download_or_close(client, auth, make_user):
    auth.login(make_user(role=Role.STAFF))
    assert client.get("/account/data.zip").status_code == 403
    assert client.post("/account/close", data={"password": PASSWORD}).status_code == 403


# ------------------------------------------------------------------------ closing


def figures(app, staff: User) -> dict:
    """Every report figure of Quảng Ninh that an owner's history feeds, as its staff see it."""
    today = clock.today()
    f = reports.Filters(QUANG_NINH, today - timedelta(days=30), today)
    with app.app_context():
        user = db.session.get(User, staff.id)
        counts = reports.enrolment_counts(f, "commune", user, "vi")
        metrics = reports.metric_values(QUANG_NINH, user, {m: (m, today) for m in METRICS})
        return {
            "activity": dataclasses.asdict(reports.activity(f, user)),
            "scores": reports.average_scores(f, user),
            "digital_today": reports.count_digital_at(f, today, user),
            "digital_by_kind": reports.digital_by(f, today, "kind", user),
            "enrolment_events": counts.total,
            "metrics": {m.value: v for m, v in metrics.items()},
        }


def test_closing_the_account_erases_personal_data_and_keeps_the_counts(app, client, auth, history):
    with app.app_context():
        stored = db.session.get(Evidence, history.evidence_id)
        key = stored.file_path
    assert is_stored(app, key)
    before = figures(app, history.staff)
    assert before["activity"]["certificates"] == 2

    auth.login(history.owner)
    thief = app.test_client()
    _copy_cookies(client, thief)
    wrong = client.post(
        "/account/close",
        data={"password": "not-my-password", "understood": "y"},
        headers={"Accept-Language": "en"},
    )
    assert "This is not your password." in wrong.get_data(as_text=True)
    response = client.post("/account/close", data={"password": PASSWORD, "understood": "y"})
    assert response.status_code == 302

    with app.app_context():
        owner = db.session.get(User, history.owner.id)
        assert owner.name == "Tài khoản đã xóa"
        assert (owner.email, owner.phone, owner.active) == (None, None, False)
        assert owner.closed_at is not None
        business = db.session.get(Business, history.business.id)
        assert business.name == f"Cơ sở đã xóa #{business.id}"
        assert (business.tax_code, business.address) == (None, "")
        assessment = db.session.get(Assessment, history.assessment_id)
        assert assessment.answers == {} and assessment.dimension_scores
        evidence = db.session.get(Evidence, history.evidence_id)
        assert (evidence.file_path, evidence.file_name, evidence.note) == ("", "", "")
        assert evidence.status == EvidenceStatus.VERIFIED
        # The other owner keeps everything.
        other = db.session.get(Business, history.other.id)
        assert other.name == "Hộ Trần Văn Nam" and other.tax_code == "022190009999"
    assert not is_stored(app, key)

    # The province's figures are exactly what they were.
    assert figures(app, history.staff) == before

    # Nobody gets in: not the password, not a copied cookie.
    assert thief.get("/dashboard").status_code == 302
    assert client.get("/dashboard").status_code == 302
    for login in ("hoa@example.vn", "0912345678"):
        attempt = client.post("/auth/login", data={"login": login, "password": PASSWORD})
        assert attempt.status_code == 200
    assert client.get("/dashboard").status_code == 302

    # The certificate stays valid for anyone who checks it, without the name.
    page = client.get(
        f"/verify/{history.certificate_code}", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "This certificate is valid." in page
    assert "Name removed at the holder's request" in page
    assert "Mật ong" not in page
    with app.app_context():
        certificate = db.session.scalar(
            sa.select(Certificate).where(Certificate.code == history.certificate_code)
        )
        assert certificate.is_valid and certificate.business_name == ""


def test_closing_needs_the_password_and_the_box(app, client, auth, make_user, make_business):
    owner = make_user()
    make_business(owner=owner)
    auth.login(owner)
    page = client.post(
        "/account/close", data={"password": PASSWORD}, headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "Tick the box to confirm." in page
    with app.app_context():
        assert db.session.get(User, owner.id).closed_at is None
    assert client.get("/dashboard").status_code == 200


# ------------------------------------------------------------------------ retention


def test_purge_dry_run_lists_and_purge_deletes_only_what_is_old_enough(
    app, runner, make_user, make_business, history
):
    now = clock.utcnow()
    old_business = make_business(name="Hộ bỏ dở")
    young_business = make_business(name="Hộ đang làm")
    with app.app_context():
        draft_ids = []
        for business, age in ((old_business, 366), (young_business, 364)):
            draft = Assessment(
                business_id=business.id,
                province_code=QUANG_NINH,
                questionnaire_id="household",
                questionnaire_version=1,
                status=AssessmentStatus.DRAFT,
                answers={"q": "a"},
                created_at=now - timedelta(days=age + 10),
                updated_at=now - timedelta(days=age),
            )
            db.session.add(draft)
            db.session.flush()
            draft_ids.append(draft.id)
        db.session.commit()
    old_draft, young_draft = draft_ids
    # Two rejected files, one rejected 181 days ago, one 179 days ago.
    rejected = []
    for name, age in (("cu.png", 181), ("moi.png", 179)):
        evidence_id = _evidence(app, make_business().id, history.staff.id, PNG, name)
        with app.app_context():
            evidence = db.session.get(Evidence, evidence_id)
            onboarding.review_evidence(
                evidence, db.session.get(User, history.staff.id), False, "Ảnh mờ"
            )
            evidence.verified_at = now - timedelta(days=age)
            db.session.commit()
            rejected.append((evidence_id, evidence.file_path))
    (old_evidence, old_file), (young_evidence, young_file) = rejected

    listed = runner.invoke(args=["privacy", "purge", "--dry-run"])
    assert listed.exit_code == 0, listed.output
    assert f"assessment {old_draft} " in listed.output
    assert f"assessment {young_draft} " not in listed.output
    assert f"evidence {old_evidence} " in listed.output
    assert f"evidence {young_evidence} " not in listed.output
    assert f"evidence {history.evidence_id} " not in listed.output  # verified, kept
    assert "nothing was deleted" in listed.output
    with app.app_context():
        assert db.session.get(Assessment, old_draft) is not None
        assert db.session.get(Evidence, old_evidence).file_path
    assert is_stored(app, old_file)

    purged = runner.invoke(args=["privacy", "purge"])
    assert purged.exit_code == 0, purged.output
    assert "Deleted 1 drafts and 1 files." in purged.output
    with app.app_context():
        assert db.session.get(Assessment, old_draft) is None
        assert db.session.get(Assessment, young_draft) is not None
        assert db.session.get(Assessment, history.assessment_id) is not None
        gone = db.session.get(Evidence, old_evidence)
        assert gone.file_path == "" and gone.status == EvidenceStatus.REJECTED
        assert gone.kind == EvidenceKind.FILE and gone.reason == "Ảnh mờ"
        assert db.session.get(Evidence, young_evidence).file_path
    assert not is_stored(app, old_file)
    assert is_stored(app, young_file)
    again = runner.invoke(args=["privacy", "purge"])
    assert "Deleted 0 drafts and 0 files." in again.output
