#!/bin/sh
# The generated device tree: --dump-dtb writes a blob that Debian's dtc decompiles without
# warnings and that names what the machine has; --dtb boots OpenSBI with it.
# usage: dtb_check.sh POLYEMU     (exit 77: skipped, dtc or OpenSBI missing)
set -u
P=$1
FW=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf
command -v dtc >/dev/null || { echo "skip: dtc (device-tree-compiler) is not installed"; exit 77; }
[ -f "$FW" ] || { echo "skip: $FW (Debian opensbi) is not installed"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
truncate -s 1M "$T/disk.img"
printf 'initrd' >"$T/initrd"
"$P" run --bios "$FW" --smp 2 --memory 256M --initrd "$T/initrd" --append "console=ttyS0 quiet" \
  --drive file="$T/disk.img",format=raw --dump-dtb "$T/virt.dtb" || { echo "FAIL: --dump-dtb"; exit 1; }
dtc -I dtb -O dts -o "$T/virt.dts" "$T/virt.dtb" 2>"$T/warnings" || { echo "FAIL: dtc rejects the blob"; exit 1; }
if [ -s "$T/warnings" ]; then
  echo "FAIL: dtc warns:"; cat "$T/warnings"; exit 1
fi
fail=0
for want in 'cpu@0 {' 'cpu@1 {' 'riscv,isa = "rv64imafdc_zicsr_zifencei";' 'mmu-type = "riscv,sv48";' \
    'bootargs = "console=ttyS0 quiet";' 'linux,initrd-start = <0x00 0x88000000>;' \
    'linux,initrd-end = <0x00 0x88000006>;' 'stdout-path = "/soc/serial@10000000";' \
    'reg = <0x00 0x80000000 0x00 0x10000000>;' 'timebase-frequency = <0x989680>;' \
    'plic@c000000 {' 'riscv,ndev = <0x5f>;' 'clint@2000000 {' 'serial@10000000 {' 'rtc@101000 {' \
    'virtio_mmio@10001000 {' 'compatible = "syscon-poweroff";' 'value = <0x5555>;' 'value = <0x7777>;'; do
  grep -qF -- "$want" "$T/virt.dts" || { echo "FAIL: device tree lacks: $want"; fail=1; }
done
if grep -qF 'virtio_mmio@10002000' "$T/virt.dts"; then echo "FAIL: a virtio slot without a drive"; fail=1; fi
# The dumped blob boots OpenSBI through --dtb (it prints the model it finds there).
"$P" run --bios "$FW" --smp 2 --memory 256M --dtb "$T/virt.dtb" --max-insns 30000000 >"$T/out" 2>&1
grep -q "Platform Name             : riscv-virtio,polyemu" "$T/out" || { echo "FAIL: OpenSBI did not boot with --dtb"; fail=1; }
grep -q "Platform HART Count       : 2" "$T/out" || { echo "FAIL: OpenSBI did not see 2 harts"; fail=1; }
[ $fail = 0 ] && echo "device tree ok"
exit $fail
