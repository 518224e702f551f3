"""A Modbus TCP device served by pymodbus (an implementation nobody here wrote), from raw words.

usage: /usr/bin/python3 pymodbus_device.py PORT IMAGE.json       (Modbus TCP on 127.0.0.1:PORT)
       /usr/bin/python3 pymodbus_device.py /dev/TTY IMAGE.json   (Modbus RTU, 19200 8E1)
IMAGE.json: {"unit": N, "hr": {"ADDRESS": [words...]}, "ir": {"ADDRESS": [words...]}} with zero-based wire
addresses. Registers not listed answer exception 2 (sparse blocks). Prints "ready" once listening.
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
        server = await StartAsyncSerialServer(context=context, framer=ModbusRtuFramer, port=sys.argv[1],
                                              baudrate=19200, bytesize=8, parity="E", stopbits=1, defer_start=True)
    else:
        server = await StartAsyncTcpServer(context=context, address=("127.0.0.1", int(sys.argv[1])),
                                           defer_start=True)
    print("ready", flush=True)
    await server.serve_forever()


asyncio.run(main())
