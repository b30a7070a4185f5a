#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A few GDB remote-protocol queries against QEMU's gdbstub, for
test-gdbstub-sysregs-tcg.sh (no gdb needed).

usage: gdb-rsp.py SOCKET
For every thread (vCPU): select it (Hg), read the target description
features system-registers.xml and sve-registers.xml with qXfer, and read
VPIDR_EL2 and VMPIDR_EL2 (the MIDR and MPIDR
EL2 gives EL1, readable where MIDR_EL1 and MPIDR_EL1 are not) with 'p' using the register numbers the XML gives.
Prints one line per thread:
    thread <tid> sys=<sha256/12> nsys=<n> sve=<sha256/12> midr=<hex> mpidr=<hex>
"""
import hashlib
import re
import socket
import sys


class RSP:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(60)
        self.s.connect(path)
        self.buf = b""
        self.ack = True
        self.cmd("QStartNoAckMode")
        self.ack = False

    def send(self, data):
        pkt = b"$" + data.encode() + b"#%02x" % (sum(data.encode()) & 0xff)
        self.s.sendall(pkt)

    def recv(self):
        while True:
            m = re.search(rb"\$([^#]*)#[0-9a-fA-F]{2}", self.buf)
            if m:
                self.buf = self.buf[m.end():]
                if self.ack:
                    self.s.sendall(b"+")
                return m.group(1).decode("latin-1")
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("gdbstub closed the connection")
            self.buf += chunk

    def cmd(self, data):
        self.send(data)
        return self.recv()

    def xfer(self, annex):
        out, off = "", 0
        while True:
            r = self.cmd("qXfer:features:read:%s:%x,%x" % (annex, off, 0x3000))
            if not r or r[0] not in "lm":
                raise RuntimeError("qXfer %s: %r" % (annex, r[:80]))
            out += r[1:]
            off += len(r) - 1
            if r[0] == "l":
                return out


def regnum(xml, name):
    m = re.search(r'<reg name="%s" bitsize="\d+" regnum="(\d+)"' % name, xml)
    if not m:
        raise RuntimeError("no register %s in the feature" % name)
    return int(m.group(1))


def le_hex(v):
    return "%x" % int.from_bytes(bytes.fromhex(v), "little")


def main():
    g = RSP(sys.argv[1])
    g.cmd("qSupported:xmlRegisters=aarch64")
    g.cmd("?")
    threads = []
    r = g.cmd("qfThreadInfo")
    while r.startswith("m"):
        threads += r[1:].split(",")
        r = g.cmd("qsThreadInfo")
    for t in threads:
        if g.cmd("Hg" + t) != "OK":
            raise RuntimeError("Hg%s refused" % t)
        sysxml = g.xfer("system-registers.xml")
        svexml = g.xfer("sve-registers.xml")
        midr = g.cmd("p%x" % regnum(sysxml, "VPIDR_EL2"))
        mpidr = g.cmd("p%x" % regnum(sysxml, "VMPIDR_EL2"))
        print("thread %s sys=%s nsys=%d sve=%s midr=%s mpidr=%s" % (
            t, hashlib.sha256(sysxml.encode()).hexdigest()[:12],
            sysxml.count("<reg "),
            hashlib.sha256(svexml.encode()).hexdigest()[:12],
            le_hex(midr), le_hex(mpidr)))
    g.send("k")


if __name__ == "__main__":
    main()
