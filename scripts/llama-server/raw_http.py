#!/usr/bin/env python3
"""Send one or more HTTP/1.1 requests on ONE TCP connection and record the exact
bytes the server sends back (status line, headers, chunked framing, body).

usage: raw_http.py HOST PORT OUTPREFIX  METHOD PATH BODYFILE|-  [METHOD PATH BODYFILE|- ...]

For request i (1-based) it writes:
  OUTPREFIX.<i>.request.raw   the exact request bytes sent
  OUTPREFIX.<i>.response.raw  the exact response bytes received (wire format,
                              chunked transfer-encoding NOT removed)
and OUTPREFIX.log: a log of every recv() (time offset, size), how each response
was framed, and what happened to the connection (EOF / reset / kept open).

Only the standard library is used.  Connects to 127.0.0.1 only.
"""
import socket
import sys
import time


def main():
    host, port, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    args = sys.argv[4:]
    assert host in ("127.0.0.1", "localhost")
    reqs = [args[i:i + 3] for i in range(0, len(args), 3)]
    log = open(prefix + ".log", "w")
    t0 = time.monotonic()

    def L(msg):
        line = f"[{(time.monotonic() - t0) * 1000:9.1f} ms] {msg}"
        print(line)
        log.write(line + "\n")
        log.flush()

    s = socket.create_connection((host, port), timeout=30)
    L(f"connected {s.getsockname()} -> {s.getpeername()}")
    buf = b""
    closed = False

    def recv_more():
        nonlocal buf, closed
        try:
            d = s.recv(65536)
        except ConnectionResetError as e:
            L(f"recv: connection reset ({e})")
            closed = True
            return False
        except socket.timeout:
            L("recv: timeout")
            return False
        if not d:
            L("recv: EOF (server closed the connection)")
            closed = True
            return False
        L(f"recv {len(d)} bytes")
        buf += d
        return True

    for i, (method, path, bodyfile) in enumerate(reqs, 1):
        body = b"" if bodyfile == "-" else open(bodyfile, "rb").read()
        head = (f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"User-Agent: raw_http.py\r\nAccept: */*\r\n")
        if method != "GET":
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        raw_req = head.encode() + b"\r\n" + body
        open(f"{prefix}.{i}.request.raw", "wb").write(raw_req)
        if closed:
            L(f"request {i}: connection already closed by server; not sent")
            break
        try:
            s.sendall(raw_req)
            L(f"request {i}: sent {method} {path} ({len(raw_req)} bytes)")
        except (BrokenPipeError, ConnectionResetError) as e:
            L(f"request {i}: send failed: {e!r}")
            break
        start = len(buf)
        # read headers
        while b"\r\n\r\n" not in buf[start:]:
            if not recv_more():
                break
        if b"\r\n\r\n" not in buf[start:]:
            L(f"request {i}: no complete response head received")
            open(f"{prefix}.{i}.response.raw", "wb").write(buf[start:])
            break
        hend = buf.index(b"\r\n\r\n", start) + 4
        headers = buf[start:hend].decode("latin-1").split("\r\n")
        L(f"request {i}: status line: {headers[0]!r}")
        hdr = {}
        for h in headers[1:]:
            if ":" in h:
                k, v = h.split(":", 1)
                hdr[k.strip().lower()] = v.strip()
        end = None
        if "content-length" in hdr:
            n = int(hdr["content-length"])
            L(f"request {i}: framing Content-Length {n}")
            while len(buf) < hend + n and recv_more():
                pass
            end = hend + n
        elif "chunked" in hdr.get("transfer-encoding", ""):
            L(f"request {i}: framing chunked")
            pos = hend
            while True:
                while b"\r\n" not in buf[pos:]:
                    if not recv_more():
                        break
                if b"\r\n" not in buf[pos:]:
                    break
                le = buf.index(b"\r\n", pos)
                size = int(buf[pos:le].split(b";")[0], 16)
                need = le + 2 + size + 2
                while len(buf) < need and recv_more():
                    pass
                pos = need
                if size == 0:
                    # (no trailers expected) terminal chunk consumed
                    end = pos
                    L(f"request {i}: terminal 0-chunk received")
                    break
                if closed:
                    break
        else:
            L(f"request {i}: framing: read until close")
            while recv_more():
                pass
            end = len(buf)
        if end is None:
            end = len(buf)
        open(f"{prefix}.{i}.response.raw", "wb").write(buf[start:end])
        L(f"request {i}: response {end - start} bytes; Connection: {hdr.get('connection')!r}; Keep-Alive: {hdr.get('keep-alive')!r}")
        buf = buf[:end]
        if closed:
            break

    # after the last response: does the server close the socket?
    if not closed:
        s.settimeout(7.0)  # cpp-httplib keep-alive timeout is 5 s
        L("waiting up to 7 s for the server to close the idle connection...")
        if recv_more():
            L(f"unexpected extra bytes after last response: {buf[-200:]!r}")
        if closed:
            L("=> server closed the idle connection")
        else:
            L("=> connection still open after 7 s")
    s.close()


if __name__ == "__main__":
    main()
