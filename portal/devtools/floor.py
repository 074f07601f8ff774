"""The fixed choices' floor: the question page and the autosave with nothing of the portal's own.

The HTTP benchmark serves these two apps under the same gunicorn settings as the portal and the
hello-world (``gunicorn -c scripts/gunicorn.conf.py "portal.devtools.floor:create_app('core')"``)
to show how close the portal can come to the hello-world at all with Flask, SQLAlchemy,
Flask-WTF's CSRF protection, Flask-Babel and Jinja:

- ``orm``: the account loaded by Flask-Login with the ORM (``session.get``), the assessment with
  its business by an ORM select, the answer saved by changing the mapped object;
- ``core``: no login extension (the account id in Flask's signed session, checked with a Core
  select), Core statements built once, the answer saved with one UPDATE.

Both render the real first page of questions of the household questionnaire, in Vietnamese, in
a plain page (header, language form, questions, buttons, footer), check the CSRF token of a
POST and normalize the answer with the questionnaire's own rule, on the same database engine as
the portal (tables of their own, ``floor_*``), reading the assessment only within the account's
province. Nothing else: no permission or consent check, audit log, rate limit, request log,
security headers or menu. The portal does those on every request as well, so the floors tell
how near to the hello-world any page of the same stack can come.

``prepare(url, owners)`` creates the tables and one owner with an assessment per connection,
before gunicorn starts; ``GET /sign-in/<k>`` signs in owner ``k`` (the benchmark's own way in:
this app is only ever served by the benchmark, on a loopback port).
"""

import os
from typing import Any

import sqlalchemy as sa
from flask import Flask, abort, jsonify, render_template, request, session
from flask_babel import Babel
from flask_login import LoginManager, UserMixin, current_user, login_user
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from jinja2 import DictLoader
from sqlalchemy.orm import DeclarativeBase, Mapped, joinedload, mapped_column, relationship

from assessments import Questionnaire, load_all
from assessments.model import Question
from portal.config import ROOT
from portal.locking import locked

URL_VARIABLE = "FLOOR_DATABASE_URL"


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class FloorUser(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "floor_users"
    id: Mapped[int] = mapped_column(primary_key=True)
    province_code: Mapped[int]
    session_version: Mapped[int] = mapped_column(default=1)


class FloorBusiness(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "floor_businesses"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("floor_users.id"))


class FloorAssessment(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "floor_assessments"
    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("floor_businesses.id"))
    province_code: Mapped[int]
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    business: Mapped[FloorBusiness] = relationship()


PAGE = """<!doctype html>
<html lang="vi">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{{ dimension.title.get("vi") }} · {{ _("Digital Business Portal") }}</title>
  <link rel="stylesheet" href="{{ url_for('static', filename='css/app.css') }}">
</head>
<body>
  <header><a href="/">{{ _("Digital Business Portal") }}</a>
    <form method="post" action="/language"><input type="hidden" name="csrf_token"
      value="{{ csrf_token() }}"><button type="submit" lang="en">English</button></form>
  </header>
  <main id="main">
    <p>{{ business_name }} · {{ questionnaire.title.get("vi") }}</p>
    <p>{{ _("Page %(num)d of %(total)d", num=1, total=pages) }}</p>
    <h1>{{ dimension.title.get("vi") }}</h1>
    <form method="post" action="{{ request.path }}" data-saved-text="{{ _('Saved') }}">
      <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
      {% for q in dimension.questions %}
        {% if q.type == "number" %}
          <div class="field question"><label for="q-{{ q.id }}">{{ q.text.get("vi") }}</label>
            <input type="text" id="q-{{ q.id }}" name="{{ q.id }}"
                   value="{{ answers.get(q.id, '') }}" inputmode="decimal"></div>
        {% else %}
          {% set v = answers.get(q.id) %}
          {% set chosen = v if v is sequence and v is not string else [v] %}
          <fieldset class="question"><legend>{{ q.text.get("vi") }}</legend>
          {% for option in q.options %}
            <label class="check choice">
              <input type="{{ 'checkbox' if q.type == 'multi' else 'radio' }}"
                     name="{{ q.id }}" value="{{ option.id }}"
                     {% if option.id in chosen %}checked{% endif %}>
              <span>{{ option.label.get("vi") }}</span></label>
          {% endfor %}
          </fieldset>
        {% endif %}
      {% endfor %}
      <button type="submit" name="action" value="next">{{ _("Next") }}</button>
      <button type="submit" name="action" value="later">{{ _("Save and finish later") }}</button>
    </form>
  </main>
  <footer><p><a href="/privacy">{{ _("Privacy notice") }}</a></p></footer>
</body>
</html>
"""


def _questionnaire() -> Questionnaire:
    return load_all().for_audience("household")


def prepare(url: str, owners: int, province: int = 22) -> None:
    """Create the floor's tables (afresh) and ``owners`` owners, each with an assessment."""
    app = _base_app(url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        ids = range(1, owners + 1)
        users = [{"id": k, "province_code": province} for k in ids]
        businesses = [{"id": k, "name": f"Hộ kinh doanh thử {k}", "owner_id": k} for k in ids]
        assessments = [{"id": k, "business_id": k, "province_code": province} for k in ids]
        # In this order, for the foreign keys.
        db.session.execute(sa.insert(FloorUser), users)
        db.session.execute(sa.insert(FloorBusiness), businesses)
        db.session.execute(sa.insert(FloorAssessment), assessments)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _base_app(url: str | None = None) -> Flask:
    url = url or os.environ[URL_VARIABLE]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    app = Flask(__name__, static_folder=os.path.join(ROOT, "static"))
    app.config.update(
        SECRET_KEY=os.environ.get("SECRET_KEY") or os.urandom(32).hex(),
        SQLALCHEMY_DATABASE_URI=url,
    )
    app.jinja_loader = DictLoader({"step.html": PAGE})
    db.init_app(app)
    if url.startswith("sqlite"):
        # As the portal's SQLite connections are set up: WAL, and waiting for the write lock.
        with app.app_context():
            sa.event.listen(db.engine, "connect", _sqlite_pragmas)
    CSRFProtect(app)
    Babel(
        app,
        locale_selector=lambda: "vi",
        default_translation_directories=os.path.join(ROOT, "translations"),
    )
    return app


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _sent(questionnaire: Questionnaire) -> tuple[Question, Any]:
    """Return the question the autosave names and its answer, normalized as the portal does."""
    sent = request.get_json(silent=True)
    if not isinstance(sent, dict):
        abort(422)
    try:
        question = questionnaire.question(str(sent.get("question")))
        return question, question.normalize(sent.get("value"), "vi")
    except (KeyError, ValueError):
        abort(422)


def create_app(kind: str = "core") -> Flask:
    """Return the floor app: ``core`` or ``orm`` (see the module's docstring)."""
    app = _base_app()
    questionnaire = _questionnaire()
    dimension = questionnaire.dimensions[0]
    page = {"questionnaire": questionnaire, "dimension": dimension}
    page["pages"] = len(questionnaire.dimensions)
    if kind == "orm":
        _orm_routes(app, page)
    elif kind == "core":
        _core_routes(app, page)
    else:
        raise ValueError(kind)
    return app


def _orm_routes(app: Flask, page: dict[str, Any]) -> None:
    questionnaire = page["questionnaire"]
    login = LoginManager(app)

    def load_user(user_id: str) -> FloorUser | None:
        user = db.session.get(FloorUser, int(user_id))
        return user if user is not None and user.session_version == 1 else None

    login.user_loader(load_user)  # by a call: Flask-Login's decorators are untyped

    def province() -> int:
        if not current_user.is_authenticated:  # what login_required checks
            abort(401)
        return int(current_user.province_code)

    @app.get("/sign-in/<int:k>")
    def sign_in(k: int) -> str:
        login_user(db.session.get(FloorUser, k) or abort(404))
        return "signed in"

    def draft(assessment_id: int) -> FloorAssessment:
        found = db.session.scalars(
            sa.select(FloorAssessment)
            .options(joinedload(FloorAssessment.business))
            .where(
                FloorAssessment.id == assessment_id,
                FloorAssessment.province_code == province(),
            )
        ).first()
        return found or abort(404)

    @app.get("/assessments/<int:assessment_id>/step/1")
    def step(assessment_id: int) -> str:
        assessment = draft(assessment_id)
        return render_template(
            "step.html", business_name=assessment.business.name, answers=assessment.answers, **page
        )

    @app.post("/assessments/<int:assessment_id>/autosave")
    def autosave(assessment_id: int) -> Any:
        question, value = _sent(questionnaire)
        mine = db.session.scalars(
            locked(
                sa.select(FloorAssessment).where(
                    FloorAssessment.id == assessment_id,
                    FloorAssessment.province_code == province(),
                )
            )
        ).first()
        if mine is None:
            abort(404)
        mine.answers = dict(mine.answers) | {question.id: value}
        db.session.commit()
        return jsonify(saved=True)


def _core_routes(app: Flask, page: dict[str, Any]) -> None:
    questionnaire = page["questionnaire"]
    users, businesses = FloorUser.__table__, FloorBusiness.__table__
    assessments = FloorAssessment.__table__
    account = sa.select(users.c.province_code, users.c.session_version).where(
        users.c.id == sa.bindparam("user")
    )
    mine = (assessments.c.id == sa.bindparam("assessment")) & (
        assessments.c.province_code == sa.bindparam("province")
    )
    shown = (
        sa.select(assessments.c.answers, businesses.c.name)
        .join(businesses, businesses.c.id == assessments.c.business_id)
        .where(mine)
    )
    held = locked(sa.select(assessments.c.answers).where(mine))
    save = (
        sa.update(assessments)
        .where(assessments.c.id == sa.bindparam("assessment"))
        .values(answers=sa.bindparam("answers", type_=sa.JSON))
    )

    def province() -> int:
        row = db.session.execute(account, {"user": session.get("user", 0)}).first()
        if row is None or row.session_version != 1:
            abort(401)
        return int(row.province_code)

    @app.get("/sign-in/<int:k>")
    def sign_in(k: int) -> str:
        session["user"] = k
        return "signed in"

    @app.get("/assessments/<int:assessment_id>/step/1")
    def step(assessment_id: int) -> str:
        where = {"assessment": assessment_id, "province": province()}
        row = db.session.execute(shown, where).first() or abort(404)
        return render_template("step.html", business_name=row.name, answers=row.answers, **page)

    @app.post("/assessments/<int:assessment_id>/autosave")
    def autosave(assessment_id: int) -> Any:
        question, value = _sent(questionnaire)
        where = {"assessment": assessment_id, "province": province()}
        row = db.session.execute(held, where).first() or abort(404)
        answers = dict(row.answers) | {question.id: value}
        db.session.execute(save, {"assessment": assessment_id, "answers": answers})
        db.session.commit()
        return jsonify(saved=True)
