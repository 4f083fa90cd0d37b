#!/usr/bin/env python3
"""End-to-end tests with real RISC-V software: OpenSBI + Linux + our initramfs, and
OpenSBI + U-Boot, on polyemu's riscv64-virt machine or on qemu-system-riscv64 -M virt.

    run_linux_test.py --emulator polyemu --polyemu build/polyemu --test boot --smp 2
    run_linux_test.py --emulator qemu --test all          # check the tests themselves

Tests (--test, comma-separated, or "all"):
  boot           Linux boots, /init (firmware/linux/init.c) prints "POLYEMU-INIT: all ok",
                 powers off, the emulator exits 0.
  disk           as boot, plus an ext4 image on virtio-blk: /init verifies seed.bin, writes
                 result.txt and written.bin; the test reads them back with debugfs and
                 runs e2fsck -fn on the image.
  snapshot       as disk with snapshot=on: the guest sees its writes, the image file stays
                 byte-identical.
  readonly       as disk with readonly=on: the guest sees a read-only disk.
  uboot          OpenSBI + U-Boot (S-mode); scripted console input stops autoboot, runs
                 `version` and `poweroff`.
  deterministic  (polyemu only) boot twice with --stats: identical console output and
                 instruction count.

Exit status: 0 all passed, 1 a test failed, 2 bad usage or missing emulator,
77 skipped (kernel, initramfs, firmware or e2fsprogs missing; the reason is printed).
Console logs and disk images are kept in --workdir.
"""

import argparse
import hashlib
import os
import re
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import time

SKIP = 77
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PATTERN_H = os.path.join(REPO, "firmware", "linux", "pattern.h")

DEFAULTS = {
    "kernel": os.path.join(REPO, "..", "shared", "guests", "riscv64", "Image"),
    "initrd": os.path.join(REPO, "build", "firmware", "linux", "initramfs.cpio.gz"),
    "bios": "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf",
    "uboot": "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin",
}

INIT_START = "POLYEMU-INIT: start"
INIT_OK = "POLYEMU-INIT: all ok"
INIT_FAIL = "POLYEMU-INIT: FAIL"
# QEMU 7.2 with its default Sstc extension and -smp 2 hangs in about one Linux boot in
# 10-40, the second hart parked during bring-up; without Sstc (Linux then programs the
# timer through SBI, as it will on a hart without Sstc) none of 100 boots hung.
QEMU_CPU = "rv64,sstc=false"
INSNS_RE = re.compile(r"^polyemu: instructions (\d+)\s*$", re.M)
EXIT_MAX_INSNS = 124

# Stops U-Boot's autoboot and runs two commands. Firmware drops whatever sits in the
# UART receiver while it initialises it (OpenSBI reads RBR once, U-Boot resets the
# FIFO), and the first byte seen during the countdown is swallowed by autoboot, so
# the commands are preceded by spaces, which are harmless wherever they end up.
UBOOT_INPUT = " " * 64 + "version\npoweroff\n"
UBOOT_VERSION_RE = re.compile(r"=> *version\n(U-Boot 20\d\d\.\d\d[^\n]*)\n")
UBOOT_POWEROFF_RE = re.compile(r"=> *poweroff\n")


class Skip(Exception):
    pass


class Failure(Exception):
    pass


def pattern_constants():
    """SEED_SIZE, SEED_SEED, WRITTEN_SIZE, WRITTEN_SEED, RESULT_TEXT from pattern.h."""
    with open(PATTERN_H) as f:
        text = f.read()
    consts = {}
    for name in ("SEED_SIZE", "SEED_SEED", "WRITTEN_SIZE", "WRITTEN_SEED"):
        m = re.search(r"#define %s \(?([0-9 *u]+)\)?\n" % name, text)
        consts[name] = 1
        for factor in re.findall(r"\d+", m.group(1)):  # a product of integer literals
            consts[name] *= int(factor)
    m = re.search(r'#define RESULT_TEXT "(.*)"', text)
    consts["RESULT_TEXT"] = m.group(1).encode().decode("unicode_escape").encode()
    return consts


def fill_pattern(size, seed):
    """xorshift32 stream, little-endian words: the same bytes as fill_pattern() in pattern.h."""
    x = seed
    words = []
    for _ in range(size // 4):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        words.append(x)
    return struct.pack("<%dI" % len(words), *words)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def tail(text, lines=60):
    rows = text.rstrip("\n").split("\n")
    return "\n".join(rows[-lines:]) if text.strip() else "<empty>"


class Machine:
    """What to boot; turned into a command line for either emulator."""

    def __init__(self, kernel, smp=1, memory="512M", initrd=None, append=None, drive=None,
                 serial_input=None):
        self.kernel = kernel
        self.smp = smp
        self.memory = memory
        self.initrd = initrd
        self.append = append
        self.drive = drive  # (path, options such as ["snapshot=on"])
        self.serial_input = serial_input


def command(args, m):
    """(argv, stdin file or None) for one run of machine m."""
    if args.emulator == "polyemu":
        cmd = [args.polyemu, "run", "--machine", "riscv64-virt", "--no-reboot", "--smp", str(m.smp),
               "--memory", m.memory, "--bios", args.bios, "--kernel", m.kernel]
        if m.initrd:
            cmd += ["--initrd", m.initrd]
        if m.append:
            cmd += ["--append", m.append]
        if m.drive:
            cmd += ["--drive", ",".join(["file=" + m.drive[0], "format=raw"] + m.drive[1])]
        if m.serial_input:
            cmd += ["--serial-input", m.serial_input]
        cmd += ["--max-insns", str(args.max_insns), "--stats"]
        return cmd, None
    cmd = [args.qemu, "-M", "virt", "-cpu", QEMU_CPU, "-smp", str(m.smp), "-m", m.memory,
           "-nographic", "-no-reboot", "-bios", args.bios, "-kernel", m.kernel]
    if m.initrd:
        cmd += ["-initrd", m.initrd]
    if m.append:
        cmd += ["-append", m.append]
    if m.drive:
        opts = ["file=" + m.drive[0], "format=raw", "if=none", "id=d0"] + m.drive[1]
        cmd += ["-drive", ",".join(opts), "-device", "virtio-blk-device,drive=d0"]
    # QEMU reads the serial input from stdin as fast as the UART FIFO takes it.
    return cmd, m.serial_input


class Run:
    """One finished emulator run: exit code (None after a timeout), console, stderr."""

    def __init__(self, label, cmd, log_path, rc, raw, err, seconds):
        self.label, self.cmd, self.log_path = label, cmd, log_path
        self.rc, self.raw, self.seconds = rc, raw, seconds
        self.out = raw.decode(errors="replace").replace("\r", "")
        self.err = err.decode(errors="replace").replace("\r", "")
        m = INSNS_RE.search(self.err)
        self.insns = int(m.group(1)) if m else None

    def summary(self):
        n = f", {self.insns:,} instructions" if self.insns is not None else ""
        return f"{self.seconds:.1f} s{n}"

    def fail(self, why):
        raise Failure(f"{self.label}: {why}\n  command: {shlex.join(self.cmd)}\n  console log: {self.log_path}\n"
                      f"--- console (last lines) ---\n{tail(self.out)}\n--- stderr ---\n{tail(self.err, 20)}")


def run(args, m, label):
    cmd, stdin_path = command(args, m)
    log_path = os.path.join(args.workdir, label + ".console.txt")
    print(f"[{label}] {shlex.join(cmd)}", flush=True)
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, stdin=stdin, capture_output=True, timeout=args.timeout)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = None, e.stdout or b"", e.stderr or b""
    except OSError as e:
        raise Failure(f"cannot run {cmd[0]}: {e}")
    finally:
        if stdin_path:
            stdin.close()
    seconds = time.monotonic() - t0
    with open(log_path, "wb") as f:
        f.write(out)
    r = Run(label, cmd, log_path, rc, out, err, seconds)
    if rc is None:
        r.fail(f"no power-off within the {args.timeout:g} s wall-clock limit")
    if args.emulator == "polyemu" and rc == EXIT_MAX_INSNS:
        r.fail(f"reached --max-insns {args.max_insns} without powering off (exit 124)")
    return r


def expect_init_ok(r):
    """The /init markers: start, all ok, no FAIL, then a clean power-off (exit 0)."""
    if INIT_START not in r.out:
        r.fail(f"'{INIT_START}' never appeared (exit {r.rc})")
    if INIT_FAIL in r.out or INIT_OK not in r.out:
        fails = [line for line in r.out.split("\n") if line.startswith(INIT_FAIL)]
        r.fail("/init did not report 'all ok'" + (": " + "; ".join(fails) if fails else ""))
    if r.out.index(INIT_OK) < r.out.index(INIT_START):
        r.fail("markers out of order")
    if r.rc != 0:
        r.fail(f"exit code {r.rc} after power-off, expected 0")


def linux_machine(args, smp, test=None, drive=None):
    append = f"console=ttyS0 panic=-1 polyemu.cpus={smp}"
    if test:
        append += f" polyemu.test={test}"
    return Machine(args.kernel, smp=smp, memory=args.memory, initrd=args.initrd, append=append,
                   drive=drive)


def need_linux(args):
    for what, path, hint in (("kernel", args.kernel, "see ../shared/guests/riscv64/README.md"),
                             ("initramfs", args.initrd, "build the linux_initramfs target "
                              "(needs riscv64-linux-gnu-gcc and libc6-dev-riscv64-cross)"),
                             ("OpenSBI", args.bios, "apt-get install opensbi")):
        if not os.path.isfile(path):
            raise Skip(f"{what} not found at {path} ({hint})")


def e2fsprogs(name):
    """Path of an e2fsprogs tool (they live in /sbin, often not on a user's PATH)."""
    return shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")


def make_disk(args, name):
    """A deterministic 16 MiB ext4 image holding seed.bin; returns its path."""
    for tool in ("mke2fs", "debugfs", "e2fsck"):
        if not e2fsprogs(tool):
            raise Skip(f"{tool} not found (apt-get install e2fsprogs)")
    c = pattern_constants()
    seed = os.path.join(args.workdir, "seed.bin")
    with open(seed, "wb") as f:
        f.write(fill_pattern(c["SEED_SIZE"], c["SEED_SEED"]))
    img = os.path.join(args.workdir, name)
    if os.path.exists(img):
        os.remove(img)
    # Fixed UUID, hash seed and clock make the image reproducible; mke2fs -d would copy
    # the host's ctime, so the file goes in through debugfs, which honours the fake time.
    env = dict(os.environ, E2FSPROGS_FAKE_TIME="1700000000", SOURCE_DATE_EPOCH="1700000000")
    uuid = "504f4c59-454d-5500-0000-6c696e757800"
    e2(["mke2fs", "-q", "-F", "-t", "ext4", "-L", "polyemu", "-U", uuid,
        "-E", f"root_owner=0:0,hash_seed={uuid}", img, "16M"], env)
    e2(["debugfs", "-w", "-R", f"write {seed} seed.bin", img], env)
    return img


def e2(cmd, env=None):
    """Runs an e2fsprogs tool, returns stdout as bytes."""
    p = subprocess.run([e2fsprogs(cmd[0])] + cmd[1:], capture_output=True, env=env)
    if p.returncode != 0:
        raise Failure(f"{' '.join(cmd)} failed (exit {p.returncode}): {p.stderr.decode(errors='replace')}")
    return p.stdout


def debugfs_cat(img, path):
    return e2(["debugfs", "-R", f"cat {path}", img])


def test_boot(args, smp):
    need_linux(args)
    r = run(args, linux_machine(args, smp), f"boot-smp{smp}")
    expect_init_ok(r)
    if f"POLYEMU-INIT: cpus online {smp}\n" not in r.out:
        r.fail(f"/init did not see {smp} cpus")
    return r.summary()


def test_disk(args):
    need_linux(args)
    img = make_disk(args, "disk.img")
    r = run(args, linux_machine(args, args.smp, "disk", (img, [])), "disk")
    expect_init_ok(r)
    if "POLYEMU-INIT: disk ok" not in r.out:
        r.fail("/init did not run the disk test")
    c = pattern_constants()
    got = debugfs_cat(img, "/result.txt")
    if got != c["RESULT_TEXT"]:
        r.fail(f"/result.txt on the image is {got!r}, expected {c['RESULT_TEXT']!r}")
    if debugfs_cat(img, "/written.bin") != fill_pattern(c["WRITTEN_SIZE"], c["WRITTEN_SEED"]):
        r.fail("/written.bin on the image does not hold the expected pattern")
    fsck = subprocess.run([e2fsprogs("e2fsck"), "-f", "-n", img], capture_output=True, text=True)
    if fsck.returncode != 0:
        r.fail(f"e2fsck -fn reports errors on the image after the run:\n{fsck.stdout}{fsck.stderr}")
    return r.summary()


def test_unchanged_disk(args, option, test, label):
    need_linux(args)
    img = make_disk(args, label + ".img")
    before = sha256(img)
    r = run(args, linux_machine(args, args.smp, test, (img, [option])), label)
    expect_init_ok(r)
    if f"POLYEMU-INIT: {test} ok" not in r.out:
        r.fail(f"/init did not run the {test} test")
    if sha256(img) != before:
        r.fail(f"the image changed although the drive had {option}")
    return r.summary()


def test_uboot(args):
    for what, path in (("OpenSBI", args.bios), ("U-Boot", args.uboot)):
        if not os.path.isfile(path):
            raise Skip(f"{what} not found at {path} (apt-get install opensbi u-boot-qemu)")
    script = os.path.join(args.workdir, "uboot-input.txt")
    with open(script, "w") as f:
        f.write(UBOOT_INPUT)
    r = run(args, Machine(args.uboot, smp=1, memory=args.memory, serial_input=script), "uboot")
    if "=>" not in r.out:
        r.fail("no U-Boot prompt '=>'")
    m = UBOOT_VERSION_RE.search(r.out)
    if not m:
        r.fail("no 'U-Boot 20xx.xx' line right after the 'version' command")
    if not UBOOT_POWEROFF_RE.search(r.out, m.end()):
        r.fail("the 'poweroff' command did not reach the prompt")
    if r.rc != 0:
        r.fail(f"exit code {r.rc} after 'poweroff', expected 0")
    return f"{m.group(1)}; {r.summary()}"


def test_deterministic(args):
    if args.emulator != "polyemu":
        raise Skip("the determinism test needs polyemu (QEMU is not deterministic)")
    need_linux(args)
    m = linux_machine(args, 2)
    runs = [run(args, m, f"deterministic-{i}") for i in (1, 2)]
    for r in runs:
        expect_init_ok(r)
        if r.insns is None:
            r.fail("no 'polyemu: instructions N' line on stderr (--stats)")
    a, b = runs
    if a.raw != b.raw:
        la, lb = a.out.split("\n"), b.out.split("\n")
        i = next((i for i, (x, y) in enumerate(zip(la, lb)) if x != y), min(len(la), len(lb)))
        b.fail(f"console output differs from the first run at line {i + 1}:\n"
               f"  run 1: {la[i] if i < len(la) else '<end>'}\n  run 2: {lb[i] if i < len(lb) else '<end>'}")
    if a.insns != b.insns:
        b.fail(f"instruction counts differ: {a.insns} vs {b.insns}")
    return f"{a.insns:,} instructions twice; {a.seconds:.1f} s + {b.seconds:.1f} s"


TESTS = {
    "boot": lambda a: test_boot(a, a.smp),
    "disk": test_disk,
    "snapshot": lambda a: test_unchanged_disk(a, "snapshot=on", "disk", "snapshot"),
    "readonly": lambda a: test_unchanged_disk(a, "readonly=on", "disk-ro", "readonly"),
    "uboot": test_uboot,
    "deterministic": test_deterministic,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--emulator", choices=["polyemu", "qemu"], required=True)
    ap.add_argument("--test", default="boot", help="comma-separated tests, or 'all' (default: boot)")
    ap.add_argument("--polyemu", default=os.path.join(REPO, "build", "polyemu"))
    ap.add_argument("--qemu", default="qemu-system-riscv64")
    ap.add_argument("--smp", type=int, default=1, help="harts (default: 1)")
    ap.add_argument("--memory", default="512M", help="RAM (default: 512M)")
    ap.add_argument("--kernel", default=DEFAULTS["kernel"], help="Linux Image")
    ap.add_argument("--initrd", default=DEFAULTS["initrd"], help="initramfs.cpio.gz")
    ap.add_argument("--bios", default=DEFAULTS["bios"], help="OpenSBI fw_jump.elf")
    ap.add_argument("--uboot", default=DEFAULTS["uboot"], help="S-mode u-boot.bin")
    ap.add_argument("--timeout", type=float, default=None,
                    help="wall-clock limit per emulator run in seconds "
                         "(default: 850 for polyemu, 120 for qemu)")
    ap.add_argument("--max-insns", type=int, default=20_000_000_000,
                    help="polyemu --max-insns (default: %(default)s)")
    ap.add_argument("--workdir", default=None,
                    help="where logs and disk images go (default: a new temporary directory)")
    args = ap.parse_args()

    names = list(TESTS) if args.test == "all" else [t.strip() for t in args.test.split(",") if t.strip()]
    unknown = [t for t in names if t not in TESTS]
    if unknown or not names:
        ap.error(f"unknown test(s) {', '.join(unknown)}; known: {', '.join(TESTS)}, all")
    if args.smp < 1:
        ap.error("--smp must be at least 1")
    if args.timeout is None:
        args.timeout = 850.0 if args.emulator == "polyemu" else 120.0
    exe = args.polyemu if args.emulator == "polyemu" else args.qemu
    found = shutil.which(exe)
    if not found:
        print(f"error: {args.emulator} not found: {exe}", file=sys.stderr)
        return 2
    if args.emulator == "polyemu":
        args.polyemu = os.path.abspath(found)
    else:
        args.qemu = found
    for key in ("kernel", "initrd", "bios", "uboot"):
        setattr(args, key, os.path.abspath(getattr(args, key)))
    if args.workdir:
        os.makedirs(args.workdir, exist_ok=True)
    else:
        args.workdir = tempfile.mkdtemp(prefix=f"polyemu-linux-{args.emulator}-")
    args.workdir = os.path.abspath(args.workdir)

    results = {}
    for name in names:
        try:
            results[name] = ("PASS", TESTS[name](args))
        except Skip as e:
            results[name] = ("SKIP", str(e))
        except Failure as e:
            results[name] = ("FAIL", str(e))
        status, detail = results[name]
        print(f"{status} {name}: {detail}", flush=True)

    statuses = {s for s, _ in results.values()}
    if len(names) > 1:
        print(f"summary ({args.emulator}, logs in {args.workdir}): " +
              ", ".join(f"{n} {s}" for n, (s, _) in results.items()))
    if "FAIL" in statuses:
        return 1
    if statuses == {"SKIP"}:
        return SKIP
    return 0


if __name__ == "__main__":
    sys.exit(main())
