// Decode VietQR payloads with vietnam-qr-pay, a decoder written apart from the portal's builder.
// Reads one payload per line on stdin; writes one JSON object per line on stdout.
// `node decode.js --banks` prints the package's bank list instead (checked against banks.yaml).
"use strict";
const readline = require("readline");
const { QRPay, Banks } = require("vietnam-qr-pay");

if (process.argv[2] === "--banks") {
  process.stdout.write(JSON.stringify(Banks) + "\n");
  process.exit(0);
}

const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on("line", (line) => {
  const qr = new QRPay(line);
  const out = {
    isValid: qr.isValid,
    version: qr.version ?? null,
    initMethod: qr.initMethod ?? null,
    provider: qr.provider?.name ?? null,
    guid: qr.provider?.guid ?? null,
    service: qr.provider?.service ?? null,
    bankBin: qr.consumer?.bankBin ?? null,
    bankNumber: qr.consumer?.bankNumber ?? null,
    currency: qr.currency ?? null,
    amount: qr.amount ?? null,
    nation: qr.nation ?? null,
    purpose: qr.additionalData?.purpose ?? null,
    crc: qr.crc ?? null,
    rebuilt: qr.isValid ? qr.build() : null,
  };
  process.stdout.write(JSON.stringify(out) + "\n");
});
