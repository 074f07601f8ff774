"""Sending mail: every message of the portal goes through send_mail."""

from flask_mailman import EmailMessage


def one_line(text: str) -> str:
    """Return ``text`` on one line, its runs of white space (line breaks too) made one space."""
    return " ".join(str(text).split())


def send_mail(subject: str, body: str, to: list[str]) -> None:
    """Send a plain-text message.

    The subject is a mail header, and a line break in one makes sending fail, usually after the
    change the message reports was saved: a course title with a line break, say. It is put on
    one line here, once for every message.
    """
    EmailMessage(subject=one_line(subject), body=body, to=to).send()
