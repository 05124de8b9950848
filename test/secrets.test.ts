// One redaction for every message that may quote a credential (an API server's or a proxy's error, a
// Table service's error, the Tables SDK on a connection string): secrets go, ordinary words stay.
import { describe, expect, it } from "vitest";
import { withoutSecrets } from "../src/secrets.js";

const KEY = "c2VjcmV0LWtleS1kby1ub3QtcHJpbnQ+/Zm9vYmFyYmF6cXV4cXV1eA=="; // base64, as account keys are
const SIG = "pQ1aBc%2FdEf%2BgH3iJkLmN0pQrStUvWxYz%3D";
const TOKEN = "SEKRETTOKEN_abcdefghijklmnop0123";

describe("withoutSecrets", () => {
  const secrets: Array<[string, string, string]> = [
    ["an account key in a connection string", `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${KEY};EndpointSuffix=core.windows.net`, "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=(redacted);EndpointSuffix=core.windows.net"],
    ["an account key quoted as JSON", `{"AccountName":"acct","AccountKey":"${KEY}"}`, '{"AccountName":"acct","AccountKey":"(redacted)"}'],
    ["a SAS in a connection string, every field of it", `TableEndpoint=https://acct.table.core.windows.net;SharedAccessSignature=sv=2022-11-02&ss=t&srt=sco&sp=rwdlacu&se=2030-01-01T00:00:00Z&spr=https&sig=${SIG}`, "TableEndpoint=https://acct.table.core.windows.net;SharedAccessSignature=(redacted)"],
    ["a SAS query string on a URL", `GET https://acct.table.core.windows.net/Tables?sv=2022-11-02&sp=r&sig=${SIG} failed`, "GET https://acct.table.core.windows.net/Tables failed"],
    ["a bare SAS query string", `sv=2022-11-02&sp=r&sig=${SIG}`, "sv=2022-11-02&sp=r&sig=(redacted)"],
    ["a signature at the start", `sig=${SIG}`, "sig=(redacted)"],
    ["a bearer token", `Authorization: Bearer ${TOKEN}`, "Authorization: Bearer (redacted)"],
    ["a Shared Key Lite signature, as the Tables SDK signs", `authorization=SharedKeyLite acct:${SIG}`, "authorization=SharedKeyLite (redacted)"],
    ["a Shared Key signature", `Authorization: SharedKey acct:${SIG}`, "Authorization: SharedKey (redacted)"],
    ["a token pair", `dial tcp 10.0.0.1:10092: token=${TOKEN}`, "dial tcp 10.0.0.1:10092: token=(redacted)"],
    ["a key pair in JSON", `{"key": "${KEY}"}`, '{"key": "(redacted)"}'],
    ["a token field in JSON, however plain", '{"token": "SEKRETSPACED"}', '{"token": "(redacted)"}'],
    ["a token of letters", "token=SEKRETPLAINWORD", "token=(redacted)"],
    ["a JWT", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl", "(redacted)"],
  ];
  for (const [what, text, redacted] of secrets) {
    it(`redacts ${what}`, () => expect(withoutSecrets(text)).toBe(redacted));
  }

  const ordinary = [
    "token: 3 pods",
    "invalid storage connection string: segment 2 is not key=value",
    "unable to parse requirement: found 'key=value', expected: ',' or 'end of string'",
    "the continue token expired: 410 Gone",
    "AccountName=acct;EndpointSuffix=core.windows.net",
    "Table store: cannot read in table \"fleetlatest\": 404 TableNotFound (The table specified does not exist.)",
  ];
  for (const text of ordinary) {
    it(`leaves ${JSON.stringify(text)} as it is`, () => expect(withoutSecrets(text)).toBe(text));
  }
});
