#!/usr/bin/env python3
"""Writes a gzip-compressed "newc" cpio archive for a Linux initramfs, without root.

    mkinitramfs.py -o initramfs.cpio.gz --file /init=build/init --dir /proc \
        --char-device /dev/console=5,1

Parent directories are added automatically. The output depends only on the arguments
and the file contents: entries are sorted by path, inode numbers count up from 1, and
every mtime, uid and gid is 0, so two builds are byte-identical.

newc: each entry is the magic "070701", thirteen 8-digit hex fields (ino, mode, uid,
gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize,
check), the NUL-terminated name padded to a multiple of 4 bytes (counting the 110-byte
header), then the data padded to a multiple of 4. The entry "TRAILER!!!" ends it.
"""

import argparse
import gzip
import os
import stat
import sys


def header(ino, mode, nlink, size, rdev, name):
    fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, rdev[0], rdev[1], len(name) + 1, 0]
    return b"070701" + b"".join(b"%08x" % f for f in fields)


def pad4(data):
    return data + b"\0" * (-len(data) % 4)


def archive(entries):
    """entries: {path without leading '/': (mode, data, rdev)} → uncompressed cpio bytes."""
    out = bytearray()
    for ino, path in enumerate(sorted(entries), start=1):
        mode, data, rdev = entries[path]
        nlink = 2 if stat.S_ISDIR(mode) else 1
        name = path.encode()
        out += pad4(header(ino, mode, nlink, len(data), rdev, name) + name + b"\0")
        out += pad4(data)
    out += pad4(header(0, 0, 1, 0, (0, 0), b"TRAILER!!!") + b"TRAILER!!!\0")
    return bytes(out)


def split_spec(spec, option):
    if "=" not in spec or not spec.startswith("/"):
        sys.exit(f"mkinitramfs: {option} expects /PATH=VALUE, got '{spec}'")
    path, value = spec.split("=", 1)
    return path.strip("/"), value


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", required=True, help="output .cpio.gz")
    ap.add_argument("--file", action="append", default=[], metavar="/DEST=SRC",
                    help="regular file; mode 0755 if SRC is executable, else 0644")
    ap.add_argument("--dir", action="append", default=[], metavar="/DIR", help="directory (0755)")
    ap.add_argument("--char-device", action="append", default=[], metavar="/DEST=MAJOR,MINOR",
                    help="character device node (0600)")
    args = ap.parse_args()

    entries = {}
    for d in args.dir:
        entries[d.strip("/")] = (stat.S_IFDIR | 0o755, b"", (0, 0))
    for spec in args.file:
        path, src = split_spec(spec, "--file")
        try:
            with open(src, "rb") as f:
                data = f.read()
        except OSError as e:
            sys.exit(f"mkinitramfs: {e}")
        perm = 0o755 if os.access(src, os.X_OK) else 0o644
        entries[path] = (stat.S_IFREG | perm, data, (0, 0))
    for spec in args.char_device:
        path, numbers = split_spec(spec, "--char-device")
        try:
            major, minor = (int(n) for n in numbers.split(","))
        except ValueError:
            sys.exit(f"mkinitramfs: --char-device expects MAJOR,MINOR, got '{numbers}'")
        entries[path] = (stat.S_IFCHR | 0o600, b"", (major, minor))
    for path in list(entries):
        parent = os.path.dirname(path)
        while parent:
            entries.setdefault(parent, (stat.S_IFDIR | 0o755, b"", (0, 0)))
            parent = os.path.dirname(parent)
    if "" in entries:
        sys.exit("mkinitramfs: '/' cannot be an entry")

    data = gzip.compress(archive(entries), compresslevel=9, mtime=0)
    tmp = args.output + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, args.output)


if __name__ == "__main__":
    main()
