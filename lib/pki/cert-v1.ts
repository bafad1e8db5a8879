/**
 * Reads a v1 Nebula certificate (PEM banner `NEBULA CERTIFICATE`, protobuf inside) without running
 * `nebula-cert print -json`, which saves one process spawn per signed certificate. Pure: no child
 * processes, no files.
 *
 * It answers only when it is sure to agree with `print -json`: anything it does not fully
 * understand (a v2 certificate, a malformed or non-canonical encoding, a mask that is not a prefix)
 * gives null, and the caller falls back to nebula-cert.
 *
 *   RawNebulaCertificate { Details = 1 (message), Signature = 2 (bytes) }
 *   Details { Name = 1, Ips = 2, Subnets = 3 (packed uint32 ip/mask pairs), Groups = 4,
 *             NotBefore = 5, NotAfter = 6 (int64 unix seconds), PublicKey = 7, IsCA = 8,
 *             Issuer = 9 (raw CA fingerprint), curve = 100 (enum) }
 */
import { createHash } from "node:crypto";
import type { CertDetails } from "./nebula-cert";

const V1_BANNER = "NEBULA CERTIFICATE";

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

/** The protobuf bytes could not be read; turned into `null` at the module's edge. */
class MalformedCertificate extends Error {}

interface RawDetails {
  name: string;
  ips: number[];
  subnets: number[];
  groups: string[];
  notBefore: bigint;
  notAfter: bigint;
  publicKey: Uint8Array;
  isCa: boolean;
  issuer: Uint8Array;
  curve: bigint;
}

interface RawCertificate {
  details: RawDetails;
  signature: Uint8Array;
}

export function readV1Certificate(pem: string): CertDetails | null {
  const der = decodeSinglePemBlock(pem, V1_BANNER);
  if (!der) return null;
  let raw: RawCertificate;
  try {
    raw = parseRawCertificate(der);
  } catch (error) {
    if (error instanceof MalformedCertificate) return null;
    throw error;
  }
  // nebula-cert fingerprints the re-marshalled certificate, not the bytes it read. Hashing our
  // bytes is only right when they are exactly what Go's marshaller would write; nebula-cert's own
  // output always is, so this check costs nothing in practice and keeps blocklists correct.
  if (!bytesEqual(encodeRawCertificate(raw), der)) return null;
  const networks = toNetworks(raw.details.ips);
  const unsafeNetworks = toNetworks(raw.details.subnets);
  const notBefore = unixSecondsToDate(raw.details.notBefore);
  const notAfter = unixSecondsToDate(raw.details.notAfter);
  if (!networks || !unsafeNetworks || !notBefore || !notAfter) return null;
  return {
    name: raw.details.name,
    networks,
    unsafeNetworks,
    groups: raw.details.groups,
    notBefore,
    notAfter,
    isCa: raw.details.isCa,
    issuer: toHex(raw.details.issuer),
    publicKey: toHex(raw.details.publicKey),
    fingerprint: createHash("sha256").update(der).digest("hex"),
    version: 1,
  };
}

// ---------------------------------------------------------------------------------------------
// PEM

/** The body of the one PEM block in `text` with exactly this banner; null for anything else. */
function decodeSinglePemBlock(text: string, banner: string): Uint8Array | null {
  const begin = `-----BEGIN ${banner}-----`;
  const end = `-----END ${banner}-----`;
  const trimmed = text.trim();
  // A bundle of several blocks, or a V2 banner (which merely starts with ours), is not ours to read.
  if (!trimmed.startsWith(`${begin}\n`) && !trimmed.startsWith(`${begin}\r\n`)) return null;
  if (!trimmed.endsWith(end) || trimmed.indexOf("-----BEGIN", begin.length) !== -1) return null;
  const body = trimmed.slice(begin.length, trimmed.length - end.length).replace(/\s+/g, "");
  // Buffer's decoder skips characters it does not know; a PEM with headers or junk must not pass.
  if (body === "" || body.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return null;
  return new Uint8Array(Buffer.from(body, "base64"));
}

// ---------------------------------------------------------------------------------------------
// Reading protobuf

class ProtoReader {
  private offset = 0;

  constructor(private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  varint(): bigint {
    let value = 0n;
    // A varint carries at most 64 bits: ten groups of seven.
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = this.byte();
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, value);
    }
    throw new MalformedCertificate("varint longer than ten bytes");
  }

  tag(): { field: number; wireType: number } {
    const tag = this.varint();
    const field = Number(tag >> 3n);
    if (field === 0 || tag > 0xffffffffn) throw new MalformedCertificate("invalid field number");
    return { field, wireType: Number(tag & 7n) };
  }

  lengthDelimited(): Uint8Array {
    const length = this.varint();
    if (length > BigInt(this.bytes.length - this.offset)) throw new MalformedCertificate("length past the end");
    const start = this.offset;
    this.offset += Number(length);
    return this.bytes.subarray(start, this.offset);
  }

  skip(wireType: number): void {
    if (wireType === WIRE_VARINT) this.varint();
    else if (wireType === WIRE_LENGTH_DELIMITED) this.lengthDelimited();
    else if (wireType === WIRE_FIXED64) this.advance(8);
    else if (wireType === WIRE_FIXED32) this.advance(4);
    else throw new MalformedCertificate(`unsupported wire type ${wireType}`);
  }

  private byte(): number {
    const byte = this.bytes[this.offset];
    if (byte === undefined) throw new MalformedCertificate("truncated");
    this.offset += 1;
    return byte;
  }

  private advance(count: number): void {
    if (this.offset + count > this.bytes.length) throw new MalformedCertificate("truncated");
    this.offset += count;
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function decodeString(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    // Go's proto3 unmarshal rejects invalid UTF-8 in string fields too.
    throw new MalformedCertificate("string is not UTF-8");
  }
}

function expectWireType(actual: number, expected: number): void {
  if (actual !== expected) throw new MalformedCertificate(`wire type ${actual}, expected ${expected}`);
}

/** A repeated uint32 arrives packed (what Go writes) or, legally, one value per tag. */
function readUint32s(reader: ProtoReader, wireType: number, into: number[]): void {
  const toUint32 = (v: bigint) => Number(BigInt.asUintN(32, v));
  if (wireType === WIRE_VARINT) {
    into.push(toUint32(reader.varint()));
    return;
  }
  expectWireType(wireType, WIRE_LENGTH_DELIMITED);
  const packed = new ProtoReader(reader.lengthDelimited());
  while (!packed.done) into.push(toUint32(packed.varint()));
}

function parseRawCertificate(der: Uint8Array): RawCertificate {
  const reader = new ProtoReader(der);
  let details: RawDetails | null = null;
  let signature: Uint8Array = new Uint8Array();
  while (!reader.done) {
    const { field, wireType } = reader.tag();
    if (field === 1) {
      expectWireType(wireType, WIRE_LENGTH_DELIMITED);
      // Protobuf would merge a second Details into the first; nebula-cert never writes one.
      if (details) throw new MalformedCertificate("Details twice");
      details = parseDetails(reader.lengthDelimited());
    } else if (field === 2) {
      expectWireType(wireType, WIRE_LENGTH_DELIMITED);
      signature = reader.lengthDelimited();
    } else {
      reader.skip(wireType);
    }
  }
  // The same checks nebula's UnmarshalNebulaCertificate makes.
  if (!details) throw new MalformedCertificate("no Details");
  if (details.ips.length % 2 !== 0 || details.subnets.length % 2 !== 0) throw new MalformedCertificate("addresses not in ip/mask pairs");
  return { details, signature };
}

function emptyDetails(): RawDetails {
  return { name: "", ips: [], subnets: [], groups: [], notBefore: 0n, notAfter: 0n, publicKey: new Uint8Array(), isCa: false, issuer: new Uint8Array(), curve: 0n };
}

function parseDetails(bytes: Uint8Array): RawDetails {
  const reader = new ProtoReader(bytes);
  const d = emptyDetails();
  while (!reader.done) {
    const { field, wireType } = reader.tag();
    const bytesField = () => {
      expectWireType(wireType, WIRE_LENGTH_DELIMITED);
      return reader.lengthDelimited();
    };
    const varintField = () => {
      expectWireType(wireType, WIRE_VARINT);
      return reader.varint();
    };
    switch (field) {
      case 1:
        d.name = decodeString(bytesField());
        break;
      case 2:
        readUint32s(reader, wireType, d.ips);
        break;
      case 3:
        readUint32s(reader, wireType, d.subnets);
        break;
      case 4:
        d.groups.push(decodeString(bytesField()));
        break;
      case 5:
        d.notBefore = BigInt.asIntN(64, varintField());
        break;
      case 6:
        d.notAfter = BigInt.asIntN(64, varintField());
        break;
      case 7:
        d.publicKey = bytesField();
        break;
      case 8:
        d.isCa = varintField() !== 0n;
        break;
      case 9:
        d.issuer = bytesField();
        break;
      case 100:
        d.curve = varintField();
        break;
      default:
        reader.skip(wireType);
    }
  }
  return d;
}

// ---------------------------------------------------------------------------------------------
// Writing protobuf, only to check that the input was canonical (see readV1Certificate)

class ProtoWriter {
  private readonly out: number[] = [];

  varint(value: bigint): this {
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      this.out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.out.push(Number(v));
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.varint(BigInt((field << 3) | wireType));
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, WIRE_LENGTH_DELIMITED).varint(BigInt(data.length));
    for (const b of data) this.out.push(b);
    return this;
  }

  /** Proto3 leaves out scalars with their zero value. */
  optionalVarint(field: number, value: bigint): this {
    return value === 0n ? this : this.tag(field, WIRE_VARINT).varint(value);
  }

  optionalBytes(field: number, data: Uint8Array): this {
    return data.length === 0 ? this : this.bytes(field, data);
  }

  packedUint32s(field: number, values: number[]): this {
    if (values.length === 0) return this;
    const packed = new ProtoWriter();
    for (const v of values) packed.varint(BigInt(v));
    return this.bytes(field, packed.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

const utf8Encoder = new TextEncoder();

/** What Go's marshaller writes: fields in number order, zero values left out, repeated numbers packed. */
function encodeRawCertificate(raw: RawCertificate): Uint8Array {
  const d = raw.details;
  const details = new ProtoWriter()
    .optionalBytes(1, utf8Encoder.encode(d.name))
    .packedUint32s(2, d.ips)
    .packedUint32s(3, d.subnets);
  for (const group of d.groups) details.bytes(4, utf8Encoder.encode(group));
  details
    .optionalVarint(5, d.notBefore)
    .optionalVarint(6, d.notAfter)
    .optionalBytes(7, d.publicKey)
    .optionalVarint(8, d.isCa ? 1n : 0n)
    .optionalBytes(9, d.issuer)
    .optionalVarint(100, d.curve);
  return new ProtoWriter().bytes(1, details.finish()).optionalBytes(2, raw.signature).finish();
}

// ---------------------------------------------------------------------------------------------
// Presenting the details as print -json does

/** "a.b.c.d/prefix" for each ip/mask pair; null when a mask is not a prefix (print would not say "/n"). */
function toNetworks(pairs: number[]): string[] | null {
  const networks: string[] = [];
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const prefix = prefixLength(pairs[i + 1]!);
    if (prefix === null) return null;
    networks.push(`${ipv4Text(pairs[i]!)}/${prefix}`);
  }
  return networks;
}

function prefixLength(mask: number): number | null {
  const inverted = ~mask >>> 0;
  // A contiguous mask inverts to 2^k - 1, which shares no bit with its successor.
  if ((inverted & (inverted + 1)) !== 0) return null;
  return 32 - Math.log2(inverted + 1);
}

function ipv4Text(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 0xff, (ip >>> 8) & 0xff, ip & 0xff].join(".");
}

/** null beyond what a JavaScript Date can hold (about 275,000 years either way). */
function unixSecondsToDate(seconds: bigint): Date | null {
  const date = new Date(Number(seconds) * 1000);
  return Number.isNaN(date.getTime()) ? null : date;
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
