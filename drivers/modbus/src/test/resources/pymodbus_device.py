"""A Modbus TCP or RTU device served by pymodbus (an implementation nobody here wrote), from raw words.

usage: /usr/bin/python3 pymodbus_device.py PORT IMAGE.json                (Modbus TCP on 127.0.0.1:PORT)
       /usr/bin/python3 pymodbus_device.py /dev/TTY IMAGE.json [FRAMING]   (Modbus RTU at 19200, FRAMING 8E1 unless
                                                                          given: 8N1, 8E1, 8O1, 8N2)
IMAGE.json: {"unit": N, "hr": {"ADDRESS": [words...]}, "ir": {"ADDRESS": [words...]}} with zero-based wire
addresses, or {"units": [{"unit": N, ...}, ...]} for several devices behind one port (a gateway, or units sharing
an RS-485 line). Registers not listed answer exception 2 (sparse blocks). On TCP a unit id not in the image is
answered with exception 11 (gateway target failed to respond); on a serial line it gets no answer, as on RS-485.
Prints "ready" once listening (serial: once the port is open; failing to open it exits with status 2).

A pseudo-terminal (socat) cannot hold parity: the kernel clears PARENB and glibc's tcsetattr then fails with EINVAL,
so pyserial opens a pty with 8E1 only when something else changes with it. Serve a pty with 8N1.
"""
import asyncio
import json
import sys

from pymodbus.datastore import ModbusServerContext, ModbusSlaveContext, ModbusSparseDataBlock
from pymodbus.framer.rtu_framer import ModbusRtuFramer
from pymodbus.server import StartAsyncSerialServer, StartAsyncTcpServer


def block(spec):
    values = {}
    for start, words in (spec or {}).items():
        for i, w in enumerate(words):
            values[int(start) + i] = w
    return ModbusSparseDataBlock(values or {0: 0})


async def main():
    with open(sys.argv[2]) as f:
        image = json.load(f)
    units = image["units"] if "units" in image else [image]
    slaves = {}
    for u in units:
        slaves[u["unit"]] = ModbusSlaveContext(hr=block(u.get("hr")), ir=block(u.get("ir")), zero_mode=True)
    context = ModbusServerContext(slaves=slaves, single=False)
    if sys.argv[1].startswith("/"):
        framing = sys.argv[3] if len(sys.argv) > 3 else "8E1"
        server = await StartAsyncSerialServer(context=context, framer=ModbusRtuFramer, port=sys.argv[1],
                                              baudrate=19200, bytesize=int(framing[0]), parity=framing[1],
                                              stopbits=int(framing[2]), ignore_missing_slaves=True,
                                              auto_reconnect=False, defer_start=True)
        # with defer_start a serial server's serve_forever only sleeps: start() is what opens the port
        try:
            await server.start()
        except Exception as e:  # pyserial's SerialException, or termios.error underneath
            print(f"cannot open {sys.argv[1]} at 19200 {framing}: {e}", file=sys.stderr, flush=True)
            sys.exit(2)
        if server.transport is None:
            print(f"cannot open {sys.argv[1]} at 19200 {framing}", file=sys.stderr, flush=True)
            sys.exit(2)
    else:
        server = await StartAsyncTcpServer(context=context, address=("127.0.0.1", int(sys.argv[1])),
                                           defer_start=True)
    print("ready", flush=True)
    await server.serve_forever()


asyncio.run(main())
