"""Sending webhooks: which addresses may be called, the signature, and one POST.

An address is called only over HTTPS (plain HTTP to the machine itself outside
production, for trials) and, in production, only at public addresses: the name is
resolved, every address checked, and the connection made to the address checked, so a
name that resolves elsewhere a moment later (DNS rebinding) reaches nothing private.
Redirects are not followed; a receiver that has not answered in full within
``TIMEOUT_SECONDS`` is cut off.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import os
import socket
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

TIMEOUT_SECONDS = 5
# The most of an answer read (and then dropped): its status is what counts.
LONGEST_ANSWER = 64 * 1024
SIGNATURE_HEADER = "X-IISG-Signature"
_NONCE_BYTES = 12


class AddressRefused(ValueError):
    """An address a webhook may not call, with the reason."""


@dataclass(frozen=True)
class Answer:
    """What a delivery attempt got: the status code, or why there was none."""

    status: int | None
    error: str = ""

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def new_secret() -> str:
    """Return a fresh signing secret, as shown once to the administrator."""
    return "whsec_" + os.urandom(32).hex()


def _bound_to(tenant_id: int) -> bytes:
    # A secret copied onto another organisation's webhook does not decrypt there.
    return f"iisg:webhook:tenant:{tenant_id}".encode()


def seal_secret(key: bytes, tenant_id: int, secret: str) -> bytes:
    """Encrypt a webhook's secret with AES-GCM under ``key``, bound to its organisation."""
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, secret.encode("ascii"), _bound_to(tenant_id))


def open_secret(key: bytes, tenant_id: int, stored: bytes) -> str:
    """Decrypt a secret sealed by ``seal_secret`` for the same organisation, or raise."""
    try:
        return (
            AESGCM(key)
            .decrypt(stored[:_NONCE_BYTES], stored[_NONCE_BYTES:], _bound_to(tenant_id))
            .decode("ascii")
        )
    except InvalidTag:
        raise ValueError("the webhook's secret does not decrypt with this key") from None


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Return the signature header's value: ``t=<unix time>,v1=<HMAC-SHA256 hex>``.

    The signed string is the timestamp, a dot, and the body as sent, so that a receiver
    can refuse a replayed delivery by its age.
    """
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def check_url(url: str, *, production: bool) -> None:
    """Refuse an address no webhook may have (its form; names are resolved when sending)."""
    if not url.isascii() or any(character in url for character in " \t\r\n"):
        raise AddressRefused(
            "must be written in ASCII without spaces (international names in punycode,"
            " other characters %-escaped)"
        )
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:
        raise AddressRefused("is not a valid address") from None
    if parts.scheme not in ("https", "http") or not hostname:
        raise AddressRefused("must be an https:// address")
    if parts.username or parts.password:
        raise AddressRefused("must not carry a user name or password")
    if parts.scheme == "http" and (production or not _names_this_machine(parts.hostname)):
        raise AddressRefused(
            "must be an https:// address (plain http only to this machine, outside production)"
        )
    try:
        parts.port  # noqa: B018 - a malformed port raises here
    except ValueError:
        raise AddressRefused("has a port that is not a number from 0 to 65535") from None
    try:
        literal = ipaddress.ip_address(hostname)
    except ValueError:
        return
    if production and not _public(literal):
        raise AddressRefused("is not a public address")


def _public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Return whether ``ip`` is public, looking through IPv6 forms that carry an IPv4 one."""
    if isinstance(ip, ipaddress.IPv6Address):
        carried = ip.ipv4_mapped or ip.sixtofour
        if carried is None and ip in _NAT64:
            carried = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if carried is None and int(ip) >> 32 == 0:  # IPv4-compatible (::a.b.c.d)
            carried = ipaddress.IPv4Address(int(ip))
        if carried is not None:
            return carried.is_global
    return ip.is_global


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _names_this_machine(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve(url: str, *, production: bool) -> str:
    """Return the address to connect to for ``url``, refusing private ones in production."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise AddressRefused("its name does not resolve") from None
    addresses = [info[4][0] for info in found]
    for address in addresses:
        if production and not _public(ipaddress.ip_address(address.split("%")[0])):
            # Which address is not said: the answer must not map the internal network.
            raise AddressRefused("resolves to an address that is not public")
    return addresses[0]


class _Pinned:
    """Connect to the checked address, speaking to the host the URL names."""

    def __init__(self, address: str):
        self.address = address

    def connect(self, connection: http.client.HTTPConnection) -> None:
        connection.sock = socket.create_connection(
            (self.address, connection.port), connection.timeout
        )
        if isinstance(connection, http.client.HTTPSConnection):
            context = ssl.create_default_context()
            connection.sock = context.wrap_socket(connection.sock, server_hostname=connection.host)


def post(url: str, body: bytes, headers: dict[str, str], *, production: bool) -> Answer:
    """POST ``body`` to ``url`` once; never raise: the answer says what happened."""
    try:
        check_url(url, production=production)
        address = resolve(url, production=production)
    except AddressRefused as refused:
        return Answer(None, f"address refused: {refused}")
    parts = urlsplit(url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = kind(parts.hostname, parts.port, timeout=TIMEOUT_SECONDS)
    pinned = _Pinned(address)
    connection.connect = lambda: pinned.connect(connection)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    # Each read waits TIMEOUT_SECONDS at most; the whole exchange too: a receiver that
    # answers a byte at a time is cut off by closing its connection under it.
    was_cut = threading.Event()
    cut_off = threading.Timer(TIMEOUT_SECONDS, _cut, (connection, was_cut))
    cut_off.start()
    try:
        connection.request("POST", path, body=body, headers=headers)
        answer = connection.getresponse()
        answer.read(LONGEST_ANSWER)
        # A redirect is an answer like any other that is not a success: not followed.
        return Answer(answer.status, "" if 200 <= answer.status < 300 else answer.reason)
    except (OSError, http.client.HTTPException, ValueError) as error:
        if was_cut.is_set() or isinstance(error, TimeoutError):
            return Answer(None, f"no complete answer within {TIMEOUT_SECONDS} s")
        return Answer(None, f"{type(error).__name__}: {error}"[:500])
    finally:
        cut_off.cancel()
        connection.close()


def _cut(connection: http.client.HTTPConnection, was_cut: threading.Event) -> None:
    was_cut.set()
    if connection.sock is not None:
        try:
            connection.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
