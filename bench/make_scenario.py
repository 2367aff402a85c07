#!/usr/bin/env python3
"""Writes a scenario of DEVICES simulated H100s with PROCESSES compute processes in all.

Every device is a copy of the first device of the shipped demo scenario
(config/scenarios/demo-8x-h100-training.scenario) with its own uuid, serial, PCI bus id and
minor number; the processes are spread round-robin over the devices (process keys:
docs/simulator.md, "Device keys"), each with an utilization sample.

Usage: make_scenario.py DEMO_SCENARIO DEVICES PROCESSES > out.scenario
"""
import sys


def main():
    demo, devices, processes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    head, blocks, cur = [], [], None
    for line in open(demo, encoding="utf-8"):
        if line.strip() == "device":
            cur = []
            blocks.append(cur)
        (head if cur is None else cur).append(line)
    first = blocks[0]
    print("".join(l for l in head if not l.startswith("#")), end="")
    for d in range(devices):
        print("device")
        for line in first[1:]:
            key = line.split(" ", 1)[0].strip()
            if key == "uuid":
                line = "uuid GPU-5afe0de0-0000-4000-8000-%012x\n" % d
            elif key == "serial":
                line = "serial %d\n" % (165000000000 + d)
            elif key == "pci_bus_id":
                line = "pci_bus_id 0000%04x:%02x:00.0\n" % (d // 256, d % 256)
            elif key == "minor_number":
                line = "minor_number %d\n" % d
            elif key == "process":
                continue
            elif key.startswith("#") or key == "device":
                continue
            print(line, end="")
        for p in range(d, processes, devices):
            print("process %d used_bytes=1GiB sm=sine(50,3,20,0) mem=10" % (40000 + p))


if __name__ == "__main__":
    main()
