"""Messages over a Unix socket: one JSON document per frame (8-byte length, then the bytes).

The grader's side never trusts the other end: every read has a deadline and a size cap, and a closed or
garbled connection is an error, never a hang. File descriptors travel with a frame (SCM_RIGHTS), which is
how a sandboxed process hands the grader a private connection to a fresh test process."""

from __future__ import annotations

import json
import os
import select
import socket
import struct
import time

MAX_FRAME = 64 * 1024 * 1024
MAX_KEYS = 64  # keys of one JSON object: the protocol's own objects are small (plain data sends dicts as pairs)
_HEADER = struct.Struct(">Q")


class ChannelClosed(ConnectionError):
    """The other end closed the connection (or died)."""


class ChannelTimeout(TimeoutError):
    """No complete frame arrived before the deadline."""


class FrameTooLarge(ValueError):
    """A message larger than the frame limit: never sent (the sender decides what that means)."""


def _small_object(pairs: list) -> dict:
    """A JSON object with few keys: a dict built from many keys whose hashes collide takes quadratic time."""
    if len(pairs) > MAX_KEYS:
        raise ValueError(f"a JSON object with more than {MAX_KEYS} keys")
    return dict(pairs)


class Channel:
    def __init__(self, sock: socket.socket, max_frame: int = MAX_FRAME):
        self.sock = sock
        self.max_frame = max_frame
        self._fds: list[int] = []

    # -------------------------------------------------------------- writing
    def send(self, message: dict, fds: list[int] | None = None) -> None:
        body = json.dumps(message, ensure_ascii=True, allow_nan=True).encode()
        if len(body) > self.max_frame:  # checked before anything is written: the other end stays in step
            raise FrameTooLarge(f"a message of {len(body)} bytes is larger than the limit of {self.max_frame}")
        frame = _HEADER.pack(len(body)) + body
        if fds:
            socket.send_fds(self.sock, [frame[:_HEADER.size]], fds)
            self.sock.sendall(frame[_HEADER.size:])
        else:
            self.sock.sendall(frame)

    # -------------------------------------------------------------- reading
    def receive(self, timeout: float | None = None) -> dict:
        """The next message, or ChannelTimeout / ChannelClosed / ValueError (a garbled frame)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        (length,) = _HEADER.unpack(self._read(_HEADER.size, deadline))
        if length > self.max_frame:
            raise ValueError(f"a message of {length} bytes is larger than the limit of {self.max_frame}")
        body = self._read(length, deadline)
        try:
            message = json.loads(body, object_pairs_hook=_small_object)
        except (ValueError, RecursionError) as error:
            raise ValueError(f"not a valid message ({type(error).__name__})") from None
        if not isinstance(message, dict):
            raise ValueError("not a valid message")
        return message

    def take_fds(self) -> list[int]:
        """File descriptors that arrived with the frames read so far."""
        fds, self._fds = self._fds, []
        return fds

    def _read(self, n: int, deadline: float | None) -> bytes:
        chunks, got = [], 0
        while got < n:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                    raise ChannelTimeout("no answer in time")
            data, fds, _, _ = socket.recv_fds(self.sock, min(n - got, 1 << 20), 8)
            if fds:
                self._fds.extend(fds)
            if not data:
                raise ChannelClosed("the connection closed")
            chunks.append(data)
            got += len(data)
        return b"".join(chunks)

    def close(self) -> None:
        for fd in self.take_fds():
            try:
                os.close(fd)
            except OSError:
                pass
        self.sock.close()
