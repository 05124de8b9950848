// One redaction for every message that may quote a credential (an API server's or a proxy's error, a
// Table service's error, the Tables SDK on a connection string): secrets go, ordinary words stay.
import { describe, expect, it } from "vitest";
import { withoutLongRuns, withoutSecrets } from "../src/secrets.js";

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
    // Credential names inside identifiers, in any case, joined by `_` or `-`.
    ["a camelCase token field", `{"accessToken":"${TOKEN}","expiresOn":"2030"}`, '{"accessToken":"(redacted)","expiresOn":"2030"}'],
    ["a camelCase secret field, spaced", '{"clientSecret": "SEKRET_0123456789"}', '{"clientSecret": "(redacted)"}'],
    ["a camelCase secret pair", "AADSTS7000215: Invalid client secret provided. clientSecret=SEKRET~0123", "AADSTS7000215: Invalid client secret provided. clientSecret=(redacted)"],
    ["an AWS secret key", `aws_secret_access_key=${KEY}`, "aws_secret_access_key=(redacted)"],
    ["a private key pair", "private_key=SEKRET", "private_key=(redacted)"],
    ["a kubeconfig's client key data", "client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQ==", "client-key-data: (redacted)"],
    ["a signature named by its service", `x-ms-sig=${SIG}`, "x-ms-sig=(redacted)"],
    ["a token named by its use", `github_token=${TOKEN}`, "github_token=(redacted)"],
    // Single quotes, as Python prints a dict.
    ["a single-quoted token field", `{'access_token': '${TOKEN}', 'token_type': 'Bearer'}`, "{'access_token': '(redacted)', 'token_type': 'Bearer'}"],
    ["a single-quoted token", "token: 'SEKRETQUOTED'", "token: '(redacted)'"],
    // Shapes that need no name.
    ["a PEM key", "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEISEKRET\n-----END EC PRIVATE KEY----- read", "(redacted) read"],
    ["a PEM key in JSON", '{"clientKeyData":"-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEEISEKRET\\n-----END EC PRIVATE KEY-----\\n","x":1}', '{"clientKeyData":"(redacted)","x":1}'],
    ["a PEM key cut short", "key: -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEISEKRET\nSEKRETLAST==", "key: (redacted)"],
    ["a base64 PEM", "LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tCk1IY0NBUUVF", "(redacted)"],
    ["a Google access token", "ERROR: (gcloud.auth) refresh token ya29.SEKRET-0123_abc is invalid", "ERROR: (gcloud.auth) refresh token (redacted) is invalid"],
    ["a GitHub token", "failed with ghp_SEKRETabcdefghijklmnopqrstuvwxyz0123", "failed with (redacted)"],
    ["a cookie header, every cookie", "Cookie: theme=dark; session=SEKRETCOOKIE", "Cookie: (redacted)"],
    ["a Shared Key signature without its header", `auth SharedKey acct:${SIG} rejected`, "auth SharedKey (redacted) rejected"],
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
    "Duplicate key=kubernetes.azure.com/podnetwork-type in selector",
    'secret "azure-cns-x" is forbidden',
    "token: RefreshToken expired",
    "AADSTS7000215: Invalid client secret provided.",
    "signal: killed",
    "SharedKey authorization is not permitted on this storage account",
  ];
  for (const text of ordinary) {
    it(`leaves ${JSON.stringify(text)} as it is`, () => expect(withoutSecrets(text)).toBe(text));
  }
});

// A plugin's stderr has no business holding a long random string: any is taken for a credential.
describe("withoutLongRuns", () => {
  it("redacts a run of 32 base64, base64url or hex characters or more", () => {
    expect(withoutLongRuns(`refresh failed for SEKRETghp0123456789abcdefghijklmn, key ${KEY} and hex ${"9f".repeat(20)}`)).toBe("refresh failed for (redacted), key (redacted) and hex (redacted)");
  });
  it("leaves shorter runs and GUIDs (tenant, client and trace IDs)", () => {
    const text = "AADSTS700016: Application with identifier '6dae42f8-4368-4678-94ff-3960e28e3630' was not found in the directory AzurePublicCloud-6dae42f8-4368-4678-94ff-3960e28e3630 (sha 9f8e7d6c5b4a3928)";
    expect(withoutLongRuns(text)).toBe(text);
  });
});
