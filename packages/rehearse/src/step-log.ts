/**
 * What the runner does with a step's output before anyone sees it: workflow commands
 * (`::add-mask::`, `::error::`, `::group::`, ...) are acted on instead of printed, and every
 * masked value is replaced by ***. Masks live for the whole rehearsal, as secrets do on a run.
 */

export class Masks {
  private readonly values = new Set<string>();

  add(value: string | undefined): void {
    if (!value || value.trim() === '') return;
    this.values.add(value);
    // the runner also masks each line of a multi-line secret (a PEM key printed line by line)
    for (const line of value.split(/\r?\n/)) if (line.trim().length >= 2) this.values.add(line);
  }

  apply(text: string): string {
    const ordered = [...this.values].sort((a, b) => b.length - a.length);
    return ordered.reduce((masked, secret) => masked.split(secret).join('***'), text);
  }

  /** true when the text shows a masked value (the runner then refuses to pass it on as a job output) */
  reveals(text: string): boolean {
    return [...this.values].some(secret => text.includes(secret));
  }
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
}

function unescapeData(data: string): string {
  return data.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

/** Turns raw output chunks into the lines a user sees, one step at a time. */
export class StepLog {
  readonly lines: string[] = [];
  readonly annotations: Annotation[] = [];
  /** outputs set with the deprecated `::set-output` command */
  readonly legacyOutputs: Record<string, string> = {};
  private partial = '';
  private stopToken: string | undefined;

  constructor(
    private readonly masks: Masks,
    private readonly print: (line: string) => void,
    private readonly debug = false
  ) {}

  write(chunk: string): void {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line.replace(/\r$/, ''));
  }

  /** flushes a last line written without a newline */
  end(): void {
    if (this.partial !== '') this.line(this.partial);
    this.partial = '';
  }

  /** a line the rehearsal itself writes into the step log (masked like the rest) */
  note(message: string): void {
    this.show(message);
  }

  private show(line: string): void {
    const masked = this.masks.apply(line);
    this.lines.push(masked);
    this.print(masked);
  }

  private line(raw: string): void {
    const command = /^::([a-zA-Z-]+)(?: ([^:]*))?::(.*)$/.exec(raw);
    if (this.stopToken !== undefined) {
      if (command && command[1] === this.stopToken) this.stopToken = undefined;
      else this.show(raw);
      return;
    }
    if (!command) return this.show(raw);
    const [, name, properties = '', data] = command;
    const value = unescapeData(data);
    switch (name) {
      case 'add-mask':
        this.masks.add(value);
        return;
      case 'error':
      case 'warning':
      case 'notice': {
        this.annotations.push({ level: name, message: this.masks.apply(value) });
        const label = name === 'error' ? 'Error' : name === 'warning' ? 'Warning' : 'Notice';
        return this.show(`${label}: ${value}`);
      }
      case 'group':
        return this.show(`▸ ${value}`);
      case 'endgroup':
        return;
      case 'debug':
        if (this.debug) this.show(`Debug: ${value}`);
        return;
      case 'stop-commands':
        this.stopToken = value;
        return;
      case 'set-output': {
        const outputName = /(?:^|,)name=([^,]+)/.exec(properties)?.[1];
        if (outputName) this.legacyOutputs[outputName] = value;
        return this.show('Warning: The `set-output` command is deprecated; write to $GITHUB_OUTPUT instead');
      }
      case 'save-state':
      case 'echo':
      case 'add-matcher':
      case 'remove-matcher':
        return;
      default:
        return this.show(raw);
    }
  }
}
