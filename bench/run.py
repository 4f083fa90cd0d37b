#!/usr/bin/env python3
"""Run the polyemu benchmark suite against qemu-system-riscv64, side by side.

For every benchmark ELF (built by bench/CMakeLists.txt into <build-dir>/bench/),
polyemu and QEMU are run alternately --runs times each. The wall time of every run
is measured and the median per emulator is reported. Both emulators must exit 0
and print the same "<name>: checksum <hex>" line, otherwise the script fails.

The guest instruction count comes from polyemu's `--stats` output on stderr
(`polyemu: instructions N`); it is used to compute guest MIPS for both emulators
(same guest program, so the same instruction count).

ratio = qemu median time / polyemu median time  (> 1 means polyemu is faster).
The last line is the geometric mean of the ratios.

With --sv39 the comparison is instead between each program run bare (M-mode) and its
<name>_sv39.elf build (S-mode under Sv39 paging, bench/common/start_sv39.S) on the same
emulator (polyemu by default, see --sv39-on): ratio = sv39 median time / bare median
time (the cost of address translation; 1.0 means free), with the geometric mean.

Exit status: 0 on success, 1 if a benchmark failed (bad exit code, checksum
mismatch, timeout), 2 if a prerequisite is missing (qemu, polyemu, ELF files).
"""

import argparse
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

PROGRAMS = ["crc32", "sha256", "qsort", "matmul", "linkedlist", "interp"]
QEMU_ARGS = ["-M", "virt", "-bios", "none", "-nographic", "-m", "256M"]
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHECKSUM_RE = re.compile(r"^(\w+): checksum ([0-9a-fA-F]+)\s*$", re.M)
INSNS_RE = re.compile(r"^polyemu: instructions (\d+)\s*$", re.M)


class BenchError(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def resolve(path):
    """Relative paths are taken from the cwd, falling back to the repository root."""
    if os.path.isabs(path) or os.path.exists(path):
        return path
    alt = os.path.join(REPO_ROOT, path)
    return alt if os.path.exists(alt) else path


def host_cpu():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def qemu_version(qemu):
    try:
        out = subprocess.run([qemu, "--version"], capture_output=True, text=True,
                             timeout=30).stdout
        return out.splitlines()[0].strip() if out else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def run_once(label, cmd, timeout):
    """Run cmd, return (wall seconds, returncode, stdout, stderr)."""
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise BenchError(f"{label}: timed out after {timeout}s\n  command: {' '.join(cmd)}"
                         f"\n  stdout: {tail(e.stdout)}\n  stderr: {tail(e.stderr)}")
    dt = time.perf_counter() - t0
    out = p.stdout.decode(errors="replace").replace("\r", "")
    err = p.stderr.decode(errors="replace").replace("\r", "")
    return dt, p.returncode, out, err


def tail(text, n=800):
    if text is None:
        return "<none>"
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    text = text.strip()
    return ("..." + text[-n:]) if len(text) > n else (text or "<empty>")


def check_run(label, name, cmd, rc, out, err):
    """Validate exit code and checksum line; return the checksum line."""
    lines = [m.group(0).strip() for m in CHECKSUM_RE.finditer(out)
             if m.group(1) == name]
    if rc != 0 or len(lines) != 1:
        why = f"exit code {rc}" if rc != 0 else f"expected one '{name}: checksum' line"
        raise BenchError(f"{label} FAILED on {name}: {why}\n  command: {' '.join(cmd)}"
                         f"\n  stdout: {tail(out)}\n  stderr: {tail(err)}")
    return lines[0]


def emulator_cmd(emulator, elf, args):
    if emulator == "qemu":
        return [args.qemu] + QEMU_ARGS + ["-kernel", elf]
    cmd = [args.polyemu, "run", "--machine", "riscv64-virt", "--memory", "256M", "--stats"]
    if args.engine:
        cmd += ["--engine", args.engine]
    return cmd + ["--kernel", elf]


def bench_program(name, elf, args):
    qemu_cmd = emulator_cmd("qemu", elf, args)
    poly_cmd = emulator_cmd("polyemu", elf, args)

    times = {"polyemu": [], "qemu": []}
    checksum = None
    first = None
    insns = set()
    for i in range(args.runs):
        # Alternate which emulator goes first so neither systematically benefits
        # from warm caches / frequency ramp-up.
        order = [("polyemu", poly_cmd), ("qemu", qemu_cmd)]
        if i % 2:
            order.reverse()
        for label, cmd in order:
            dt, rc, out, err = run_once(label, cmd, args.timeout)
            line = check_run(label, name, cmd, rc, out, err)
            if checksum is None:
                checksum, first = line, label
            elif line != checksum:
                raise BenchError(f"checksum MISMATCH on {name}: {first} printed "
                                 f"'{checksum}' but {label} printed '{line}'")
            if label == "polyemu":
                m = INSNS_RE.search(err) or INSNS_RE.search(out)
                if m:
                    insns.add(int(m.group(1)))
            times[label].append(dt)
            log(f"  {name:<11} run {i + 1}/{args.runs} {label:<8} {dt:8.3f} s")

    if len(insns) > 1:
        log(f"warning: {name}: polyemu reported varying instruction counts {sorted(insns)}")
    if not insns:
        log(f"warning: {name}: polyemu printed no 'polyemu: instructions N' line "
            f"on stderr; MIPS columns left empty")
    n = max(insns) if insns else None
    pt = statistics.median(times["polyemu"])
    qt = statistics.median(times["qemu"])
    return {
        "name": name,
        "checksum": checksum,
        "insns": n,
        "poly_s": pt,
        "qemu_s": qt,
        "poly_mips": n / pt / 1e6 if n else None,
        "qemu_mips": n / qt / 1e6 if n else None,
        "ratio": qt / pt,
    }


def sv39_program(name, elfs, args):
    """Bare and Sv39 builds of one program, alternately, on each emulator of --sv39-on."""
    row = {"name": name}
    checksum = None
    for emu in args.sv39_on:
        times = {"bare": [], "sv39": []}
        for i in range(args.runs):
            order = ["bare", "sv39"] if i % 2 == 0 else ["sv39", "bare"]
            for variant in order:
                cmd = emulator_cmd(emu, elfs[variant], args)
                label = f"{emu} {variant}"
                dt, rc, out, err = run_once(label, cmd, args.timeout)
                line = check_run(label, name, cmd, rc, out, err)
                if checksum is None:
                    checksum = line
                elif line != checksum:
                    raise BenchError(f"checksum MISMATCH on {name}: '{checksum}' vs '{line}' "
                                     f"from {label}")
                times[variant].append(dt)
                log(f"  {name:<11} run {i + 1}/{args.runs} {label:<13} {dt:8.3f} s")
        bare, sv39 = statistics.median(times["bare"]), statistics.median(times["sv39"])
        row[emu] = (bare, sv39, sv39 / bare)
    return row


def print_sv39_table(rows, emulators, markdown):
    headers = ["program"]
    for emu in emulators:
        headers += [f"{emu} bare s", f"{emu} sv39 s", f"{emu} sv39/bare"]
    table = []
    for r in rows:
        cells = [r["name"]]
        for emu in emulators:
            bare, sv39, ratio = r[emu]
            cells += [f"{bare:.3f}", f"{sv39:.3f}", f"{ratio:.3f}"]
        table.append(cells)
    geo = ["geomean"]
    for emu in emulators:
        g = math.exp(sum(math.log(r[emu][2]) for r in rows) / len(rows))
        geo += ["", "", f"{g:.3f}"]
    if markdown:
        print("| " + " | ".join(headers) + " |")
        print("|" + "|".join(["---"] + ["---:"] * (len(headers) - 1)) + "|")
        for cells in table:
            print("| " + " | ".join(cells) + " |")
        print("| " + " | ".join(f"**{c}**" if c else "" for c in geo) + " |")
        return
    widths = [max(len(headers[i]), *(len(c[i]) for c in table + [geo])) for i in range(len(headers))]

    def line(cells):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for cells in table:
        print(line(cells))
    print(line(geo))
    print("\nsv39/bare = median time under Sv39 paging in S-mode / median time bare in M-mode")


def fmt_row(r):
    def mips(v):
        return f"{v:.1f}" if v is not None else "-"
    return [r["name"],
            f"{r['insns']:,}" if r["insns"] is not None else "-",
            f"{r['poly_s']:.3f}", f"{r['qemu_s']:.3f}",
            mips(r["poly_mips"]), mips(r["qemu_mips"]),
            f"{r['ratio']:.3f}"]


HEADERS = ["program", "instructions", "polyemu s", "qemu s", "polyemu MIPS",
           "qemu MIPS", "ratio"]


def print_table(results, geo, markdown):
    rows = [fmt_row(r) for r in results]
    if markdown:
        print("| " + " | ".join(HEADERS) + " |")
        print("|" + "|".join(["---"] + ["---:"] * (len(HEADERS) - 1)) + "|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
        print(f"| **geomean** | | | | | | **{geo:.3f}** |")
    else:
        widths = [max(len(HEADERS[i]), *(len(row[i]) for row in rows))
                  for i in range(len(HEADERS))]
        def line(cells):
            return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                             for i, (c, w) in enumerate(zip(cells, widths)))
        print(line(HEADERS))
        print("  ".join("-" * w for w in widths))
        for row in rows:
            print(line(row))
        print()
        print(f"geometric mean ratio (qemu time / polyemu time): {geo:.3f}"
              f"  ({'polyemu faster' if geo > 1 else 'qemu faster'})")


def main():
    ap = argparse.ArgumentParser(
        description="Benchmark polyemu against qemu-system-riscv64 on the bare-metal "
                    "programs in bench/. Times are wall-clock medians of interleaved "
                    "runs; ratio = qemu time / polyemu time (>1: polyemu faster).")
    ap.add_argument("--polyemu", default="build/polyemu",
                    help="polyemu binary (default: %(default)s)")
    ap.add_argument("--build-dir", default="build",
                    help="CMake build dir; ELFs are read from <build-dir>/bench "
                         "(default: %(default)s)")
    ap.add_argument("--runs", type=int, default=5,
                    help="runs per emulator and program (default: %(default)s)")
    ap.add_argument("--only", default=None, metavar="NAME,...",
                    help="comma-separated subset of: " + ",".join(PROGRAMS))
    ap.add_argument("--engine", default=None,
                    help="pass '--engine X' to polyemu")
    ap.add_argument("--markdown", action="store_true",
                    help="print the result table as Markdown (README-ready)")
    ap.add_argument("--qemu", default="qemu-system-riscv64",
                    help="QEMU binary (default: %(default)s)")
    ap.add_argument("--timeout", type=float, default=300,
                    help="per-run timeout in seconds (default: %(default)s)")
    ap.add_argument("--sv39", action="store_true",
                    help="compare each program bare against its <name>_sv39.elf build "
                         "(S-mode, Sv39 paging) instead of polyemu against QEMU")
    ap.add_argument("--sv39-on", default="polyemu", metavar="EMU,...",
                    help="emulators for --sv39: polyemu, qemu or polyemu,qemu (default: %(default)s)")
    args = ap.parse_args()

    if args.runs < 1:
        ap.error("--runs must be >= 1")
    programs = PROGRAMS
    if args.only:
        programs = [p.strip() for p in args.only.split(",") if p.strip()]
        unknown = [p for p in programs if p not in PROGRAMS]
        if unknown:
            ap.error(f"unknown program(s): {', '.join(unknown)} "
                     f"(known: {', '.join(PROGRAMS)})")

    args.sv39_on = [e.strip() for e in args.sv39_on.split(",") if e.strip()]
    if not args.sv39_on or any(e not in ("polyemu", "qemu") for e in args.sv39_on):
        ap.error("--sv39-on takes polyemu, qemu or polyemu,qemu")
    emulators = args.sv39_on if args.sv39 else ["polyemu", "qemu"]

    if "qemu" in emulators:
        qemu = shutil.which(args.qemu)
        if not qemu:
            print(f"error: {args.qemu} not found (install qemu-system-misc)", file=sys.stderr)
            return 2
        args.qemu = qemu

    if "polyemu" in emulators:
        args.polyemu = os.path.abspath(resolve(args.polyemu))
        if not (os.path.isfile(args.polyemu) and os.access(args.polyemu, os.X_OK)):
            print(f"error: polyemu binary not found or not executable: {args.polyemu}"
                  f" (build it, or pass --polyemu PATH)", file=sys.stderr)
            return 2
    elf_dir = os.path.join(os.path.abspath(resolve(args.build_dir)), "bench")
    elfs = {p: os.path.join(elf_dir, p + ".elf") for p in programs}
    sv39_elfs = {p: os.path.join(elf_dir, p + "_sv39.elf") for p in programs}
    missing = [e for e in list(elfs.values()) + (list(sv39_elfs.values()) if args.sv39 else [])
               if not os.path.isfile(e)]
    if missing:
        print("error: benchmark ELF(s) missing: " + ", ".join(missing) +
              f"\n  build them with: cmake --build {args.build_dir}", file=sys.stderr)
        return 2

    cpu = host_cpu()
    qver = qemu_version(args.qemu) if "qemu" in emulators else "(not run)"
    log(f"benchmarking {len(programs)} program(s), {args.runs} run(s) each ...")

    if args.sv39:
        try:
            rows = [sv39_program(p, {"bare": elfs[p], "sv39": sv39_elfs[p]}, args) for p in programs]
        except BenchError as e:
            print(f"\nBENCHMARK ERROR: {e}", file=sys.stderr)
            return 1
        print(f"host CPU: {cpu}" + ("  " if args.markdown else ""))
        if "qemu" in emulators:
            print(f"QEMU: {qver}" + ("  " if args.markdown else ""))
        if "polyemu" in emulators:
            print(f"polyemu engine: {args.engine or '(default)'}" + ("  " if args.markdown else ""))
        print(f"median of {args.runs} interleaved runs\n")
        print_sv39_table(rows, args.sv39_on, args.markdown)
        return 0

    results = []
    try:
        for p in programs:
            results.append(bench_program(p, elfs[p], args))
    except BenchError as e:
        print(f"\nBENCHMARK ERROR: {e}", file=sys.stderr)
        return 1

    geo = math.exp(sum(math.log(r["ratio"]) for r in results) / len(results))
    engine = args.engine or "(default)"
    if args.markdown:
        print(f"Host CPU: {cpu}  ")
        print(f"QEMU: {qver}  ")
        print(f"polyemu engine: {engine}; median of {args.runs} interleaved runs; "
              f"ratio = qemu time / polyemu time (>1: polyemu faster)\n")
    else:
        print(f"host CPU:  {cpu}")
        print(f"qemu:      {qver}")
        print(f"polyemu:   {args.polyemu} (engine {engine})")
        print(f"runs:      {args.runs} per emulator (median, interleaved)\n")
    print_table(results, geo, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
