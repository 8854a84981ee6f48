/**
 * Small helpers for the XML protocols (Query: STS, Elastic Beanstalk; REST-XML: S3), shared so every
 * service writes and reads XML the same way.
 */

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** The reverse of escapeXml, for the few request bodies the REST-XML services read (S3, CloudFront). */
export function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_m, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&#x([0-9a-fA-F]+);/g, (_m, code: string) => String.fromCodePoint(parseInt(code, 16)))
    .replace(/&amp;/g, '&');
}

/**
 * Serializes a value the way AWS Query responses do: objects become child elements, arrays become
 * `<member>` children, Dates ISO 8601, undefined members are left out.
 */
export function toXml(name: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return `<${name}>${value.map(item => toXml('member', item)).join('')}</${name}>`;
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (typeof value === 'object') {
    const inner = Object.entries(value as Record<string, unknown>)
      .map(([key, child]) => toXml(key, child))
      .join('');
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/**
 * Reads Query-protocol parameters into a nested object: `Tags.member.1.Key=a` becomes
 * `{ Tags: [{ Key: 'a' }] }`, `OptionSettings.member.2.Value` likewise; plain keys stay strings.
 */
export function parseQueryParams(params: URLSearchParams): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of params) {
    const parts = key.split('.');
    let node: Record<string, unknown> | unknown[] = root;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      const last = i === parts.length - 1;
      if (part === 'member' || part === 'entry') continue;
      const nextIsMember = parts[i + 1] === 'member' || parts[i + 1] === 'entry';
      const index = /^\d+$/.test(part) ? Number(part) - 1 : undefined;
      if (Array.isArray(node) && index !== undefined) {
        if (last) node[index] = value;
        else node = (node[index] ??= {}) as Record<string, unknown>;
      } else if (!Array.isArray(node)) {
        if (last) node[part] = value;
        else node = (node[part] ??= nextIsMember ? [] : {}) as Record<string, unknown> | unknown[];
      }
    }
  }
  return root;
}
