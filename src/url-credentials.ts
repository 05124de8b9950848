// URLs as they may be stored or shown: a kubeconfig's server (https://admin:pw@host/?access_token=…)
// or an endpoint in an error message can carry credentials in its userinfo, query or fragment.

/**
 * scheme://host:port and path of an http(s) URL, without userinfo, query or fragment; undefined when
 * `url` is no http(s) URL (what it holds then cannot be told apart from a credential).
 */
export function withoutCredentials(url: string | undefined): string | undefined {
  if (!url) return undefined;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") return undefined;
  return `${u.protocol}//${u.host}${u.pathname === "/" ? "" : u.pathname}`;
}

/** scheme://host:port of a URL, for a log line about a setting that may hold a SAS or a key; undefined when it has no host. */
export function schemeAndHost(value: string): string | undefined {
  try {
    const u = new URL(value);
    return u.host ? `${u.protocol}//${u.host}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `text` with every URL in it as `withoutCredentials` gives it (an error that repeats the URL it failed on).
 * A URL ends at `;`, as a connection string's TableEndpoint does before its next segment.
 */
export function urlsWithoutCredentials(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>;]+/gi, (url) => withoutCredentials(url) ?? "(a URL)");
}
