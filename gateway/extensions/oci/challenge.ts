/**
 * `WWW-Authenticate` challenges (RFC 9110 §11.6.1) as registries send them on 401:
 * `Bearer realm="https://auth.example/token",service="registry",scope="repository:repo:pull"` or
 * `Basic realm="Registry Realm"`, possibly several in one header.
 * @module
 */

/** One challenge: its scheme (lowercased) and parameters (names lowercased). */
export interface AuthChallenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;

/** The challenges of a `WWW-Authenticate` header value, in order; malformed parts are skipped. */
export function parseChallenges(header: string): AuthChallenge[] {
  const out: { scheme: string; params: Record<string, string> }[] = [];
  let i = 0;
  const skip = (chars: string) => {
    while (i < header.length && chars.includes(header[i])) i++;
  };
  const token = (): string | undefined => {
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(header);
    if (!m) return undefined;
    i += m[0].length;
    return m[0];
  };
  while (i < header.length) {
    skip(" \t,");
    const word = token();
    if (word === undefined) {
      if (i < header.length) i++;
      continue;
    }
    const afterWord = i;
    skip(" \t");
    const current = out.at(-1);
    if (header[i] !== "=" || current === undefined) {
      // A new challenge; a token68 after the scheme (`Basic abc==`) is not used by registries.
      i = afterWord;
      out.push({ scheme: word.toLowerCase(), params: {} });
      continue;
    }
    i++;
    skip(" \t");
    current.params[word.toLowerCase()] = header[i] === '"' ? quoted() : token() ?? "";
  }
  return out;

  function quoted(): string {
    let value = "";
    i++;
    while (i < header.length && header[i] !== '"') {
      if (header[i] === "\\" && i + 1 < header.length) i++;
      value += header[i++];
    }
    i++;
    return value;
  }
}
