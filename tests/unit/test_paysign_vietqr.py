"""VietQR payloads: CRC vectors, published codes read back and rebuilt, the ASCII folding rule,
the limits, and every payload checked by vietnam-qr-pay (an independent decoder, run with
Node) and read back from the QR image by zxing-cpp."""

import ast
import io
import json
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from portal.paysign import vietqr
from portal.paysign.banks import load_banks
from portal.paysign.render import qr_code

JS = Path(__file__).resolve().parents[1] / "js"

#: Published in vietnam-qr-pay's README: a static code of ACB account 257678859, and the same
#: account asking for 10,000 VND with the message "Chuyen tien".
PUBLISHED_STATIC = (
    "00020101021138530010A0000007270123000697041601092576788590208QRIBFTTA53037045802VN6304AE9F"
)
PUBLISHED_AMOUNT = (
    "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA"
    "53037045405100005802VN62150811Chuyen tien630453E6"
)

#: Vietnamese letters with their marks (lower case; upper case is checked too).
VIETNAMESE = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"


# ------------------------------------------------------------------------------- CRC


@pytest.mark.parametrize(
    ("data", "crc"),
    [
        (b"123456789", 0x29B1),  # the catalogue's check value of CRC-16/CCITT-FALSE
        (b"", 0xFFFF),
        (b"A", 0xB915),
        (PUBLISHED_STATIC[:-4].encode(), 0xAE9F),
        (PUBLISHED_AMOUNT[:-4].encode(), 0x53E6),
    ],
)
def test_crc16_ccitt_false_known_values(data, crc):
    assert vietqr.crc16_ccitt_false(data) == crc


# ------------------------------------------------------------------- published codes


def test_published_codes_read_back_and_rebuild_to_the_same_string():
    static = vietqr.parse_payload(PUBLISHED_STATIC)
    assert static == vietqr.VietQR(bin="970416", account="257678859")
    assert vietqr.build_payload(static.bin, static.account) == PUBLISHED_STATIC

    fixed = vietqr.parse_payload(PUBLISHED_AMOUNT)
    assert (fixed.amount, fixed.message, fixed.point_of_initiation) == (10000, "Chuyen tien", "12")
    assert vietqr.build_payload("970416", "257678859", 10000, "Chuyen tien") == PUBLISHED_AMOUNT


def test_payload_fields_in_order():
    payload = vietqr.build_payload("970436", "0011 0023-4567", 1_500_000, "Tiền hàng")
    fields = vietqr.split_tlv(payload[:-8])
    assert [f for f, _v in fields] == ["00", "01", "38", "53", "54", "58", "62"]
    values = dict(fields)
    assert values["01"] == "12"
    assert vietqr.split_tlv(values["38"]) == [
        ("00", "A000000727"),
        ("01", "0006970436" + "0112001100234567"),
        ("02", "QRIBFTTA"),
    ]
    assert (values["53"], values["54"], values["58"]) == ("704", "1500000", "VN")
    assert values["62"] == "0809Tien hang"
    assert payload[-8:-4] == "6304"


@pytest.mark.parametrize(
    "payload",
    [
        PUBLISHED_STATIC[:-1] + "0",  # CRC changed
        PUBLISHED_STATIC.replace("257678859", "257678858"),  # account changed, CRC not
        "hello",
        "",
        "00020101021163040000",
    ],
)
def test_a_damaged_or_foreign_code_is_refused(payload):
    with pytest.raises(vietqr.PayloadError):
        vietqr.parse_payload(payload)


# ---------------------------------------------------------------------- text folding


def test_every_vietnamese_letter_folds_to_its_latin_letter():
    for letter in VIETNAMESE + VIETNAMESE.upper():
        folded = vietqr.fold_ascii(letter)
        assert len(folded) == 1 and folded.isascii() and folded.isalpha(), letter
    assert vietqr.fold_ascii("Đường Đông Đô") == "Duong Dong Do"
    # Decomposed input (as some phones send it) folds the same way as composed input.
    assert vietqr.fold_ascii(unicodedata.normalize("NFD", "Nguyễn Thị Hoà")) == "Nguyen Thi Hoa"
    assert vietqr.fold_ascii("Ðặng") == "Dang"  # the look-alike eth


def test_message_keeps_letters_digits_and_spaces():
    assert vietqr.clean_message("  Trả tiền hàng #12,   cảm ơn! ") == "Tra tien hang 12 cam on"
    assert vietqr.clean_message("🙂 ¥€") == ""


def test_account_name_is_upper_case_without_diacritics():
    assert vietqr.clean_account_name("nguyễn  thị hoà") == "NGUYEN THI HOA"
    assert vietqr.clean_account_name("Cty TNHH Hoa Sen & Co.") == "CTY TNHH HOA SEN & CO."


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"bin": "97043"}, "bin"),
        ({"bin": "９７０４３６"}, "bin"),  # full-width digits are not a BIN
        ({"account": "12345"}, "account"),
        ({"account": "1" * 20}, "account"),
        ({"account": "0011_0023"}, "account"),
        ({"amount": 0}, "amount"),
        ({"amount": 10**13}, "amount"),
        ({"amount": True}, "amount"),
        ({"message": "Thanh toán tiền hàng tháng mười hai"}, "message"),
    ],
)
def test_values_the_code_cannot_carry_are_refused(kwargs, field):
    values = {"bin": "970436", "account": "0011002345", "amount": None, "message": ""} | kwargs
    with pytest.raises(vietqr.PayloadError) as caught:
        vietqr.build_payload(**values)
    assert caught.value.field == field


def test_the_limits_themselves_are_accepted():
    payload = vietqr.build_payload("970436", "A" * 19, vietqr.AMOUNT_MAX, "x" * 25)
    assert vietqr.parse_payload(payload).account == "A" * 19


def test_the_builder_imports_nothing_but_the_standard_library():
    for module in ("vietqr.py", "banks.py"):
        tree = ast.parse((Path(vietqr.__file__).parent / module).read_text(encoding="utf-8"))
        imported = {
            (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        assert "flask" not in imported and "flask_babel" not in imported, module


# ------------------------------------------------------------------ generated values

BANKS = load_banks()
ACCOUNT_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MESSAGE_CHARS = (
    VIETNAMESE + VIETNAMESE.upper() + "0123456789 .,!?#-/:()&'\"\t" + "bcfghjklmnpqrstvwxz"
)


def _example(draw) -> tuple[str, str, int | None, str]:
    bank = draw(st.sampled_from(BANKS))
    account = draw(st.text(ACCOUNT_CHARS, min_size=vietqr.ACCOUNT_MIN, max_size=19))
    amount = draw(st.none() | st.integers(1, vietqr.AMOUNT_MAX) | st.integers(1000, 2_000_000))
    message = draw(st.text(MESSAGE_CHARS, max_size=40))
    cleaned = vietqr.clean_message(message)
    if len(cleaned) > vietqr.MESSAGE_MAX:
        message = cleaned[: vietqr.MESSAGE_MAX]
    return bank.bin, account, amount, message


examples = st.composite(_example)


@settings(max_examples=300, deadline=None, database=None)
@given(examples())
def test_payloads_read_back_to_what_was_given(example):
    bin, account, amount, message = example
    qr = vietqr.parse_payload(vietqr.build_payload(bin, account, amount, message))
    assert qr == vietqr.VietQR(bin, account, amount, vietqr.clean_message(message))
    assert qr.point_of_initiation == ("12" if amount is not None else "11")


class NodeDecoder:
    """vietnam-qr-pay in one Node process, one payload per line in, one JSON object out."""

    def __init__(self) -> None:
        node = shutil.which("node")
        if node is None or not (JS / "node_modules" / "vietnam-qr-pay").is_dir():
            pytest.fail("vietnam-qr-pay is not installed: run scripts/bootstrap.sh --test")
        self.process = subprocess.Popen(
            [node, str(JS / "decode.js")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def decode(self, payload: str) -> dict:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(payload + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.close()
        self.process.wait(timeout=10)
        self.process.stdout.close()


@pytest.fixture(scope="module")
def node_decoder():
    decoder = NodeDecoder()
    yield decoder
    decoder.close()


def test_the_independent_decoder_reads_the_published_codes(node_decoder):
    decoded = node_decoder.decode(PUBLISHED_AMOUNT)
    assert decoded["isValid"] and decoded["rebuilt"] == PUBLISHED_AMOUNT
    assert not node_decoder.decode(PUBLISHED_STATIC[:-1] + "0")["isValid"]


@settings(max_examples=400, deadline=None, database=None)
@given(examples())
def test_the_independent_decoder_reads_every_payload(node_decoder, example):
    bin, account, amount, message = example
    payload = vietqr.build_payload(bin, account, amount, message)
    decoded = node_decoder.decode(payload)
    expected_message = vietqr.clean_message(message)
    assert decoded == {
        "isValid": True,
        "version": "01",
        "initMethod": "12" if amount is not None else "11",
        "provider": "VIETQR",
        "guid": "A000000727",
        "service": "QRIBFTTA",
        "bankBin": bin,
        "bankNumber": account,
        "currency": "704",
        "amount": str(amount) if amount is not None else None,
        "nation": "VN",
        "purpose": expected_message or None,
        "crc": payload[-4:],
        # Its own encoder, given what it read, writes the very same string, CRC included.
        "rebuilt": payload,
    }


def _read_qr_image(payload: str) -> list[str]:
    buffer = io.BytesIO()
    qr_code(payload).save(buffer, kind="png", scale=4, border=4)
    image = Image.open(io.BytesIO(buffer.getvalue()))
    return [result.text for result in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize("payload", [PUBLISHED_STATIC, PUBLISHED_AMOUNT])
def test_the_qr_image_of_a_published_code_reads_back(payload):
    assert _read_qr_image(payload) == [payload]


@settings(max_examples=40, deadline=None, database=None)
@given(examples())
def test_the_qr_image_reads_back_to_the_payload(example):
    payload = vietqr.build_payload(*example)
    assert _read_qr_image(payload) == [payload]
