"""Request bodies are capped, refused before they are read, and input is echoed back bounded."""

from __future__ import annotations

import io

import pytest

from tests.conftest import csrf_token

# Ten times the default cap: far too much to be read before being refused.
HUGE = 20 * 1024 * 1024


class CountedBody(io.RawIOBase):
    """A request body of ``size`` bytes made up as it is read, counting what was read."""

    def __init__(self, size: int):
        self.size = size
        self.position = 0
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        # The test client measures the body by seeking to its end and back.
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.position = self.size + offset if whence == io.SEEK_END else offset
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self.size - self.position)
        buffer[:count] = b"a" * count
        self.position += count
        self.bytes_read += count
        return count


def post_huge_body(client, accept: str):
    body = CountedBody(HUGE)
    response = client.post(
        "/auth/login",
        input_stream=body,
        content_type="application/x-www-form-urlencoded",
        headers={"Accept": accept},
    )
    return response, body


def test_an_oversized_body_is_refused_as_a_page_without_being_read(client):
    response, body = post_huge_body(client, "text/html")

    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert "at most 2 MiB" in response.get_data(as_text=True)
    assert body.bytes_read == 0


def test_an_oversized_body_is_refused_in_json_without_being_read(client):
    response, body = post_huge_body(client, "application/json")

    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "request_too_large"
    assert "at most 2 MiB" in error["message"]
    assert error["fields"] == {}
    assert body.bytes_read == 0


def test_the_cap_is_the_configured_one(make_app):
    app = make_app(MAX_CONTENT_LENGTH=64 * 1024)
    client = app.test_client()
    token = csrf_token(client, "/auth/login")

    refused = client.post(
        "/auth/login", data={"email": "x" * 70_000, "password": "p", "csrf_token": token}
    )
    accepted = client.post(
        "/auth/login", data={"email": "x" * 60_000, "password": "p", "csrf_token": token}
    )

    assert refused.status_code == 413
    assert "at most 64 KiB" in refused.get_data(as_text=True)
    assert accepted.status_code == 422


@pytest.mark.parametrize("length", [255, 100_000])
def test_the_sign_in_form_echoes_at_most_the_longest_address(client, length):
    token = csrf_token(client, "/auth/login")

    response = client.post(
        "/auth/login", data={"email": "e" * length, "password": "p", "csrf_token": token}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "e" * 254 in page
    assert "e" * 255 not in page


def test_form_fields_echo_at_most_a_thousand_characters(app):
    template = app.jinja_env.from_string(
        '{% from "macros.html" import input %}{{ input("name", "Name", value=value) }}'
    )
    with app.test_request_context():
        page = template.render(value="n" * 100_000)

    assert 'value="' + "n" * 1000 + '"' in page
