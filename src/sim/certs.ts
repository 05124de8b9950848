// A throwaway CA and leaf certificates for the simulator, built with node:crypto and a minimal DER
// writer. @peculiar/x509 needs a global Reflect-metadata polyfill (tsyringe), which we do not want to
// install into every process that imports the simulator.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const octets = (b: Buffer): Buffer => tlv(0x04, b);
const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0x00]));
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, "utf8"));
const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 | n, inner);

function integer(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0 && (b[i + 1]! & 0x80) === 0) i++;
  let v = b.subarray(i);
  if ((v[0]! & 0x80) !== 0) v = Buffer.concat([Buffer.from([0]), v]);
  return tlv(0x02, v);
}

function bitString(b: Buffer, unusedBits = 0): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), b]));
}

function oid(dotted: string): Buffer {
  const parts = dotted.split(".").map(Number);
  const out: number[] = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const stack: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) stack.unshift(0x80 | (v & 0x7f));
    out.push(...stack);
  }
  return tlv(0x06, Buffer.from(out));
}

function utcTime(d: Date): Buffer {
  const p = (n: number): string => String(n).padStart(2, "0");
  const s = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return tlv(0x17, Buffer.from(s, "ascii"));
}

const OID = {
  ecdsaSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  organization: "2.5.4.10",
  subjectKeyId: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyId: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
};

function name(cn: string, org?: string): Buffer {
  const rdns = [];
  if (org) rdns.push(set(seq(oid(OID.organization), utf8(org))));
  rdns.push(set(seq(oid(OID.commonName), utf8(cn))));
  return seq(...rdns);
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));
}

function spkiDer(key: KeyObject): Buffer {
  return key.export({ type: "spki", format: "der" });
}

/** RFC 5280 method 1: SHA-1 of the subjectPublicKey bits (the SPKI's trailing BIT STRING). */
function keyId(pub: KeyObject): Buffer {
  const spki = spkiDer(pub);
  // P-256 uncompressed points are the last 65 bytes of the SPKI.
  return createHash("sha1").update(spki.subarray(spki.length - 65)).digest();
}

function toPem(label: string, der: Buffer): string {
  const b64 = der.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

export interface CertKeyPair {
  certPem: string;
  keyPem: string;
}

export interface SimCa extends CertKeyPair {
  issue(opts: LeafOptions): CertKeyPair;
}

export interface LeafOptions {
  commonName: string;
  organization?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  usage: "server" | "client";
}

const YEAR_MS = 365 * 24 * 3600 * 1000;

function buildCert(opts: {
  subject: Buffer;
  issuer: Buffer;
  subjectKey: KeyObject;
  signingKey: KeyObject;
  extensions: Buffer[];
}): Buffer {
  const notBefore = new Date(Date.now() - 3600 * 1000);
  const notAfter = new Date(Date.now() + 10 * YEAR_MS);
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  const sigAlg = seq(oid(OID.ecdsaSha256));
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    sigAlg,
    opts.issuer,
    seq(utcTime(notBefore), utcTime(notAfter)),
    opts.subject,
    spkiDer(opts.subjectKey),
    explicit(3, seq(...opts.extensions)),
  );
  const signature = sign("sha256", tbs, { key: opts.signingKey, dsaEncoding: "der" });
  return seq(tbs, sigAlg, bitString(signature));
}

function ipOctets(ip: string): Buffer {
  return Buffer.from(ip.split(".").map(Number));
}

/** Creates an ECDSA P-256 CA that can issue server and client certificates. */
export function createCa(commonName = "fleet-audit-sim-ca"): SimCa {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const subject = name(commonName);
  const caKeyId = keyId(publicKey);
  const der = buildCert({
    subject,
    issuer: subject,
    subjectKey: publicKey,
    signingKey: privateKey,
    extensions: [
      extension(OID.basicConstraints, true, seq(bool(true))),
      // digitalSignature | keyCertSign | cRLSign
      extension(OID.keyUsage, true, bitString(Buffer.from([0x86]), 1)),
      extension(OID.subjectKeyId, false, octets(caKeyId)),
    ],
  });
  const ca: SimCa = {
    certPem: toPem("CERTIFICATE", der),
    keyPem: privateKey.export({ type: "sec1", format: "pem" }).toString(),
    issue(leaf: LeafOptions): CertKeyPair {
      const kp = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
      const sans = [
        ...(leaf.dnsNames ?? []).map((d) => tlv(0x82, Buffer.from(d, "ascii"))),
        ...(leaf.ipAddresses ?? []).map((ip) => tlv(0x87, ipOctets(ip))),
      ];
      const exts = [
        extension(OID.basicConstraints, true, seq()),
        extension(OID.keyUsage, true, bitString(Buffer.from([0x80]), 7)), // digitalSignature
        extension(OID.extKeyUsage, false, seq(oid(leaf.usage === "server" ? OID.serverAuth : OID.clientAuth))),
        extension(OID.authorityKeyId, false, seq(tlv(0x80, caKeyId))),
      ];
      if (sans.length > 0) exts.push(extension(OID.subjectAltName, false, seq(...sans)));
      const leafDer = buildCert({
        subject: name(leaf.commonName, leaf.organization),
        issuer: subject,
        subjectKey: kp.publicKey,
        signingKey: privateKey,
        extensions: exts,
      });
      return {
        certPem: toPem("CERTIFICATE", leafDer),
        keyPem: kp.privateKey.export({ type: "sec1", format: "pem" }).toString(),
      };
    },
  };
  return ca;
}
