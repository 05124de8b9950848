// The v2 document in the protobuf encoding (gnostic's openapi.v2.Document) that client-go's
// discovery client insists on: it asks only for it and parses the body as protobuf whatever the
// Content-Type says. Only the messages and fields the simulator's documents use are written.
import { stringify } from "yaml";
import type { V2Document } from "./documents.js";

/** Field numbers from gnostic's OpenAPIv2.proto. */
const DOCUMENT = { swagger: 1, info: 2, paths: 8, definitions: 9 } as const;
const INFO = { title: 1, version: 2 } as const;
const SCHEMA: Record<string, number> = {
  $ref: 1,
  format: 2,
  title: 3,
  description: 4,
  default: 5,
  uniqueItems: 16,
  required: 19,
  enum: 20,
  additionalProperties: 21,
  type: 22,
  items: 23,
  allOf: 24,
  properties: 25,
  readOnly: 27,
};
const SCHEMA_VENDOR_EXTENSION = 31;

/** Protobuf wire format: a message is its fields' tagged encodings, concatenated. */
class Message {
  private readonly parts: Buffer[] = [];

  private varint(n: number): void {
    const bytes: number[] = [];
    for (; n > 0x7f; n = Math.floor(n / 128)) bytes.push((n & 0x7f) | 0x80);
    bytes.push(n);
    this.parts.push(Buffer.from(bytes));
  }
  bytes(field: number, b: Buffer): this {
    this.varint((field << 3) | 2);
    this.varint(b.length);
    this.parts.push(b);
    return this;
  }
  string(field: number, s: string): this {
    return this.bytes(field, Buffer.from(s, "utf8"));
  }
  message(field: number, m: Message): this {
    return this.bytes(field, m.finish());
  }
  bool(field: number, v: boolean): this {
    this.varint(field << 3);
    this.varint(v ? 1 : 0);
    return this;
  }
  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** openapi.v2.Any holds a value as YAML text; NamedAny pairs it with a name. */
const any = (v: unknown): Message => new Message().string(2, stringify(v));
const named = (name: string, value: Message): Message => new Message().string(1, name).message(2, value);

function schema(s: Record<string, unknown>): Message {
  const m = new Message();
  for (const [key, v] of Object.entries(s)) {
    if (key.startsWith("x-")) {
      m.message(SCHEMA_VENDOR_EXTENSION, named(key, any(v)));
      continue;
    }
    const field = SCHEMA[key];
    if (field === undefined) throw new Error(`OpenAPI v2 protobuf: unsupported schema field ${key}`);
    switch (key) {
      case "default":
        m.message(field, any(v));
        break;
      case "enum":
        for (const e of v as unknown[]) m.message(field, any(e));
        break;
      case "required":
        for (const r of v as string[]) m.string(field, r);
        break;
      case "type":
        m.message(field, new Message().string(1, v as string));
        break;
      case "items":
        m.message(field, new Message().message(1, schema(v as Record<string, unknown>)));
        break;
      case "allOf":
        for (const sub of v as Record<string, unknown>[]) m.message(field, schema(sub));
        break;
      case "additionalProperties":
        m.message(field, typeof v === "boolean" ? new Message().bool(2, v) : new Message().message(1, schema(v as Record<string, unknown>)));
        break;
      case "properties":
        m.message(field, namedSchemas(v as Record<string, Record<string, unknown>>));
        break;
      case "uniqueItems":
      case "readOnly":
        m.bool(field, v as boolean);
        break;
      default:
        m.string(field, v as string);
    }
  }
  return m;
}

/** Properties and Definitions share one shape: repeated NamedSchema additional_properties = 1. */
function namedSchemas(map: Record<string, Record<string, unknown>>): Message {
  const m = new Message();
  for (const [name, s] of Object.entries(map)) m.message(1, named(name, schema(s)));
  return m;
}

/** Encodes a v2 document of swagger, info, (empty) paths and definitions. */
export function encodeV2Document(doc: V2Document): Buffer {
  return new Message()
    .string(DOCUMENT.swagger, doc.swagger)
    .message(DOCUMENT.info, new Message().string(INFO.title, doc.info.title).string(INFO.version, doc.info.version))
    .message(DOCUMENT.paths, new Message())
    .message(DOCUMENT.definitions, namedSchemas(doc.definitions))
    .finish();
}
