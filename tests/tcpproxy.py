#!/usr/bin/env python3
"""tests/tcpproxy.py - a loopback TCP proxy that a test controls.

    python3 tests/tcpproxy.py UPSTREAM_PORT [--upstream-host 127.0.0.1]
                              [--timeout SECONDS]

Listens on 127.0.0.1 on a free port, prints that port on stdout (one line,
flushed), and forwards every connection to the upstream (loopback only).

With --cut-on TEXT the proxy cuts by itself: the first time a client sends
bytes containing TEXT (backslash escapes allowed: 'COMMIT\0' is the
simple-query message of a COMMIT, not BEGIN ... READ COMMITTED), it forwards them to the upstream, stops
relaying anything back, waits --cut-delay milliseconds (default 300: the
server has answered by then) and cuts every connection. The client never
learns whether its COMMIT succeeded: the ambiguous-commit case.

Control, by signal:
  SIGUSR1  cut: drop every current connection abruptly, both sides, with a
           TCP reset (SO_LINGER 0), the way a broken network or a killed
           load balancer looks to a client. New connections are accepted
           as before.
  SIGUSR2  toggle refusing: while on, a new connection is reset at once.
  SIGTERM  exit.

It exits by itself after --timeout seconds (default 300) or as soon as the
process that started it is gone, so a failing test never leaves it behind.
Every event is logged on stderr with a count.
"""
import argparse
import asyncio
import os
import signal
import socket
import struct
import sys
import time

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def log(msg):
    print("tcpproxy: " + msg, file=sys.stderr, flush=True)


def reset(writer):
    """Close a stream with a TCP reset instead of an orderly FIN."""
    sock = writer.get_extra_info("socket")
    try:
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    writer.transport.abort()


class Proxy:
    def __init__(self, host, port, cut_on=None, cut_delay=0.3):
        self.host, self.port = host, port
        self.cut_on, self.cut_delay = cut_on, cut_delay
        self.frozen = False  # --cut-on matched: relay nothing back
        self.conns = set()  # (client writer, upstream writer)
        self.refusing = False
        self.accepted = 0
        self.cuts = 0

    async def pipe(self, reader, writer, pair, upstream):
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                if not upstream and self.frozen:
                    continue  # swallowed: the client never sees it
                writer.write(data)
                await writer.drain()
                if upstream and self.cut_on and not self.frozen and self.cut_on in data:
                    self.frozen = True
                    log("matched %r: cutting in %g ms" % (self.cut_on, self.cut_delay * 1000))
                    asyncio.get_running_loop().call_later(self.cut_delay, self.cut)
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        finally:
            # one side ended: end the other (a cut already aborted both)
            if pair in self.conns:
                self.conns.discard(pair)
                for w in pair:
                    try:
                        w.close()
                    except Exception:  # noqa: BLE001 - closing best effort
                        pass

    async def handle(self, creader, cwriter):
        self.accepted += 1
        if self.refusing:
            reset(cwriter)
            return
        try:
            ureader, uwriter = await asyncio.open_connection(self.host, self.port)
        except OSError as e:
            log("upstream connect failed: %s" % e)
            reset(cwriter)
            return
        for w in (cwriter, uwriter):
            sock = w.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pair = (cwriter, uwriter)
        self.conns.add(pair)
        await asyncio.gather(self.pipe(creader, uwriter, pair, True),
                             self.pipe(ureader, cwriter, pair, False))

    def cut(self):
        n = len(self.conns)
        for pair in list(self.conns):
            self.conns.discard(pair)
            for w in pair:
                reset(w)
        self.cuts += 1
        log("cut %d connection(s) (cut #%d, %d accepted so far)" % (n, self.cuts, self.accepted))

    def toggle_refuse(self):
        self.refusing = not self.refusing
        log("refusing new connections: %s" % self.refusing)


async def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("upstream_port", type=int)
    ap.add_argument("--upstream-host", default="127.0.0.1")
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--cut-on", default=None,
                    help="cut once the client sends this text (backslash escapes: 'COMMIT\\0')")
    ap.add_argument("--cut-delay", type=float, default=300.0, help="milliseconds")
    args = ap.parse_args()
    if args.upstream_host not in LOOPBACK:
        sys.exit("tcpproxy: upstream must be on loopback")
    if not 0 < args.timeout <= 3600:
        sys.exit("tcpproxy: --timeout must be in (0, 3600]")

    proxy = Proxy(args.upstream_host, args.upstream_port,
                  args.cut_on.encode().decode("unicode_escape").encode("latin-1")
                  if args.cut_on else None, args.cut_delay / 1000.0)
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, proxy.cut)
    loop.add_signal_handler(signal.SIGUSR2, proxy.toggle_refuse)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)

    parent = os.getppid()
    deadline = time.monotonic() + args.timeout
    while not stop.is_set():
        if time.monotonic() > deadline:
            log("timeout after %gs" % args.timeout)
            break
        if os.getppid() != parent:
            log("parent gone")
            break
        try:
            await asyncio.wait_for(stop.wait(), 0.2)
        except asyncio.TimeoutError:
            pass
    server.close()
    for pair in list(proxy.conns):
        for w in pair:
            reset(w)
    log("exit: %d accepted, %d cut(s)" % (proxy.accepted, proxy.cuts))


if __name__ == "__main__":
    asyncio.run(main())
