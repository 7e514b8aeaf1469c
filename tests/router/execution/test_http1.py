"""The router's HTTP/1.1 client against scripted servers on loopback (plain TCP and TLS).

Each server reads one request at a time and answers with the bytes its script gives for that
request, so the tests can send what well-behaved servers rarely do: chunked bodies, bodies
ended by closing, ``Connection: close``, garbage, silence.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from router.execution.http1 import Http1Client, HttpFetchError, Response, Target

OK_BODY = b'{"data":{"ok":true}}'
OK = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 20\r\n\r\n" + OK_BODY

# What a script returns for a request: the bytes to send, then whether to close afterwards;
# None means "never answer".
Answer = tuple[bytes, bool] | None


@dataclass
class Server:
    url: str
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)
    answered: asyncio.Event = field(default_factory=asyncio.Event)


async def _read_request(reader: asyncio.StreamReader) -> bytes | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return head + await reader.readexactly(length)


@asynccontextmanager
async def scripted(
    script: Callable[[int], Answer], tls: ssl.SSLContext | None = None
) -> AsyncIterator[Server]:
    """A server answering request number n (from 0, across connections) with ``script(n)``."""
    state = Server(url="")

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state.connections += 1
        try:
            while (request := await _read_request(reader)) is not None:
                answer = script(len(state.requests))
                state.requests.append(request)
                if answer is None:
                    await reader.read()  # silent until the client gives up
                    return
                data, close = answer
                writer.write(data)
                await writer.drain()
                state.answered.set()
                if close:
                    return
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    state.url = f"{'https' if tls else 'http'}://localhost:{port}/graphql"
    try:
        yield state
    finally:
        server.close()
        await server.wait_closed()


def _always(answer: Answer) -> Callable[[int], Answer]:
    return lambda _: answer


async def _post(
    client: Http1Client, server: Server, headers: dict[str, str] | None = None
) -> Response:
    return await client.post(Target.parse(server.url), b'{"query":"{ ok }"}', headers or {})


async def test_requests_reuse_one_keep_alive_connection_and_send_what_was_asked() -> None:
    async with scripted(_always((OK, False))) as server:
        client = Http1Client()
        try:
            for _ in range(3):
                response = await _post(client, server, {"authorization": "Bearer t"})
                assert (response.status, response.reason, response.body) == (200, "OK", OK_BODY)
        finally:
            await client.aclose()
    assert server.connections == 1
    first = server.requests[0]
    port = server.url.split(":")[2].split("/")[0]
    assert first.startswith(b"POST /graphql HTTP/1.1\r\nhost: localhost:" + port.encode())
    assert b"\r\nauthorization: Bearer t\r\n" in first
    assert first.endswith(b'content-length: 18\r\n\r\n{"query":"{ ok }"}')


async def test_a_chunked_body_is_reassembled() -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
        b'5\r\n{"dat\r\nf\r\na":{"ok":true}}\r\n0\r\n\r\n'
    )
    async with scripted(_always((chunked, False))) as server:
        client = Http1Client()
        try:
            assert (await _post(client, server)).body == OK_BODY
            assert (await _post(client, server)).body == OK_BODY
        finally:
            await client.aclose()
    assert server.connections == 1


async def test_a_body_without_length_ends_with_the_connection() -> None:
    unframed = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n" + OK_BODY
    async with scripted(_always((unframed, True))) as server:
        client = Http1Client()
        try:
            assert (await _post(client, server)).body == OK_BODY
            assert (await _post(client, server)).body == OK_BODY
        finally:
            await client.aclose()
    assert server.connections == 2


async def test_connection_close_and_http_1_0_answers_are_not_reused() -> None:
    close = OK.replace(b"content-length", b"connection: close\r\ncontent-length")
    http10 = OK.replace(b"HTTP/1.1", b"HTTP/1.0")
    answers = [close, http10, OK, OK]
    # The server keeps the connections open: the client alone decides not to reuse them.
    async with scripted(lambda n: (answers[n], False)) as server:
        client = Http1Client()
        try:
            for _ in answers:
                assert (await _post(client, server)).body == OK_BODY
        finally:
            await client.aclose()
    assert server.connections == 3  # close, 1.0, then one kept alive for the last two


async def test_an_idle_connection_past_the_keepalive_is_replaced_not_reused() -> None:
    async with scripted(_always((OK, False))) as server:
        client = Http1Client(keepalive_seconds=0)
        try:
            await _post(client, server)
            await _post(client, server)
        finally:
            await client.aclose()
    assert server.connections == 2


async def test_a_connection_the_server_closed_while_idle_is_replaced() -> None:
    async with scripted(lambda n: (OK, n == 0)) as server:
        client = Http1Client()
        try:
            await _post(client, server)
            # The server closed after answering; wait until the client has seen it.
            (idle,) = client._pools[Target.parse(server.url).origin].idle
            async with asyncio.timeout(5):
                await idle.lost.wait()
            assert (await _post(client, server)).body == OK_BODY
        finally:
            await client.aclose()
    assert server.connections == 2


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ((b'HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"data"', True), "before the response"),
        ((b"this is not HTTP\r\n\r\n", False), "malformed HTTP response"),
        ((b"", True), "before the response was complete"),
    ],
)
async def test_broken_answers_are_fetch_errors(answer: tuple[bytes, bool], message: str) -> None:
    async with scripted(_always(answer)) as server:
        client = Http1Client()
        try:
            with pytest.raises(HttpFetchError, match=message):
                await _post(client, server)
        finally:
            await client.aclose()


async def test_a_response_over_the_size_limit_is_refused() -> None:
    big = b"HTTP/1.1 200 OK\r\ncontent-length: 2000\r\n\r\n" + b"x" * 2000
    async with scripted(_always((big, False))) as server:
        client = Http1Client(max_response_bytes=1000)
        try:
            with pytest.raises(HttpFetchError, match="larger than 1000 bytes"):
                await _post(client, server)
        finally:
            await client.aclose()


async def test_a_timed_out_request_closes_its_connection_and_the_next_gets_a_fresh_one() -> None:
    answers: list[Answer] = [None, (OK, False)]
    async with scripted(lambda n: answers[n]) as server:
        client = Http1Client()
        try:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.2):
                    await _post(client, server)
            assert (await _post(client, server)).body == OK_BODY
        finally:
            await client.aclose()
    assert server.connections == 2


async def test_max_connections_bounds_concurrent_requests_to_one_origin() -> None:
    async with scripted(_always((OK, False))) as server:
        client = Http1Client(max_connections=1)
        try:
            results = await asyncio.gather(*(_post(client, server) for _ in range(5)))
        finally:
            await client.aclose()
    assert [r.body for r in results] == [OK_BODY] * 5
    assert server.connections == 1


async def test_refused_connections_and_header_injection_are_fetch_errors() -> None:
    client = Http1Client()
    try:
        with pytest.raises(HttpFetchError, match="cannot connect to 127.0.0.1:1"):
            await client.post(Target.parse("http://127.0.0.1:1/graphql"), b"{}", {})
        async with scripted(_always((OK, False))) as server:
            with pytest.raises(HttpFetchError, match="line breaks"):
                await _post(client, server, {"x-request-id": "a\r\nx-admin: yes"})
            with pytest.raises(HttpFetchError, match="Latin-1"):
                await _post(client, server, {"x-request-id": "\u2603"})
        assert server.requests == []
    finally:
        await client.aclose()


def test_targets_parse_host_port_path_and_query() -> None:
    target = Target.parse("https://sub.example.com/graphql?x=1")
    assert (target.scheme, target.host, target.port) == ("https", "sub.example.com", 443)
    assert (target.path, target.host_header) == (b"/graphql?x=1", b"sub.example.com")
    ipv6 = Target.parse("http://[::1]:4001")
    assert (ipv6.host, ipv6.port, ipv6.path, ipv6.host_header) == ("::1", 4001, b"/", b"[::1]:4001")
    with pytest.raises(ValueError, match="not an http"):
        Target.parse("ftp://example.com/")


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


async def test_https_subgraphs_are_verified_against_the_trusted_certificates(
    tmp_path: Path,
) -> None:
    cert_file, key_file = _self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert_file, key_file)
    async with scripted(_always((OK, False)), tls=server_tls) as server:
        trusting = Http1Client(ssl_context=ssl.create_default_context(cafile=str(cert_file)))
        default = Http1Client()
        try:
            assert (await _post(trusting, server)).body == OK_BODY
            assert (await _post(trusting, server)).body == OK_BODY
            with pytest.raises(HttpFetchError, match="CERTIFICATE_VERIFY_FAILED"):
                await _post(default, server)
        finally:
            await trusting.aclose()
            await default.aclose()
    assert server.requests and server.requests[0].startswith(b"POST /graphql HTTP/1.1")


async def test_a_request_in_flight_when_the_client_closes_closes_its_connection() -> None:
    received, answer, peer_closed = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        received.set()
        await answer.wait()
        writer.write(OK)
        await writer.drain()
        await reader.read()  # b"" once the client closes its end
        peer_closed.set()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = Http1Client()
    try:
        request = asyncio.ensure_future(
            client.post(Target.parse(f"http://127.0.0.1:{port}/graphql"), b"{}", {})
        )
        await received.wait()
        await client.aclose()  # the request is in flight: nothing idle to close yet
        answer.set()
        assert (await request).body == OK_BODY
        async with asyncio.timeout(5):
            await peer_closed.wait()  # the client closed the connection instead of keeping it
    finally:
        server.close()
        await server.wait_closed()
