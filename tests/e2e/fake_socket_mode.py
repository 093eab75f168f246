"""A local stand-in for Slack's Socket Mode WebSocket server.

The fake Web API answers `apps.connections.open` with this server's `ws://` URL; slack_sdk's
built-in client connects over plain TCP to any port but 443. Tests push envelopes (events,
slash commands, interactions) to the connected app and wait for its acknowledgements.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
import time
from typing import Any

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_TEXT, _CLOSE, _PING, _PONG = 0x1, 0x8, 0x9, 0xA


class FakeSocketMode:
    """Accepts the app's WebSockets, sends envelopes on the newest, records the JSON it sends
    back; `stall()` makes the current connection go silent, as a dropped one does."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._connection: socket.socket | None = None
        self._stalled: set[socket.socket] = set()
        self._changed = threading.Condition()
        self._send_lock = threading.Lock()
        threading.Thread(target=self._accept_each, daemon=True).start()

    @property
    def url(self) -> str:
        """What `apps.connections.open` should answer with."""
        return f"ws://127.0.0.1:{self._listener.getsockname()[1]}/link/?ticket=test"

    def close(self) -> None:
        self._listener.close()
        if self._connection is not None:
            self._connection.close()

    def wait_connected(self, timeout: float = 30.0, count: int = 1) -> bool:
        """Wait until the app has opened `count` WebSockets in all."""
        return self._wait(lambda: self.connections >= count, timeout)

    def stall(self) -> None:
        """Stop reading the current connection and answering its pings, without closing it
        (what a dropped TCP connection or a hung server looks like to the app)."""
        with self._changed:
            if self._connection is not None:
                self._stalled.add(self._connection)

    def send(self, envelope: dict[str, Any]) -> None:
        """Push one envelope to the app, as Slack does."""
        assert self._connection is not None, "the app is not connected"
        self._send_frame(self._connection, _TEXT, json.dumps(envelope).encode())

    def ack_for(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any] | None:
        """The app's acknowledgement of an envelope, or None if none came in time."""
        self._wait(lambda: self._find(envelope_id) is not None, timeout)
        return self._find(envelope_id)

    def _find(self, envelope_id: str) -> dict[str, Any] | None:
        return next((m for m in self.received if m.get("envelope_id") == envelope_id), None)

    def _wait(self, ready: Any, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not ready() and time.monotonic() < deadline:
                self._changed.wait(timeout=0.05)
            return bool(ready())

    def _accept_each(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = connection.recv(4096)
            if not chunk:  # the app gave up before the handshake
                connection.close()
                return
            request += chunk
        headers = dict(
            line.split(": ", 1) for line in request.decode().split("\r\n")[1:] if ": " in line
        )
        key = headers["Sec-WebSocket-Key"].strip()
        accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
        connection.sendall(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode()
        )
        with self._changed:
            self._connection = connection
            self.connections += 1
            self._changed.notify_all()
        self.send({"type": "hello", "num_connections": 1})
        self._read(connection)

    def _read(self, connection: socket.socket) -> None:
        reader = connection.makefile("rb")
        while True:
            head = reader.read(2)
            if len(head) < 2:
                return
            opcode, length = head[0] & 0x0F, head[1] & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", reader.read(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", reader.read(8))
            mask = reader.read(4) if head[1] & 0x80 else b"\0\0\0\0"
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(reader.read(length)))
            if connection in self._stalled:
                continue  # silent: no pong, no acknowledgement seen
            if opcode == _PING:
                self._send_frame(connection, _PONG, data)
            elif opcode == _CLOSE:
                return
            elif opcode == _TEXT:
                with self._changed:
                    self.received.append(json.loads(data))
                    self._changed.notify_all()

    def _send_frame(self, connection: socket.socket, opcode: int, data: bytes) -> None:
        if len(data) < 126:
            head = struct.pack("!BB", 0x80 | opcode, len(data))
        elif len(data) < 1 << 16:
            head = struct.pack("!BBH", 0x80 | opcode, 126, len(data))
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 127, len(data))
        with self._send_lock:
            connection.sendall(head + data)
