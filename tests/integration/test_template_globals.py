"""A page shows what its view passed: no template global or context processor reads the
database.

Feature blueprints used to register globals (the owner's training panel, the class alert
notices, the assessment progress, the province funnel) that made pages query data their view
never mentioned. What is left app-wide are names (enums, label modules) and formatting, each
listed here with the reason it may stay; a new one must be added here, and must not query.
"""

from flask_login import login_user

from portal.auth.models import User
from portal.devtools.querycount import count_queries
from portal.extensions import db

#: Every template global the app may define, and why (none of them queries).
ALLOWED_GLOBALS = {
    **dict.fromkeys(("cycler", "dict", "joiner", "lipsum", "namespace", "range"), "Jinja's own"),
    **dict.fromkeys(
        ("config", "g", "request", "session", "url_for", "get_flashed_messages"), "Flask's own"
    ),
    **dict.fromkeys(("_", "gettext", "ngettext", "pgettext", "npgettext"), "Flask-Babel"),
    **dict.fromkeys(("csrf_token", "csrf_meta_tag"), "Flask-WTF"),
    "can": "portal.permissions: a rule on the user and an object the view passed",
    "topic_label": "training.alert_views: a course topic's name, from the rules file",
}

#: Every name the context processors put in every template, and why (none of them queries).
ALLOWED_CONTEXT = {
    **dict.fromkeys(("g", "request", "session"), "Flask's own"),
    "current_user": "Flask-Login (the user, loaded once per request by the login itself)",
    **dict.fromkeys(("csrf_token", "csrf_meta_tag"), "Flask-WTF"),
    **dict.fromkeys(("labels", "lang", "current_path"), "portal.templating"),
    "main_menu": "portal.templating: the menu of a role, kept per role and language",
    **dict.fromkeys(("training_labels", "EnrolmentState"), "training: label module, enum"),
    **dict.fromkeys(("PaymentStatus", "stripe_js_url"), "billing: an enum, a setting"),
    **dict.fromkeys(("onboarding_labels", "EvidenceStatus"), "onboarding: label module, enum"),
}

#: Sample arguments for the portal's own callable globals (called under a statement counter).
SAMPLE_CALLS = {"topic_label": ("ecommerce",)}


def test_no_template_global_beyond_the_allowed_list(app):
    extra = set(app.jinja_env.globals) - set(ALLOWED_GLOBALS)
    assert not extra, f"template globals that are not in ALLOWED_GLOBALS: {sorted(extra)}"


def _signed_in_request(app, user_id: int):
    """A request of a signed-in owner, the user already loaded (as any page has it)."""
    ctx = app.test_request_context("/dashboard")
    ctx.push()
    login_user(db.session.get(User, user_id))
    return ctx


def test_context_processors_add_only_allowed_names_and_run_no_statement(
    app, make_user, make_business
):
    owner = make_user()
    make_business(owner=owner)
    with app.app_context():
        ctx = _signed_in_request(app, owner.id)
        try:
            with count_queries(db.engine) as counter:
                context = _context_of(app)
        finally:
            ctx.pop()
    extra = set(context) - set(ALLOWED_CONTEXT)
    assert not extra, f"context processor names not in ALLOWED_CONTEXT: {sorted(extra)}"
    assert counter.statements == []


def test_the_portals_own_globals_run_no_statement(app, make_user, make_business):
    owner = make_user()
    make_business(owner=owner)
    own = {
        name: value
        for name, value in app.jinja_env.globals.items()
        if callable(value) and getattr(value, "__module__", "").startswith("portal.")
    }
    assert set(own) - {"can"} <= set(SAMPLE_CALLS), "give each new global a sample call"
    with app.app_context():
        ctx = _signed_in_request(app, owner.id)
        try:
            with count_queries(db.engine) as counter:
                for name, args in SAMPLE_CALLS.items():
                    own[name](*args)
        finally:
            ctx.pop()
    assert counter.statements == []


def test_a_bare_page_with_every_name_runs_no_statement(app, make_user):
    """Render a template naming every global and context name: nothing reaches the database."""
    owner = make_user()
    source = "".join(
        f"{{{{ {name} is defined }}}}" for name in {*ALLOWED_GLOBALS, *ALLOWED_CONTEXT}
    )
    with app.app_context():
        ctx = _signed_in_request(app, owner.id)
        try:
            with count_queries(db.engine) as counter:
                page = app.jinja_env.from_string(source).render(**_context_of(app))
        finally:
            ctx.pop()
    assert "False" not in page
    assert counter.statements == []


def _context_of(app) -> dict:
    """What render_template adds: the app's processors, and every blueprint's own (a page of
    any blueprint runs them)."""
    context: dict = {}
    app.update_template_context(context)
    for blueprint in app.blueprints:
        for processor in app.template_context_processors.get(blueprint, []):
            context.update(processor())
    return context
