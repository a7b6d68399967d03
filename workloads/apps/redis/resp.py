#!/usr/bin/env python3
"""A minimal Redis client over a unix socket (RESP2), for the redis app.

    resp.py SOCKET write N    SET key:I to a value of I, then INCR counter,
                              for I = 1..N; after each reply prints
                              "ack key:I" (flushed): what Redis answered
                              its client; then SHUTDOWN.
    resp.py SOCKET dump       every key and its value, sorted, one
                              "KEY=VALUE" a line (the view of a state).
    resp.py SOCKET shutdown   SHUTDOWN NOSAVE.

Exit status: 0 done; 1 the server refused or went away; 2 usage error.
"""
import socket
import sys
import time


class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _read(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b":"):
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                chunk = self.s.recv(65536)
                if not chunk:
                    raise ConnectionError("the server closed the connection")
                self.buf += chunk
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data.decode()
        if kind == b"*":
            return [self._read() for _ in range(int(rest))]
        raise RuntimeError(f"unexpected reply {line!r}")

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.s.sendall(out)
        return self._read()


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    path, verb = sys.argv[1], sys.argv[2]
    try:
        c = Conn(path)
        if verb == "write" and len(sys.argv) == 4:
            for i in range(1, int(sys.argv[3]) + 1):
                c.call("SET", f"key:{i}", f"value {i} " + "x" * (i * 37 % 300))
                c.call("INCR", "counter")
                print(f"ack key:{i}", flush=True)
            try:
                c.call("SHUTDOWN")
            except ConnectionError:
                pass
        elif verb == "dump":
            # The socket answers before the data set is loaded ("-LOADING"):
            # ask again until the server has loaded it.
            for _ in range(1000):
                try:
                    keys = c.call("KEYS", "*")
                    break
                except RuntimeError as e:
                    if not str(e).startswith("LOADING"):
                        raise
                    time.sleep(0.01)
            else:
                raise RuntimeError("still loading after 10 s")
            for k in sorted(keys):
                print(f"{k}={c.call('GET', k)}")
        elif verb == "shutdown":
            try:
                c.call("SHUTDOWN", "NOSAVE")
            except ConnectionError:
                pass
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (OSError, RuntimeError) as e:
        print(f"resp.py: {verb} on {path}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
