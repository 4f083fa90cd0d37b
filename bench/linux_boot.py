#!/usr/bin/env python3
"""Linux boot time on polyemu and qemu-system-riscv64, side by side.

Both emulators boot the same OpenSBI (fw_jump.elf), kernel Image and initramfs
(firmware/linux, built into <build-dir>/firmware/linux/initramfs.cpio.gz) with the same
memory and hart count, alternately, --runs times each. For every run the wall time
from process start to the first "POLYEMU-INIT: start" on the console (kernel boot) and
to the emulator's exit after /init powers off (the whole run, including the /init
checks) is measured. The medians per emulator are printed with
ratio = qemu time / polyemu time (> 1: polyemu faster).

--engine X is passed to polyemu as '--engine X' (default: no --engine, polyemu's default
engine); run the script once per engine to compare them.

When polyemu cannot boot Linux (an older build without the riscv64-virt firmware
options, for instance) its columns are left empty and the reason is printed; with
--emulators qemu only QEMU is run.

Exit status: 0 on success, 1 if a run failed (QEMU, or a polyemu run that got past
its start), 2 if a prerequisite is missing (or polyemu does not accept --engine X).
"""

import argparse
import os
import selectors
import shlex
import shutil
import statistics
import subprocess
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
START = b"POLYEMU-INIT: start"
ALL_OK = b"POLYEMU-INIT: all ok"
INSNS = b"polyemu: instructions "


class BootError(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def tail(data, n=600):
    text = data.decode(errors="replace").replace("\r", "").strip()
    return ("..." + text[-n:]) if len(text) > n else (text or "<empty>")


def timed_boot(cmd, timeout):
    """Runs cmd; returns (seconds to START or None, seconds to exit, exit code, stdout, stderr)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ, "out")
    sel.register(p.stderr, selectors.EVENT_READ, "err")
    data = {"out": bytearray(), "err": bytearray()}
    t_start = None
    try:
        while sel.get_map():
            left = timeout - (time.perf_counter() - t0)
            if left <= 0:
                raise BootError(f"timed out after {timeout:g} s\n  stdout: {tail(data['out'])}")
            for key, _ in sel.select(left):
                chunk = os.read(key.fileobj.fileno(), 65536)
                if not chunk:
                    sel.unregister(key.fileobj)
                    continue
                data[key.data] += chunk
                if t_start is None and key.data == "out" and START in data["out"]:
                    t_start = time.perf_counter() - t0
        rc = p.wait(timeout=max(1.0, timeout - (time.perf_counter() - t0)))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        sel.close()
    return t_start, time.perf_counter() - t0, rc, bytes(data["out"]), bytes(data["err"])


def boot_once(label, cmd, args):
    t_start, t_end, rc, out, err = timed_boot(cmd, args.timeout)
    if t_start is None or rc != 0 or ALL_OK not in out:
        why = ("no 'POLYEMU-INIT: start'" if t_start is None else
               f"exit code {rc}" if rc != 0 else "/init did not print 'POLYEMU-INIT: all ok'")
        raise BootError(f"{label}: {why}\n  command: {shlex.join(cmd)}\n  stdout: {tail(out)}\n"
                        f"  stderr: {tail(err)}")
    insns = None
    for line in err.splitlines():
        if line.startswith(INSNS):
            insns = int(line[len(INSNS):])
    return t_start, t_end, insns


def commands(args):
    append = f"console=ttyS0 panic=-1 polyemu.cpus={args.smp}"
    poly = [args.polyemu, "run", "--machine", "riscv64-virt", "--smp", str(args.smp),
            "--memory", args.memory, "--bios", args.bios, "--kernel", args.kernel,
            "--initrd", args.initrd, "--append", append, "--stats"]
    if args.engine:
        poly += ["--engine", args.engine]
    # No Sstc: Linux then sets timers through SBI calls, the same work on both emulators
    # (and QEMU 7.2's Sstc sometimes hangs SMP boots).
    qemu = [args.qemu, "-M", "virt", "-cpu", "rv64,sstc=false", "-smp", str(args.smp),
            "-m", args.memory, "-nographic", "-no-reboot", "-bios", args.bios,
            "-kernel", args.kernel, "-initrd", args.initrd, "-append", append]
    return {"polyemu": poly, "qemu": qemu}


def median_or_none(values):
    return statistics.median(values) if values else None


def fmt(v, spec=".2f"):
    return "-" if v is None else format(v, spec)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--polyemu", default="build/polyemu", help="polyemu binary (default: %(default)s)")
    ap.add_argument("--qemu", default="qemu-system-riscv64", help="QEMU binary (default: %(default)s)")
    ap.add_argument("--build-dir", default="build",
                    help="CMake build dir holding firmware/linux/initramfs.cpio.gz (default: %(default)s)")
    ap.add_argument("--kernel", default=os.path.join(REPO_ROOT, "..", "shared", "guests", "riscv64", "Image"))
    ap.add_argument("--initrd", default=None, help="default: <build-dir>/firmware/linux/initramfs.cpio.gz")
    ap.add_argument("--bios", default="/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf")
    ap.add_argument("--smp", type=int, default=1, help="harts (default: %(default)s)")
    ap.add_argument("--memory", default="256M", help="RAM (default: %(default)s)")
    ap.add_argument("--runs", type=int, default=3, help="runs per emulator (default: %(default)s)")
    ap.add_argument("--emulators", default="polyemu,qemu", help="which to run (default: %(default)s)")
    ap.add_argument("--engine", default=None,
                    help="pass '--engine X' to polyemu (default: none, polyemu's default engine)")
    ap.add_argument("--timeout", type=float, default=900, help="per-run limit in seconds (default: %(default)s)")
    ap.add_argument("--markdown", action="store_true", help="print one Markdown table row (with a header)")
    args = ap.parse_args()

    emulators = [e.strip() for e in args.emulators.split(",") if e.strip()]
    if not emulators or any(e not in ("polyemu", "qemu") for e in emulators):
        ap.error("--emulators takes polyemu, qemu or both")
    if args.runs < 1 or args.smp < 1:
        ap.error("--runs and --smp must be at least 1")

    def resolve(path):
        if os.path.isabs(path) or os.path.exists(path):
            return os.path.abspath(path)
        return os.path.join(REPO_ROOT, path)

    args.initrd = resolve(args.initrd or os.path.join(args.build_dir, "firmware", "linux", "initramfs.cpio.gz"))
    args.kernel, args.bios = os.path.abspath(args.kernel), os.path.abspath(args.bios)
    for what, path in (("kernel", args.kernel), ("initramfs", args.initrd), ("OpenSBI fw_jump.elf", args.bios)):
        if not os.path.isfile(path):
            print(f"error: {what} not found: {path}", file=sys.stderr)
            return 2
    if "qemu" in emulators:
        args.qemu = shutil.which(args.qemu)
        if not args.qemu:
            print("error: qemu-system-riscv64 not found (install qemu-system-misc)", file=sys.stderr)
            return 2
    if "polyemu" in emulators:
        args.polyemu = resolve(args.polyemu)
        if not os.access(args.polyemu, os.X_OK):
            print(f"error: polyemu not found or not executable: {args.polyemu}", file=sys.stderr)
            return 2

    if "polyemu" in emulators and args.engine:
        # A refused engine is a usage error, not a polyemu that cannot boot Linux.
        probe = [args.polyemu, "run", "--machine", "riscv64-virt", "--bios", args.bios,
                 "--max-insns", "1", "--engine", args.engine]
        p = subprocess.run(probe, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
        if p.returncode not in (0, 124) and "--engine" in p.stderr:
            print(f"error: polyemu does not accept --engine {args.engine}: {p.stderr.strip()}",
                  file=sys.stderr)
            return 2

    engine = f", engine {args.engine}" if args.engine and "polyemu" in emulators else ""
    cmds = commands(args)
    starts = {e: [] for e in emulators}
    ends = {e: [] for e in emulators}
    insns = set()
    unsupported = {}
    log(f"booting Linux (smp {args.smp}, {args.memory}{engine}) {args.runs} time(s) on {', '.join(emulators)} ...")
    try:
        for i in range(args.runs):
            order = emulators if i % 2 == 0 else list(reversed(emulators))
            for e in order:
                if e in unsupported:
                    continue
                try:
                    t_start, t_end, n = boot_once(e, cmds[e], args)
                except BootError as err:
                    # A polyemu that cannot boot Linux at all is reported, not fatal.
                    if e == "polyemu" and not starts[e]:
                        unsupported[e] = str(err)
                        log(f"polyemu cannot boot Linux yet; its columns stay empty:\n{err}")
                        continue
                    raise
                starts[e].append(t_start)
                ends[e].append(t_end)
                if n is not None:
                    insns.add(n)
                log(f"  run {i + 1}/{args.runs} {e:<8} start marker {t_start:7.2f} s, power-off {t_end:7.2f} s")
    except BootError as err:
        print(f"\nBOOT ERROR: {err}", file=sys.stderr)
        return 1

    ps, pe = median_or_none(starts.get("polyemu", [])), median_or_none(ends.get("polyemu", []))
    qs, qe = median_or_none(starts.get("qemu", [])), median_or_none(ends.get("qemu", []))
    ratio_start = qs / ps if ps and qs else None
    ratio_end = qe / pe if pe and qe else None
    if len(insns) > 1:
        log(f"warning: polyemu reported varying instruction counts {sorted(insns)}")
    n = f"{max(insns):,}" if insns else "-"
    what = f"Linux boot (smp {args.smp}, {args.memory}{engine})"
    if args.markdown:
        print("| run | polyemu instructions | polyemu to init s | polyemu to power-off s | "
              "qemu to init s | qemu to power-off s | ratio to init | ratio to power-off |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        print(f"| {what} | {n} | {fmt(ps)} | {fmt(pe)} | {fmt(qs)} | {fmt(qe)} | "
              f"{fmt(ratio_start, '.3f')} | {fmt(ratio_end, '.3f')} |")
    else:
        print(f"{what}, median of {args.runs} interleaved run(s)")
        print(f"  polyemu: to 'POLYEMU-INIT: start' {fmt(ps)} s, to power-off {fmt(pe)} s, instructions {n}")
        print(f"  qemu:    to 'POLYEMU-INIT: start' {fmt(qs)} s, to power-off {fmt(qe)} s")
        print(f"  ratio (qemu time / polyemu time): to init {fmt(ratio_start, '.3f')}, "
              f"to power-off {fmt(ratio_end, '.3f')}")
    if "polyemu" in unsupported:
        print("  polyemu: not measured, it could not boot Linux (see the message above)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
