"""An SMTP server (aiosmtpd) that offers AUTH without STARTTLS, as a server whose STARTTLS offer was stripped would,
and writes every credential it is sent to a file: the test reads it to prove that no password crossed in clear.

usage: plaintext_auth_smtp.py PORT MAILDIR SEEN_FILE
"""
import asyncio
import sys

from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP, AuthResult

port, maildir, seen = int(sys.argv[1]), sys.argv[2], sys.argv[3]


def authenticator(server, session, envelope, mechanism, auth_data):
    with open(seen, "a", encoding="utf-8") as f:
        f.write(f"{mechanism} {auth_data!r}\n")
    return AuthResult(success=True)


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.run_until_complete(loop.create_server(
    lambda: SMTP(Mailbox(maildir), auth_require_tls=False, authenticator=authenticator), "127.0.0.1", port))
loop.run_forever()
