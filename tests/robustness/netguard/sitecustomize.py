"""Network guard, imported by every Python process started with this folder on PYTHONPATH.

Any attempt to reach a non-loopback address (socket connect/connect_ex/sendto, or a DNS
lookup of a name other than localhost) is refused with an OSError and recorded, with its
stack, as one JSON line in $TALKIE_NET_GUARD_LOG. Loopback and Unix sockets are allowed:
the ComfyUI server and its test client talk over 127.0.0.1."""
import ipaddress
import json
import os
import socket
import traceback

_LOG = os.environ.get("TALKIE_NET_GUARD_LOG")
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", ""}


def _is_local(host) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    host = str(host).strip("[]").lower()
    if host in _LOCAL_NAMES:
        return True
    try:
        ip = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return ip.is_loopback or ip.is_unspecified


def _refuse(what, address):
    entry = {"pid": os.getpid(), "call": what, "address": repr(address), "stack": traceback.format_stack()[:-2]}
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")
    raise OSError(f"network guard: {what} to {address!r} refused (Talkie must not reach the network)")


def _check(sock, what, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple) and address \
            and not _is_local(address[0]):
        _refuse(what, address)


_connect, _connect_ex, _sendto = socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto
_getaddrinfo = socket.getaddrinfo


def connect(self, address):
    _check(self, "connect", address)
    return _connect(self, address)


def connect_ex(self, address):
    _check(self, "connect_ex", address)
    return _connect_ex(self, address)


def sendto(self, data, *args):
    if args:
        _check(self, "sendto", args[-1])
    return _sendto(self, data, *args)


def getaddrinfo(host, *args, **kwargs):
    if not _is_local(host):
        _refuse("getaddrinfo", host)
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
socket.socket.sendto = sendto
socket.getaddrinfo = getaddrinfo
os.environ["TALKIE_NET_GUARD_ACTIVE"] = "1"
if _LOG:  # proof that the guard is installed in this process (read by test_no_network.py)
    with open(_LOG + ".loaded", "a", encoding="utf-8") as _fh:
        _fh.write(f"{os.getpid()}\n")
