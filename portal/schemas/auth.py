"""Input of the sign-in, enrolment and account forms."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from portal.schemas import InputSchema

# Far above the 128 characters a password may have, so a pasted password that is merely
# long is checked, while a megabyte of text is refused before any hashing.
LONGEST_INPUT = 1024
TOO_LONG = "This is longer than any password can be (at most 128 characters)."
# The longest address mail can carry (RFC 5321's path limit less its angle brackets).
LONGEST_EMAIL = 254


def _secret_field() -> fields.String:
    return fields.String(
        required=True,
        validate=[
            validate.Length(min=1, error="Enter your password."),
            validate.Length(max=LONGEST_INPUT, error=TOO_LONG),
        ],
        error_messages={"required": "Enter your password."},
    )


def _code_field() -> fields.String:
    return fields.String(
        required=True,
        validate=validate.Regexp(
            r"^\s*[0-9]{3}\s?[0-9]{3}\s*$",
            error="Enter the 6-digit code from your authenticator app.",
        ),
        error_messages={"required": "Enter the 6-digit code from your authenticator app."},
    )


class LoginSchema(InputSchema):
    email = fields.String(
        required=True,
        validate=validate.Length(min=1, max=LONGEST_EMAIL, error="Enter your email address."),
        error_messages={"required": "Enter your email address."},
    )
    password = _secret_field()


class CodeSchema(InputSchema):
    code = _code_field()


class RecoveryCodeSchema(InputSchema):
    code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64, error="Enter one of your recovery codes."),
        error_messages={"required": "Enter one of your recovery codes."},
    )


class NewPasswordSchema(InputSchema):
    password = _secret_field()
    confirm_password = fields.String(required=True, error_messages={"required": "Repeat it."})

    @validates_schema
    def passwords_match(self, data, **kwargs):
        """Refuse two different entries of the new password."""
        if data.get("password") != data.get("confirm_password"):
            raise ValidationError("The two passwords differ.", "confirm_password")


class PasswordChangeSchema(NewPasswordSchema):
    current_password = _secret_field()


class ReauthenticationSchema(InputSchema):
    password = _secret_field()
    code = _code_field()


class DigestPreferenceSchema(InputSchema):
    """Whether the daily digest is mailed: the account page's switch."""

    digests = fields.Boolean(
        required=True,
        truthy={"on"},
        falsy={"off"},
        error_messages={
            "required": "Say whether to send the daily digest.",
            "invalid": "Choose on or off.",
        },
    )
