"""Outgoing mail through the SMTP server named by IISG_SMTP_URL, when there is one."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy.engine import make_url

TIMEOUT_SECONDS = 15


def send(recipient: str, subject: str, body: str) -> bool:
    """Send a plain-text message; return False when no SMTP server is configured."""
    url = current_app.config.get("SMTP_URL")
    if not url:
        return False
    server = make_url(url)
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = recipient
    message["Subject"] = subject
    message.set_content(body)
    secure = server.drivername == "smtps"
    connection_class = smtplib.SMTP_SSL if secure else smtplib.SMTP
    port = server.port or (465 if secure else 25)
    with connection_class(server.host, port, timeout=TIMEOUT_SECONDS) as connection:
        if not secure:
            connection.ehlo()
            # Upgrade to TLS whenever the server offers it.
            if connection.has_extn("starttls"):
                connection.starttls()
                connection.ehlo()
        if server.username:
            connection.login(server.username, server.password or "")
        connection.send_message(message)
    return True
