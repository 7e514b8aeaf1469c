from common.mail import Mail, SmtpMailer
from tests.support.servers import smtp_server


async def test_smtp_adapter_delivers_a_real_message_to_a_local_smtp_server() -> None:
    async with smtp_server() as (url, sink):
        mailer = SmtpMailer(url, "Realio <no-reply@realio.local>")
        await mailer.send(Mail(to="ada@example.com", subject="Your code", text="Code: 123456"))
        [message] = await sink.wait_for("ada@example.com")
    assert message["Subject"] == "Your code"
    assert message["From"] == "Realio <no-reply@realio.local>"
    assert "Code: 123456" in message.get_payload()
