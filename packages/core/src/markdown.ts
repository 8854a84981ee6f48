/** Markdown for job summaries and PR comments, and links into the AWS console. */

function cell(value: string): string {
  return value.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

/** A GitHub-flavoured markdown table; pipes and newlines in cells are escaped. */
export function markdownTable(headers: string[], rows: string[][]): string {
  const lines = [
    `| ${headers.map(cell).join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map(row => `| ${headers.map((_, index) => cell(row[index] ?? '')).join(' | ')} |`)
  ];
  return lines.join('\n');
}

export function markdownLink(text: string, url: string): string {
  return `[${text.replace(/[[\]]/g, '')}](${url})`;
}

/** A collapsed section: `<details><summary>title</summary> body </details>`. */
export function markdownDetails(title: string, body: string): string {
  return `<details><summary>${title}</summary>\n\n${body}\n\n</details>`;
}

/**
 * Text from outside (a health body, an AWS reason, an event message) as inert markdown: HTML is written
 * as entities (so no `<!-- marker -->`, `<img>` or `<details>` comes alive), inline markdown punctuation
 * is escaped (no links, images, mentions, emphasis or code), autolinks are broken, and a line-start
 * construct (heading, list, quote) loses its meaning. Newlines become spaces; pipes are left to
 * markdownTable, which escapes them in cells.
 */
export function markdownText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r?\n/g, ' ')
    .replace(/([\\`*_{}[\]()!~@])/g, '\\$1')
    .replace(/:\/\//g, ':\\/\\/')
    .replace(/\bwww\./gi, match => `${match.slice(0, 3)}\\.`)
    .replace(/^(\s*)([#+=-]|\d+\.)/, '$1\\$2');
}

/** Inline code that stays inline whatever it holds. */
export function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  return `${fence}${text}${fence}`;
}
