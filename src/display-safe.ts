// Names from clusters, kubeconfigs and ARM as people see them (terminal, CSV, Markdown, html, Teams):
// a character that acts instead of showing is written out as an escape, so a name can neither drive a
// terminal nor pass for another name. Letters of every script and emoji show as they are.

/**
 * Controls (C0, DEL, C1), format characters (bidi embeddings, overrides, isolates and marks, zero-width
 * space and joiners, BOM, soft hyphen, tag characters) and the line and paragraph separators; but an
 * emoji sequence (👩🏽‍💻 joins pictographs with U+200D, a subdivision flag is 🏴 and tags) stays whole.
 */
export const HIDDEN = /(\p{Extended_Pictographic}(?:\uFE0F|[\u{1F3FB}-\u{1F3FF}])?(?:\u200D\p{Extended_Pictographic}(?:\uFE0F|[\u{1F3FB}-\u{1F3FF}])?)+|\u{1F3F4}[\u{E0020}-\u{E007E}]+\u{E007F})|[\p{Cc}\p{Cf}\u2028\u2029]/gu;

/** \xNN as before for the controls; \uNNNN (\u{NNNNN} past the BMP) for the others. */
function escaped(c: string): string {
  const n = c.codePointAt(0)!;
  const hex = n.toString(16);
  return n <= 0xff ? `\\x${hex.padStart(2, "0")}` : n <= 0xffff ? `\\u${hex.padStart(4, "0")}` : `\\u{${hex}}`;
}

/** For a terminal line or a chat message: every hidden character is shown, tab and line breaks too. */
export function displaySafe(s: string): string {
  return s.replace(HIDDEN, (c, emoji: string | undefined) => emoji ?? escaped(c));
}

/** For documents (CSV, Markdown, html) that keep tab, CR and LF where their format needs them. */
export function documentSafe(s: string): string {
  return s.replace(HIDDEN, (c, emoji: string | undefined) => emoji ?? (c === "\t" || c === "\r" || c === "\n" ? c : escaped(c)));
}
