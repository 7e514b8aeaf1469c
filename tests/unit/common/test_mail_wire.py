"""``to_bytes`` (the fast path SMTP sends) says what ``to_message`` says."""

from email import message_from_bytes
from email.message import Message

import pytest

from common.mail import POLICY, Mail, to_bytes, to_message

SENDER = "Realio <no-reply@realio.local>"
LINK = "https://realio.example/links/notifications/unsubscribe/" + "a" * 300
CASES = [
    Mail(to="ada@example.com", subject="Your code", text="Code: 123456"),
    Mail(
        to="ada@example.com",
        subject="Price drop: Café près de la gare — 415 000 €",
        text="Now 415 000 €, down from 440 000 €.\nLine two.\n",
        html="<p>Now <b>415 000 €</b></p>",
        headers=(
            ("List-Unsubscribe", f"<{LINK}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ),
    ),
    Mail(to="Zoë Ünal <zoe@example.com>", subject="Hi", text="x" * 2000 + "\nend"),
]


def _parts(message: Message) -> dict[str, str]:
    found = {}
    for part in message.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            charset = part.get_content_charset() or "utf-8"
            found[part.get_content_type()] = payload.decode(charset).replace("\r\n", "\n")
    return found


@pytest.mark.parametrize("mail", CASES)
def test_the_wire_bytes_carry_the_same_headers_and_bodies(mail: Mail) -> None:
    fast = message_from_bytes(to_bytes(SENDER, mail), policy=POLICY)
    slow = message_from_bytes(to_message(SENDER, mail).as_bytes(policy=POLICY), policy=POLICY)
    for name in ("From", "To", "Subject", "List-Unsubscribe", "List-Unsubscribe-Post"):
        assert str(fast[name]) == str(slow[name]), name
    assert fast.get_content_type() == slow.get_content_type()
    assert _parts(fast) == _parts(slow)


def test_every_wire_line_ends_in_crlf_and_fits_smtp() -> None:
    raw = to_bytes(SENDER, CASES[1])
    lines = raw.split(b"\r\n")
    assert b"\n" not in b"".join(lines)
    assert max(len(line) for line in lines) <= 998
    assert f"List-Unsubscribe: <{LINK}>".encode() in lines  # one plain line, not folded


def test_a_header_with_a_line_break_is_refused() -> None:
    with pytest.raises(ValueError, match="linefeed"):
        to_bytes(SENDER, Mail(to="ada@example.com", subject="Hi\r\nBcc: x@y", text="."))
