"""VietQR payloads: the EMVCo merchant-presented QR that every Vietnamese banking app pays.

Pure Python (standard library only, no Flask, nothing of the portal), so that it is read,
tested and reused without an application: the payment-sign views and the tests call it.

The payload follows NAPAS's VietQR format for a transfer to an account through NAPAS 247:

====  =====================================  ===========================================
tag   content                                value
====  =====================================  ===========================================
00    payload format indicator               "01"
01    point of initiation                    "11" static (any amount), "12" fixed amount
38    merchant account information           00 GUID "A000000727" (NAPAS);
                                             01 beneficiary organisation: 00 BIN (6 digits),
                                             01 account number (up to 19 letters/digits);
                                             02 service code "QRIBFTTA" (to an account)
53    transaction currency                   "704" (VND)
54    transaction amount (optional)          whole dong, digits only
58    country code                           "VN"
62    additional data (optional)             08 purpose of transaction (up to 25 ASCII)
63    CRC                                    CRC-16/CCITT-FALSE of everything before it,
                                             "6304" included, as 4 upper-case hex digits
====  =====================================  ===========================================

Every data object is ID (2 digits), length (2 digits) and value; a value is 1 to 99
characters. Banking apps read the message as plain ASCII, so text people type in Vietnamese
is folded first (:func:`fold_ascii`).
"""

import re
import unicodedata
from dataclasses import dataclass

#: NAPAS's globally unique identifier in the VietQR merchant account template.
NAPAS_GUID = "A000000727"
#: Service code of a transfer to an account number (QRIBFTTC is to a card number).
SERVICE_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
COUNTRY_VN = "VN"
STATIC, FIXED_AMOUNT = "11", "12"

#: EMVCo's limits, which NAPAS keeps: the consumer id (account number) is up to 19
#: characters, the purpose of transaction up to 25, an amount up to 13.
ACCOUNT_MAX = 19
ACCOUNT_MIN = 6
MESSAGE_MAX = 25
AMOUNT_MAX = 9_999_999_999_999
#: Account names as banks show them: upper-case ASCII, at most this long.
NAME_MAX = 70

_BIN_RE = re.compile(r"[0-9]{6}")
_ACCOUNT_RE = re.compile(r"[A-Z0-9]+")
#: What people put inside an account number to read it better.
_ACCOUNT_SEPARATORS = re.compile(r"[\s.\-]")
#: A message keeps letters, digits and spaces: other signs are refused by some banks' apps.
_MESSAGE_DROP = re.compile(r"[^A-Za-z0-9 ]")
#: Names keep letters, digits, spaces and the signs company names use.
_NAME_DROP = re.compile(r"[^A-Z0-9 .,&()'/-]")
_SPACES = re.compile(r"\s+")
_D_LETTERS = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"})
_FIELD_ID = re.compile(r"[0-9]{2}")


class PayloadError(ValueError):
    """A value the payload cannot carry; ``field`` names it ("bin", "account", "amount",
    "message" or "payload" for a string that is not a VietQR code)."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.field = field
        self.detail = detail


# ------------------------------------------------------------------------------ text


def fold_ascii(text: str) -> str:
    """Return ``text`` in ASCII the way Vietnamese is written without diacritics.

    The rule: "đ" becomes "d" and "Đ" "D" (a letter of its own, not a d with a mark; the
    look-alike "Ð"/"ð" some keyboards give counts as the same); every other letter loses its
    marks (Unicode canonical decomposition, combining marks dropped: "Tiền hàng" →
    "Tien hang", "Ơ" → "O"); what is still not ASCII, and control characters, are dropped;
    runs of white space become one space, trimmed at both ends.
    """
    text = text.translate(_D_LETTERS)
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(
        c
        for c in decomposed
        if not unicodedata.combining(c) and c.isascii() and (c.isprintable() or c.isspace())
    )
    return _SPACES.sub(" ", kept).strip()


def clean_message(text: str) -> str:
    """Return the transfer message as it goes into the QR: folded to ASCII, signs other than
    letters, digits and spaces replaced by a space, spaces collapsed (may be longer than
    :data:`MESSAGE_MAX`; :func:`build_payload` refuses that)."""
    return _SPACES.sub(" ", _MESSAGE_DROP.sub(" ", fold_ascii(text))).strip()


def clean_account_number(text: str) -> str:
    """Return the account number without the spaces, dots and dashes people type, upper-case."""
    return _ACCOUNT_SEPARATORS.sub("", text).upper()


def clean_account_name(text: str) -> str:
    """Return the account holder's name as banks show it: folded to ASCII, upper-case, only
    letters, digits, spaces and . , & ( ) ' / - kept ("Nguyễn Thị Hoa" → "NGUYEN THI HOA")."""
    return _SPACES.sub(" ", _NAME_DROP.sub(" ", fold_ascii(text).upper())).strip()


def account_number_problem(account: str) -> str | None:
    """Return why a cleaned account number cannot be used, or None."""
    if not _ACCOUNT_RE.fullmatch(account):
        return "letters and digits only"
    if not ACCOUNT_MIN <= len(account) <= ACCOUNT_MAX:
        return f"{ACCOUNT_MIN} to {ACCOUNT_MAX} characters"
    return None


# ------------------------------------------------------------------------------- CRC


def crc16_ccitt_false(data: bytes) -> int:
    """Return the CRC-16/CCITT-FALSE of ``data`` (polynomial 0x1021, initial 0xFFFF, no
    reflection, no final XOR; "123456789" gives 0x29B1)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def _crc_of(text: str) -> str:
    return f"{crc16_ccitt_false(text.encode('ascii')):04X}"


# ------------------------------------------------------------------------- TLV codec


def tlv(field_id: str, value: str) -> str:
    """Return one data object: ID, two-digit length, value (1 to 99 ASCII characters)."""
    if not _FIELD_ID.fullmatch(field_id):
        raise ValueError(f"bad field id {field_id!r}")
    if not value or len(value) > 99 or not value.isascii():
        raise ValueError(f"field {field_id}: value must be 1 to 99 ASCII characters")
    return f"{field_id}{len(value):02d}{value}"


def split_tlv(text: str) -> list[tuple[str, str]]:
    """Split data objects into (id, value) pairs in their order; ValueError if malformed."""
    fields = []
    at = 0
    while at < len(text):
        head = text[at : at + 4]
        if len(head) < 4 or not (head.isascii() and head.isdigit()):
            raise ValueError(f"malformed data object at {at}")
        length = int(head[2:])
        value = text[at + 4 : at + 4 + length]
        if length == 0 or len(value) != length:
            raise ValueError(f"data object {head[:2]} at {at} is cut short")
        fields.append((head[:2], value))
        at += 4 + length
    return fields


# ---------------------------------------------------------------------------- payload


@dataclass(frozen=True)
class VietQR:
    """What a VietQR transfer code says: to which account, and optionally how much and why."""

    bin: str
    account: str
    amount: int | None = None
    message: str = ""
    service: str = SERVICE_TO_ACCOUNT

    @property
    def point_of_initiation(self) -> str:
        return FIXED_AMOUNT if self.amount is not None else STATIC


def build_payload(bin: str, account: str, amount: int | None = None, message: str = "") -> str:
    """Return the VietQR payload for a transfer to ``account`` at the bank ``bin``.

    ``account`` and ``message`` are cleaned first (:func:`clean_account_number`,
    :func:`clean_message`); :class:`PayloadError` names what is still out of bounds.
    """
    if not isinstance(bin, str) or not _BIN_RE.fullmatch(bin):
        raise PayloadError("bin", "a bank BIN is 6 digits")
    account = clean_account_number(account)
    if problem := account_number_problem(account):
        raise PayloadError("account", problem)
    if amount is not None and (
        isinstance(amount, bool) or not isinstance(amount, int) or not 1 <= amount <= AMOUNT_MAX
    ):
        raise PayloadError("amount", f"a whole number of dong from 1 to {AMOUNT_MAX}")
    message = clean_message(message)
    if len(message) > MESSAGE_MAX:
        raise PayloadError("message", f"at most {MESSAGE_MAX} characters without diacritics")
    return encode(VietQR(bin=bin, account=account, amount=amount, message=message))


def encode(qr: VietQR) -> str:
    """Return the payload of ``qr``, whose values are already clean."""
    beneficiary = tlv("00", qr.bin) + tlv("01", qr.account)
    account_info = tlv("00", NAPAS_GUID) + tlv("01", beneficiary) + tlv("02", qr.service)
    parts = [
        tlv("00", "01"),
        tlv("01", qr.point_of_initiation),
        tlv("38", account_info),
        tlv("53", CURRENCY_VND),
    ]
    if qr.amount is not None:
        parts.append(tlv("54", str(qr.amount)))
    parts.append(tlv("58", COUNTRY_VN))
    if qr.message:
        parts.append(tlv("62", tlv("08", qr.message)))
    body = "".join(parts) + "6304"
    return body + _crc_of(body)


def parse_payload(payload: str) -> VietQR:
    """Read a VietQR transfer payload back; :class:`PayloadError` ("payload") if it is not
    one: bad CRC, malformed data objects, another scheme, currency or country."""

    def fail(detail: str) -> PayloadError:
        return PayloadError("payload", detail)

    if not payload.isascii() or len(payload) < 8 or payload[-8:-4] != "6304":
        raise fail("no CRC at the end")
    if _crc_of(payload[:-4]) != payload[-4:].upper():
        raise fail("the CRC does not match")
    try:
        root = dict(split_tlv(payload[:-8]))
        account_info = dict(split_tlv(root["38"]))
        beneficiary = dict(split_tlv(account_info["01"]))
        extra = dict(split_tlv(root["62"])) if "62" in root else {}
        bin, account = beneficiary["00"], beneficiary["01"]
    except (KeyError, ValueError) as error:
        raise fail(f"not a VietQR transfer code ({error})") from None
    if root.get("00") != "01" or account_info.get("00") != NAPAS_GUID:
        raise fail("not a VietQR code")
    if root.get("53") != CURRENCY_VND or root.get("58") != COUNTRY_VN:
        raise fail("not in VND for Vietnam")
    amount = root.get("54")
    if amount is not None and not amount.isdigit():
        raise fail("the amount is not a whole number of dong")
    return VietQR(
        bin=bin,
        account=account,
        amount=int(amount) if amount is not None else None,
        message=extra.get("08", ""),
        service=account_info.get("02", ""),
    )
