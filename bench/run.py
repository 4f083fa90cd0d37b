#!/usr/bin/env python3
"""Run the polyemu benchmark suite against qemu-system-riscv64, side by side.

For every benchmark ELF (built by bench/CMakeLists.txt into <build-dir>/bench/), QEMU
and polyemu under each engine of --engines (default jit,interp) are run in turn, --runs
times each; which one goes first rotates from run to run. The wall time of every run is
measured and the median per emulator/engine is reported. Every run must exit 0 and
print the same "<name>: checksum <hex>" line, otherwise the script fails.

The guest instruction count comes from polyemu's `--stats` output on stderr
(`polyemu: instructions N`).

<engine> ratio = qemu median time / polyemu median time under that engine
(> 1 means polyemu is faster). The last line is the geometric mean of each ratio column.

With --sv39 the comparison is instead between each program run bare (M-mode) and its
<name>_sv39.elf build (S-mode under Sv39 paging, bench/common/start_sv39.S) on the same
emulator (polyemu under the first engine of --engines by default, see --sv39-on):
ratio = sv39 median time / bare median time (the cost of address translation; 1.0
means free), with the geometric mean.

Exit status: 0 on success, 1 if a benchmark failed (bad exit code, checksum
mismatch, timeout), 2 if a prerequisite is missing (qemu, polyemu, ELF files, an
engine polyemu does not accept).
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
JIT_STAT_RE = re.compile(r"^polyemu: (jit .*\S)\s*$", re.M)
SECONDS_RE = re.compile(r"^polyemu: seconds ([0-9.]+)\s*$", re.M)
FW_PROGRAM_RE = re.compile(r"^\s*fw_program\((\w+)\s+(\d+)([^)]*)\)", re.M)
SHORT_GUEST_LIMIT = 0.050  # seconds of guest run time ('polyemu: seconds') for a "short" program


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


def parse_engines(text):
    """'jit,interp' -> [(label, engine)]; a repeated engine gets a unique label (interp#2)."""
    engines = []
    for name in (e.strip() for e in text.split(",")):
        if not name:
            continue
        label, k = name, 2
        while label in (lbl for lbl, _ in engines):
            label, k = f"{name}#{k}", k + 1
        engines.append((label, name))
    return engines


def polyemu_cmd(args, engine, elf, memory="256M", extra=()):
    """polyemu running elf; engine 'default' passes no --engine (polyemu's default)."""
    cmd = [args.polyemu, "run", "--machine", "riscv64-virt"]
    if memory:
        cmd += ["--memory", memory]
    cmd += ["--stats", *extra]
    if engine != "default":
        cmd += ["--engine", engine]
    return cmd + ["--kernel", elf]


def emulator_cmd(emulator, elf, args):
    if emulator == "qemu":
        return [args.qemu] + QEMU_ARGS + ["-kernel", elf]
    return polyemu_cmd(args, args.engines[0][1], elf)


def run_label(label):
    return label if label == "qemu" else f"polyemu --engine {label}"


def jit_stats(err):
    """The 'polyemu: jit ...' lines of --stats, joined for the progress log."""
    stats = JIT_STAT_RE.findall(err)
    return f"  [{', '.join(stats)}]" if stats else ""


def rotated(items, i):
    k = i % len(items)
    return items[k:] + items[:k]


def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values))


def check_engines(args, engines, elf):
    """Returns an error message when polyemu refuses one of the engines, else None."""
    for name in dict.fromkeys(e for _, e in engines):
        cmd = polyemu_cmd(args, name, elf, extra=("--max-insns", "1"))
        try:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=60)
        except (OSError, subprocess.SubprocessError) as e:
            return f"cannot run {' '.join(cmd)}: {e}"
        if p.returncode not in (0, 124):  # 124: stopped by --max-insns
            return (f"polyemu does not run with --engine {name} (exit code {p.returncode})\n"
                    f"  command: {' '.join(cmd)}\n  stderr: {tail(p.stderr)}")
    return None


def bench_program(name, elf, args):
    cmds = {"qemu": emulator_cmd("qemu", elf, args)}
    for label, engine in args.engines:
        cmds[label] = polyemu_cmd(args, engine, elf)
    labels = list(cmds)

    times = {label: [] for label in labels}
    checksum = None
    first = None
    insns = {}
    for i in range(args.runs):
        # Rotate which one goes first so none systematically benefits from warm
        # caches / frequency ramp-up.
        for label in rotated(labels, i):
            cmd = cmds[label]
            dt, rc, out, err = run_once(run_label(label), cmd, args.timeout)
            line = check_run(run_label(label), name, cmd, rc, out, err)
            if checksum is None:
                checksum, first = line, label
            elif line != checksum:
                raise BenchError(f"checksum MISMATCH on {name}: {run_label(first)} printed "
                                 f"'{checksum}' but {run_label(label)} printed '{line}'")
            extra = ""
            if label != "qemu":
                m = INSNS_RE.search(err) or INSNS_RE.search(out)
                if m:
                    insns.setdefault(label, set()).add(int(m.group(1)))
                extra = jit_stats(err)
            times[label].append(dt)
            log(f"  {name:<11} run {i + 1}/{args.runs} {label:<8} {dt:8.3f} s{extra}")

    counts = set().union(*insns.values()) if insns else set()
    if len(counts) > 1:
        log(f"warning: {name}: polyemu reported varying instruction counts: " +
            ", ".join(f"{label} {sorted(c)}" for label, c in insns.items()))
    if not counts:
        log(f"warning: {name}: polyemu printed no 'polyemu: instructions N' line on stderr")
    first_engine = next((label for label, _ in args.engines if label in insns), None)
    qt = statistics.median(times["qemu"])
    medians = {label: statistics.median(times[label]) for label, _ in args.engines}
    return {
        "name": name,
        "checksum": checksum,
        "insns": max(insns[first_engine]) if first_engine else None,
        "qemu_s": qt,
        "times": medians,
        "ratios": {label: qt / t for label, t in medians.items()},
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


def firmware_programs(build_dir):
    """The firmware test programs: [(name, expected exit code, harts)] in the order of
    firmware/CMakeLists.txt, from the build's CMakeCache.txt (POLYEMU_FIRMWARE_TESTS,
    name:code:harts) or else from firmware/CMakeLists.txt itself."""
    try:
        with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
            for line in f:
                if line.startswith("POLYEMU_FIRMWARE_TESTS:"):
                    value = line.split("=", 1)[1].strip()
                    entries = [e.split(":") for e in value.split(";") if e]
                    if entries:
                        return [(n, int(c), int(h)) for n, c, h in entries]
    except (OSError, ValueError):
        pass
    try:
        with open(os.path.join(REPO_ROOT, "firmware", "CMakeLists.txt")) as f:
            text = f.read()
    except OSError:
        return []
    progs = []
    for m in FW_PROGRAM_RE.finditer(text):
        harts = re.search(r"\bHARTS\s+(\d+)", m.group(3))
        progs.append((m.group(1), int(m.group(2)), int(harts.group(1)) if harts else 1))
    return progs


def short_programs(build_dir):
    """([(name, expected exit code, elf)], [skipped 'name (why)']): the built firmware
    ELFs that run on one hart without input."""
    fw_dir = os.path.join(build_dir, "firmware")
    known = {n: (code, harts) for n, code, harts in firmware_programs(build_dir)}
    built = sorted(f[:-4] for f in os.listdir(fw_dir)) if os.path.isdir(fw_dir) else []
    built = [n for n in built if os.path.isfile(os.path.join(fw_dir, n + ".elf"))]
    order = [n for n in known if n in built] + [n for n in built if n not in known]
    progs, skipped = [], []
    for name in order:
        if name not in known:
            skipped.append(f"{name} (not a firmware test program, exit code unknown)")
        elif name.startswith("smp_") or known[name][1] != 1:
            skipped.append(f"{name} ({known[name][1]} harts)")
        else:
            progs.append((name, known[name][0], os.path.join(fw_dir, name + ".elf")))
    return progs, skipped


def baseline_engine(engines):
    """The engine the others are compared with in the short section: interp if listed,
    else the last one."""
    return next((label for label, e in engines if e == "interp"), engines[-1][0])


def short_program(name, code, elf, args):
    """One firmware program under every engine, interleaved, --short-runs times each."""
    cmds = {label: polyemu_cmd(args, engine, elf, memory=None) for label, engine in args.engines}
    labels = list(cmds)
    times = {label: [] for label in labels}
    guest = {label: [] for label in labels}
    insns = {}
    ref = None
    for i in range(args.short_runs):
        for label in rotated(labels, i):
            cmd = cmds[label]
            dt, rc, out, err = run_once(run_label(label), cmd, args.timeout)
            if code is not None and rc != code:
                raise BenchError(f"{run_label(label)} FAILED on {name}: exit code {rc}, "
                                 f"expected {code}\n  command: {' '.join(cmd)}"
                                 f"\n  stdout: {tail(out)}\n  stderr: {tail(err)}")
            if ref is None:
                ref = (label, rc, out)
            elif rc != ref[1]:
                raise BenchError(f"exit code MISMATCH on {name}: {run_label(ref[0])} exited "
                                 f"{ref[1]} but {run_label(label)} exited {rc}")
            elif out != ref[2]:
                raise BenchError(f"output MISMATCH on {name} between {run_label(ref[0])} and "
                                 f"{run_label(label)}\n  {ref[0]}: {tail(ref[2])}"
                                 f"\n  {label}: {tail(out)}")
            m = INSNS_RE.search(err)
            if m:
                insns.setdefault(label, set()).add(int(m.group(1)))
            m = SECONDS_RE.search(err)
            if m:
                guest[label].append(float(m.group(1)))
            times[label].append(dt)
            log(f"  {name:<11} run {i + 1}/{args.short_runs} {label:<8} "
                f"{dt * 1e3:8.1f} ms{jit_stats(err)}")
    counts = set().union(*insns.values()) if insns else set()
    if len(counts) > 1:
        log(f"warning: {name}: polyemu reported varying instruction counts: " +
            ", ".join(f"{label} {sorted(c)}" for label, c in insns.items()))
    base = baseline_engine(args.engines)
    medians = {label: statistics.median(times[label]) for label in labels}
    base_guest = statistics.median(guest[base]) if guest[base] else None
    if base_guest is not None and base_guest > SHORT_GUEST_LIMIT:
        log(f"warning: {name}: {base_guest * 1e3:.0f} ms of guest run time under {base}, "
            f"more than {SHORT_GUEST_LIMIT * 1e3:.0f} ms")
    return {
        "name": name,
        "exit": ref[1],
        "insns": max(insns[base]) if base in insns else (max(counts) if counts else None),
        "guest_s": base_guest,
        "times": medians,
        "ratios": {label: medians[base] / t for label, t in medians.items() if label != base},
    }


def print_short_table(results, engines, markdown):
    base = baseline_engine(engines)
    others = [label for label, _ in engines if label != base]
    headers = ["program", "instructions", "exit"] + [f"{label} ms" for label, _ in engines]
    headers += [f"{base}/{label}" for label in others]
    rows = []
    for r in results:
        cells = [r["name"], f"{r['insns']:,}" if r["insns"] is not None else "-", str(r["exit"])]
        cells += [f"{r['times'][label] * 1e3:.1f}" for label, _ in engines]
        cells += [f"{r['ratios'][label]:.3f}" for label in others]
        rows.append(cells)
    geo = None
    if others:
        geo = ["geomean", "", ""] + [""] * len(engines)
        geo += [f"{geomean([r['ratios'][label] for r in results]):.3f}" for label in others]
    print_grid(headers, rows, geo, markdown)
    if not markdown:
        longest = max((r for r in results if r["guest_s"] is not None),
                      key=lambda r: r["guest_s"], default=None)
        print(f"\n<engine> ms = median wall time of the whole polyemu process")
        if others:
            print(f"{base}/<engine> = {base} median time / <engine> median time "
                  f"(>=1: <engine> no slower than {base})")
        if longest:
            print(f"longest guest run ('polyemu: seconds' under {base}): {longest['name']} "
                  f"{longest['guest_s'] * 1e3:.0f} ms")


def short_summary_lines(results, engines):
    """'jit: short programs geomean 1.02x interp, slowest exit42 0.97x' per engine."""
    base = baseline_engine(engines)
    lines = []
    for label, _ in engines:
        if label == base:
            continue
        slowest = min(results, key=lambda r: r["ratios"][label])
        g = geomean([r["ratios"][label] for r in results])
        lines.append(f"{label}: short programs geomean {g:.2f}x {base}, slowest "
                     f"{slowest['name']} {slowest['ratios'][label]:.2f}x")
    return lines


def print_grid(headers, rows, footer, markdown):
    """A table: first column left-aligned, the others right-aligned; footer is the
    geomean row (bold in Markdown)."""
    if markdown:
        print("| " + " | ".join(headers) + " |")
        print("|" + "|".join(["---"] + ["---:"] * (len(headers) - 1)) + "|")
        for cells in rows:
            print("| " + " | ".join(cells) + " |")
        if footer:
            print("| " + " | ".join(f"**{c}**" if c else "" for c in footer) + " |")
        return
    allrows = rows + ([footer] if footer else [])
    widths = [max(len(headers[i]), *(len(c[i]) for c in allrows)) for i in range(len(headers))]

    def line(cells):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for cells in rows:
        print(line(cells))
    if footer:
        print(line(footer))


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
        geo += ["", "", f"{geomean([r[emu][2] for r in rows]):.3f}"]
    print_grid(headers, table, geo, markdown)
    if not markdown:
        print("\nsv39/bare = median time under Sv39 paging in S-mode / median time bare in M-mode")


def print_table(results, engines, markdown):
    headers = ["program", "instructions", "QEMU s"]
    for label, _ in engines:
        headers += [f"{label} s", f"{label} ratio"]
    rows = []
    for r in results:
        cells = [r["name"], f"{r['insns']:,}" if r["insns"] is not None else "-",
                 f"{r['qemu_s']:.3f}"]
        for label, _ in engines:
            cells += [f"{r['times'][label]:.3f}", f"{r['ratios'][label]:.3f}"]
        rows.append(cells)
    geo = ["geomean", "", ""]
    for label, _ in engines:
        geo += ["", f"{geomean([r['ratios'][label] for r in results]):.3f}"]
    print_grid(headers, rows, geo, markdown)
    if not markdown:
        print("\n<engine> ratio = QEMU median time / polyemu median time under that engine "
              "(>1: polyemu faster)")


def summary_lines(results, engines):
    """'jit: geomean 2.31x QEMU, slowest crc32 1.40x' per engine."""
    lines = []
    for label, _ in engines:
        slowest = min(results, key=lambda r: r["ratios"][label])
        g = geomean([r["ratios"][label] for r in results])
        lines.append(f"{label}: geomean {g:.2f}x QEMU, slowest {slowest['name']} "
                     f"{slowest['ratios'][label]:.2f}x")
    return lines


def benchmark():
    ap = argparse.ArgumentParser(
        description="Benchmark polyemu (under each engine of --engines) against "
                    "qemu-system-riscv64 on the bare-metal programs in bench/, and the "
                    "engines against each other on the short firmware test programs. "
                    "Times are wall-clock medians of interleaved runs; ratio = qemu time / "
                    "polyemu time (>1: polyemu faster).")
    ap.add_argument("--polyemu", default="build/polyemu",
                    help="polyemu binary (default: %(default)s)")
    ap.add_argument("--build-dir", default="build",
                    help="CMake build dir; ELFs are read from <build-dir>/bench and "
                         "<build-dir>/firmware (default: %(default)s)")
    ap.add_argument("--runs", type=int, default=5,
                    help="runs per emulator/engine and program (default: %(default)s)")
    ap.add_argument("--only", default=None, metavar="NAME,...",
                    help="comma-separated subset of " + ",".join(PROGRAMS) +
                         " and of the short programs; a section none is chosen from is left out")
    ap.add_argument("--engines", default=None, metavar="ENGINE,...",
                    help="polyemu engines to run, each passed as '--engine X'; 'default' "
                         "passes no --engine (default: jit,interp)")
    ap.add_argument("--engine", default=None,
                    help="same as --engines with one engine")
    short = ap.add_mutually_exclusive_group()
    short.add_argument("--short", action="store_true",
                       help="run only the short programs section (<build-dir>/firmware/*.elf "
                            "under each engine, no QEMU)")
    short.add_argument("--no-short", action="store_true",
                       help="leave out the short programs section")
    ap.add_argument("--short-runs", type=int, default=10,
                    help="runs per engine and short program (default: %(default)s)")
    ap.add_argument("--markdown", action="store_true",
                    help="print the result table as Markdown (README-ready)")
    ap.add_argument("--qemu", default="qemu-system-riscv64",
                    help="QEMU binary (default: %(default)s)")
    ap.add_argument("--timeout", type=float, default=300,
                    help="per-run timeout in seconds (default: %(default)s)")
    ap.add_argument("--sv39", action="store_true",
                    help="compare each program bare against its <name>_sv39.elf build "
                         "(S-mode, Sv39 paging) instead of polyemu against QEMU; polyemu "
                         "runs under the first engine of --engines; no short programs")
    ap.add_argument("--sv39-on", default="polyemu", metavar="EMU,...",
                    help="emulators for --sv39: polyemu, qemu or polyemu,qemu (default: %(default)s)")
    args = ap.parse_args()

    if args.runs < 1 or args.short_runs < 1:
        ap.error("--runs and --short-runs must be >= 1")
    if args.engine and args.engines:
        ap.error("give --engines or --engine, not both")
    args.engines = parse_engines(args.engine or args.engines or "jit,interp")
    if not args.engines:
        ap.error("--engines needs at least one engine")
    bad = [e for _, e in args.engines if e == "qemu" or not re.fullmatch(r"[\w.-]+", e)]
    if bad:
        ap.error(f"invalid engine name(s): {', '.join(bad)}")
    if args.sv39 and args.short:
        ap.error("--short does not combine with --sv39")
    args.sv39_on = [e.strip() for e in args.sv39_on.split(",") if e.strip()]
    if not args.sv39_on or any(e not in ("polyemu", "qemu") for e in args.sv39_on):
        ap.error("--sv39-on takes polyemu, qemu or polyemu,qemu")
    if args.sv39:
        args.engines = args.engines[:1]

    build_dir = os.path.abspath(resolve(args.build_dir))
    run_main = not args.short
    run_short = not args.sv39 and not args.no_short
    short_progs, skipped = short_programs(build_dir) if run_short else ([], [])
    programs = PROGRAMS
    if args.only:
        names = [p.strip() for p in args.only.split(",") if p.strip()]
        fw_names = [n for n, _, _ in short_progs]
        unknown = [p for p in names if p not in PROGRAMS and p not in fw_names]
        if unknown:
            ap.error(f"unknown program(s): {', '.join(unknown)} "
                     f"(known: {', '.join(PROGRAMS + fw_names)})")
        programs = [p for p in names if p in PROGRAMS]
        short_progs = [sp for sp in short_progs if sp[0] in names]
        if args.sv39 and not programs:
            ap.error("--sv39 needs a program of: " + ", ".join(PROGRAMS))
        if args.short and not short_progs:
            ap.error("--only chose none of the short programs: " + ", ".join(fw_names))
        run_main = run_main and bool(programs)
        run_short = run_short and bool(short_progs)
    elif run_short and not short_progs:
        print(f"error: no firmware test programs in {build_dir}/firmware (build them, or "
              f"pass --no-short)", file=sys.stderr)
        return 2

    emulators = args.sv39_on if args.sv39 else ["polyemu"] + (["qemu"] if run_main else [])
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
    elf_dir = os.path.join(build_dir, "bench")
    elfs = {p: os.path.join(elf_dir, p + ".elf") for p in programs}
    sv39_elfs = {p: os.path.join(elf_dir, p + "_sv39.elf") for p in programs}
    missing = [e for e in (list(elfs.values()) if run_main else []) +
               (list(sv39_elfs.values()) if args.sv39 else []) if not os.path.isfile(e)]
    if missing:
        print("error: benchmark ELF(s) missing: " + ", ".join(missing) +
              f"\n  build them with: cmake --build {args.build_dir}", file=sys.stderr)
        return 2
    if "polyemu" in emulators:
        why = check_engines(args, args.engines,
                            elfs[programs[0]] if run_main else short_progs[0][2])
        if why:
            print(f"error: {why}", file=sys.stderr)
            return 2

    cpu = host_cpu()
    qver = qemu_version(args.qemu) if "qemu" in emulators else "(not run)"
    engine_list = ", ".join(label for label, _ in args.engines)
    br = "  " if args.markdown else ""  # Markdown line break

    if args.sv39:
        log(f"benchmarking {len(programs)} program(s), {args.runs} run(s) each ...")
        rows = [sv39_program(p, {"bare": elfs[p], "sv39": sv39_elfs[p]}, args) for p in programs]
        print(f"host CPU: {cpu}" + br)
        if "qemu" in emulators:
            print(f"QEMU: {qver}" + br)
        if "polyemu" in emulators:
            print(f"polyemu engine: {engine_list}" + br)
        print(f"median of {args.runs} interleaved runs\n")
        print_sv39_table(rows, args.sv39_on, args.markdown)
        return 0

    if args.markdown:
        print(f"Host CPU: {cpu}  ")
        if run_main:
            print(f"QEMU: {qver}  ")
        print(f"polyemu engines: {engine_list}\n")
    else:
        print(f"host CPU:  {cpu}")
        if run_main:
            print(f"qemu:      {qver}")
        print(f"polyemu:   {args.polyemu} (engines {engine_list})\n")
    sys.stdout.flush()

    summary = []
    if run_main:
        log(f"benchmarking {len(programs)} program(s), {args.runs} run(s) each ...")
        results = [bench_program(p, elfs[p], args) for p in programs]
        if args.markdown:
            print(f"Median of {args.runs} interleaved runs; <engine> ratio = QEMU time / "
                  f"polyemu time (>1: polyemu faster)\n")
        else:
            print(f"bench/ programs against QEMU, median of {args.runs} interleaved runs "
                  f"per emulator/engine\n")
        print_table(results, args.engines, args.markdown)
        print()
        sys.stdout.flush()
        summary += summary_lines(results, args.engines)

    if run_short:
        if skipped:
            log("short programs: skipping " + ", ".join(skipped))
        log(f"short programs: {len(short_progs)} program(s), {args.short_runs} run(s) "
            f"per engine ...")
        results = [short_program(name, code, elf, args) for name, code, elf in short_progs]
        base = baseline_engine(args.engines)
        if args.markdown:
            print(f"Short programs ({args.build_dir}/firmware), median of {args.short_runs} "
                  f"interleaved runs; {base}/<engine> = {base} time / <engine> time "
                  f"(>=1: <engine> no slower)\n")
        else:
            print(f"short programs ({args.build_dir}/firmware/*.elf, one hart), median of "
                  f"{args.short_runs} interleaved runs per engine\n")
        print_short_table(results, args.engines, args.markdown)
        print()
        summary += short_summary_lines(results, args.engines)

    for line in summary:
        print(line + br)
    return 0


def main():
    try:
        return benchmark()
    except BenchError as e:  # a run failed or disagreed: the tables printed so far stand
        print(f"\nBENCHMARK ERROR: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
