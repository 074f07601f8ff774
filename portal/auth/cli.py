"""The first national administrator: ``flask create-admin``, interactive or for automation."""

import os

import click
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask.cli import with_appcontext
from flask_babel import force_locale

from portal.auth.models import Role, User
from portal.auth.operations import change_password, create_user
from portal.auth.passwords import password_problem
from portal.extensions import db

#: Set all three to create the account without questions (deployment scripts, containers).
ENV_EMAIL = "PORTAL_ADMIN_EMAIL"
ENV_NAME = "PORTAL_ADMIN_NAME"
ENV_PASSWORD = "PORTAL_ADMIN_PASSWORD"


def _email(text: str) -> str:
    try:
        # Stored lower-case, as registration stores it and sign-in looks it up.
        return validate_email(text.strip().lower(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="e-mail") from None


def _weakness(password: str, name: str, email: str) -> str | None:
    problem = password_problem(password, [name, email])
    if problem is None:
        return None
    with force_locale("en"):
        return str(problem)


def _ask_password(name: str, email: str) -> str:
    while True:
        password = click.prompt("Password", hide_input=True, confirmation_prompt="Password again")
        problem = _weakness(password, name, email)
        if problem is None:
            return password
        click.echo(problem, err=True)


@click.command("create-admin")
@click.option(
    "--reset-password",
    is_flag=True,
    help="If the administrator exists, give it a new password (every session of it ends).",
)
@with_appcontext
def create_admin(reset_password: bool) -> None:
    """Create a national administrator; asks, or reads PORTAL_ADMIN_EMAIL/_NAME/_PASSWORD.

    Safe to run again: an existing account is left as it is (unless --reset-password).
    """
    automated = bool(os.environ.get(ENV_EMAIL))
    email = _email(os.environ[ENV_EMAIL] if automated else click.prompt("E-mail"))
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is not None:
        if user.role != Role.ADMIN:
            raise click.ClickException(
                f"{email} is an existing account with the role {user.role.value}: "
                "nothing changed (use another e-mail for the administrator)"
            )
        if not reset_password:
            click.echo(f"The administrator {email} already exists: nothing changed.")
            return
        password = _password(automated, user.name, email)
        change_password(user, password)
        db.session.commit()
        click.echo(f"New password set for {email}; its sessions have ended.")
        return

    name = (os.environ.get(ENV_NAME) or "").strip() if automated else click.prompt("Full name")
    name = name.strip()
    if not name:
        raise click.ClickException(f"a name is needed: set {ENV_NAME}")
    password = _password(automated, name, email)
    # Not consented: the privacy notice is shown to the administrator at the first sign-in.
    create_user(name=name[:120], email=email, password=password, role=Role.ADMIN)
    db.session.commit()
    click.echo(f"National administrator {email} created.")


def _password(automated: bool, name: str, email: str) -> str:
    if not automated:
        return _ask_password(name, email)
    password = os.environ.get(ENV_PASSWORD) or ""
    if not password:
        raise click.ClickException(f"a password is needed: set {ENV_PASSWORD}")
    problem = _weakness(password, name, email)
    if problem:
        raise click.ClickException(f"{ENV_PASSWORD} is too weak: {problem}")
    return password
